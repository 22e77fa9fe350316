"""OTP texts are never stored whole (docs/security.md, "SMS and OTP storage"), finished texts are
purged after the ministry's retention, and a too-soon resend says when to come back."""

from __future__ import annotations

import datetime as dt
import os
import re

import sqlalchemy as sa

from cowin_kit.core.db import utcnow
from cowin_kit.core.models import SmsMessage
from tests.citizen.helpers import MOBILE, MOBILE_E164, last_otp
from tests.smsgateway import http_app


def _stored_strings(db):
    """Every text value in every row of every table (JSON details included)."""
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            for value in row:
                if isinstance(value, (str, bytes, dict, list)):
                    yield table.name, str(value)


def _assert_nowhere_in_the_database(db, otp: str) -> None:
    db.session.expire_all()
    found = [(table, value[:80]) for table, value in _stored_strings(db) if otp in value]
    assert found == []


def test_no_otp_digits_in_any_database_row_after_a_send(client, db):
    sent = client.post("/api/kit/v1/auth/otp", json={"mobile": MOBILE})
    assert sent.status_code == 200, sent.get_json()
    otp = last_otp()  # the outbox's phone has the text whole, for the demo and tests
    assert re.fullmatch(r"\d{6}", otp)
    _assert_nowhere_in_the_database(db, otp)
    (message,) = db.session.scalars(sa.select(SmsMessage)).all()
    assert message.body.startswith("****** is your OTP") and message.status == "held"
    # The OTP still signs in.
    txn = sent.get_json()["txn_id"]
    assert client.post("/api/kit/v1/auth/otp/confirm",
                       json={"txn_id": txn, "otp": otp}).status_code == 200


def test_the_gateway_gets_the_otp_the_database_does_not(make_app, provider):
    from cowin_kit.accounts.otp import request_otp

    server, handler = provider
    handler.fail = 0
    app = http_app(make_app, server)
    with app.app_context():
        from cowin_kit.core.db import db

        request_otp(MOBILE, "hi_IN")
        (payload, _auth), = handler.received
        otp = re.search(r"\d{6}", payload["text"]).group(0)
        _assert_nowhere_in_the_database(db, otp)
        assert db.session.scalar(sa.select(SmsMessage.status)) == "sent"


def test_log_backend_logs_neither_the_otp_nor_the_mobile(make_app, caplog):
    import logging

    from cowin_kit.accounts.otp import request_otp

    app = make_app(SMS_BACKEND="log")
    with app.app_context(), caplog.at_level(logging.INFO, logger="cowin_kit.sms"):
        request_otp(MOBILE, "en_IN")
    assert "(otp, en_IN)" in caplog.text and "is your OTP" not in caplog.text
    assert not re.search(r"\d{6}", caplog.text) and MOBILE[-4:] not in caplog.text


def test_outbox_cli_shows_the_otp_only_while_it_is_valid(app, db, runner, database_url):
    from cowin_kit.accounts.otp import request_otp
    from cowin_kit.cli import cli
    from cowin_kit.core.sms_outbox import outbox_phone

    request_otp(MOBILE, "en_IN")
    otp = last_otp()
    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_PROFILE": app.config["PROFILE"], "COWIN_KIT_INSTANCE_DIR": app.instance_path}
    shown = runner.invoke(cli, ["sms", "outbox", "--mobile", MOBILE], env=env)
    assert shown.exit_code == 0 and f"{otp} is your OTP" in shown.output, shown.output
    # Once the OTP has expired the phone forgets it: only the masked record is left.
    (path,) = outbox_phone().folder.glob("*.txt")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    old = path.stat().st_mtime - app.config["OTP_VALID_SECONDS"] - 1
    os.utime(path, (old, old))
    shown = runner.invoke(cli, ["sms", "outbox", "--mobile", MOBILE], env=env)
    assert "****** is your OTP" in shown.output and otp not in shown.output
    assert not path.exists()


def _message(db, status: str, days_ago: float, body: str) -> None:
    db.session.add(SmsMessage(mobile=MOBILE_E164, body=body, purpose="booking", locale="en_IN",
                              backend="outbox", status=status, attempts=1,
                              created_at=utcnow() - dt.timedelta(days=days_ago)))


def test_purge_removes_only_finished_texts_older_than_the_retention(app, db, runner, database_url):
    from cowin_kit.cli import cli

    for status in ("sent", "held", "failed", "queued", "sending"):
        _message(db, status, 31, f"old {status}")
        _message(db, status, 29, f"young {status}")
    db.session.commit()
    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_SMS_RETENTION_DAYS": "30", "COWIN_KIT_INSTANCE_DIR": app.instance_path}
    result = runner.invoke(cli, ["sms", "purge"], env=env)
    assert result.exit_code == 0, result.output
    assert "Deleted 3 " in result.output
    db.session.expire_all()
    left = set(db.session.scalars(sa.select(SmsMessage.body)))
    assert left == {f"young {s}" for s in ("sent", "held", "failed", "queued", "sending")} | {
        "old queued", "old sending"}  # still to be delivered: never purged
    # The chart's CronJob chains it after delivery; a shorter retention on the command line.
    result = runner.invoke(cli, ["sms", "deliver", "purge", "--older-than-days", "28"], env=env)
    assert result.exit_code == 0, result.output
    assert "No queued messages to deliver." in result.output and "Deleted 3 " in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)) == 4


# -- resend too soon ------------------------------------------------------------------------------

def test_too_soon_resend_says_when_in_retry_after(app, client):
    app.config["OTP_RESEND_SECONDS"] = 30
    first = client.post("/api/v2/auth/generateMobileOTP", json={"mobile": MOBILE})
    assert first.status_code == 200
    again = client.post("/api/v2/auth/generateMobileOTP", json={"mobile": MOBILE})
    # CoWIN's "slow down" status: COWIN_KIT_V2_BLOCK_STATUS (429 unless a ministry picks 403)
    assert again.status_code == app.config["V2_BLOCK_STATUS"]
    assert again.get_json()["errorCode"] == "USRAUT0028"
    assert 1 <= int(again.headers["Retry-After"]) <= 31
    kit = client.post("/api/kit/v1/auth/otp", json={"mobile": MOBILE})
    assert kit.status_code == 429 and kit.get_json()["error"]["code"] == "OTP_RESEND_TOO_SOON"
    seconds = int(kit.headers["Retry-After"])
    assert 1 <= seconds <= 31 and f"wait {seconds} seconds" in kit.get_json()["error"]["message"]
