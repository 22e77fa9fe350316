"""Citizen texts go through gettext: with a Hindi catalog, SMS and API errors come out in Hindi."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from cowin_kit.accounts.otp import OtpResendTooSoon
from cowin_kit.core.sms import SMS_TEXTS

HINDI_WAIT = "नया OTP माँगने से पहले %(seconds)s सेकंड रुकें।"
HINDI_OTP = "%(otp)s आपका OTP है। इसे किसी से साझा न करें।"


@pytest.fixture
def hindi_app(make_app, tmp_path):
    catalog = Catalog(locale="hi")
    catalog.add(OtpResendTooSoon.default_message._args[0], HINDI_WAIT)
    catalog.add(SMS_TEXTS["otp"]._args[0], HINDI_OTP)
    folder = tmp_path / "locales" / "hi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    # No app context pushed here: each request gets its own, as in production.
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "locales"))
    _forget_loaded_catalogs(app)
    yield app
    _forget_loaded_catalogs(app)


def _forget_loaded_catalogs(app):
    """Flask-Babel caches catalogs by locale across apps; load ours, and don't leak it."""
    from flask_babel import get_domain

    with app.app_context():
        get_domain().cache.clear()


def test_sms_text_is_rendered_in_the_recipients_language(hindi_app):
    from cowin_kit.core.sms import render_sms

    with hindi_app.app_context():
        assert render_sms("otp", "hi_IN", otp="123456") == HINDI_OTP % {"otp": "123456"}
        assert render_sms("otp", "en_IN", otp="123456").startswith("123456 is your OTP")


def test_api_error_message_and_sms_follow_accept_language(hindi_app):
    client = hindi_app.test_client()
    hindi = {"Accept-Language": "hi-IN,hi;q=0.9"}
    assert client.post("/api/kit/v1/auth/otp", json={"mobile": "9876543210"},
                       headers=hindi).status_code == 200
    response = client.post("/api/kit/v1/auth/otp", json={"mobile": "9876543210"},
                           headers=hindi)
    assert response.status_code == 429
    error = response.json["error"]
    assert error["code"] == "OTP_RESEND_TOO_SOON"
    assert error["message"].startswith("नया OTP") and "सेकंड" in error["message"]
    response = client.post("/api/kit/v1/auth/otp", json={"mobile": "9876543210"})
    assert response.json["error"]["message"].startswith("Please wait")
    from cowin_kit.core.sms_outbox import outbox

    with hindi_app.app_context():
        message = outbox()[0]
        assert message.locale == "hi_IN" and message.body.endswith("इसे किसी से साझा न करें।")
