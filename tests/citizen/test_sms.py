"""SMS gateway: localised texts, outbox/log/http backends (http against a real local server)."""

from __future__ import annotations

import logging

from cowin_kit.core.sms import render_sms, send_sms
from cowin_kit.core.sms_outbox import outbox
from tests.citizen.helpers import MOBILE_E164
from tests.smsgateway import http_app as _http_app


def test_otp_text_is_rendered_with_its_parameters(app):
    text = render_sms("otp", "en_IN", otp="482913")
    assert text == ("482913 is your OTP to sign in to the vaccination portal. "
                    "It is valid for 3 minutes. Do not share it.")
    # Any language of the profile renders (translated once its catalog has the text).
    assert "482913" in render_sms("otp", "hi_IN", otp="482913")


def test_outbox_backend_holds_messages_for_the_cli(app, runner, database_url):
    message = send_sms(MOBILE_E164, "hello there", purpose="otp", locale="en_IN")
    assert message.status == "held" and message.backend == "outbox"
    send_sms("+919812345678", "someone else", purpose="booking", locale="en_IN")
    assert [m.body for m in outbox(MOBILE_E164)] == ["hello there"]

    from cowin_kit.cli import cli

    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_PROFILE": app.config["PROFILE"],
           "COWIN_KIT_PROFILES_DIR": app.config["PROFILES_DIR"]}
    result = runner.invoke(cli, ["sms", "outbox", "--mobile", "98765 43210"], env=env)
    assert result.exit_code == 0, result.output
    assert "hello there" in result.output and "someone else" not in result.output
    result = runner.invoke(cli, ["sms", "outbox", "--limit", "5"], env=env)
    assert "hello there" in result.output and "someone else" in result.output
    result = runner.invoke(cli, ["sms", "outbox", "--mobile", "123"], env=env)
    assert result.exit_code == 2 and "--mobile" in result.output


def test_log_backend_logs_and_marks_sent(make_app, caplog):
    app = make_app(SMS_BACKEND="log")
    with app.app_context(), caplog.at_level(logging.INFO, logger="cowin_kit.sms"):
        message = send_sms(MOBILE_E164, "logged text", purpose="otp", locale="en_IN")
        assert message.status == "sent" and message.backend == "log"
        assert outbox() == []
    # What was sent (the record's id, purpose, language), never to whom or what it said.
    assert "(otp, en_IN)" in caplog.text
    assert "logged text" not in caplog.text and MOBILE_E164[-4:] not in caplog.text


def test_http_backend_retries_5xx_then_succeeds(make_app, provider):
    server, handler = provider
    app = _http_app(make_app, server)
    with app.app_context():
        message = send_sms(MOBILE_E164, "your code", purpose="otp", locale="en_IN")
        assert message.status == "sent" and message.attempts == 3
    assert len(handler.received) == 3
    payload, auth = handler.received[-1]
    assert payload == {"to": MOBILE_E164, "text": "your code", "purpose": "otp"}
    assert auth == "Bearer tok-123"


def test_http_backend_gives_up_after_the_retries(make_app, provider):
    server, handler = provider
    handler.fail = 99
    app = _http_app(make_app, server, SMS_HTTP_RETRIES=2)
    with app.app_context():
        message = send_sms(MOBILE_E164, "x", purpose="otp", locale="en_IN")
        assert message.status == "failed" and message.attempts == 3
        assert message.error == "HTTP 503"


def test_http_backend_does_not_retry_a_refusal(make_app, provider):
    server, handler = provider
    handler.fail, handler.final = 0, 400
    app = _http_app(make_app, server)
    with app.app_context():
        message = send_sms(MOBILE_E164, "x", purpose="otp", locale="en_IN")
        assert message.status == "failed" and message.attempts == 1


def test_http_backend_retries_an_unreachable_provider(make_app):
    app = make_app(SMS_BACKEND="http", SMS_HTTP_URL="http://127.0.0.1:9/sms",
                   SMS_HTTP_BACKOFF=0.01, SMS_HTTP_RETRIES=1, SMS_HTTP_TIMEOUT=1)
    with app.app_context():
        message = send_sms(MOBILE_E164, "x", purpose="otp", locale="en_IN")
        assert message.status == "failed" and message.attempts == 2
