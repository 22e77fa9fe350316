"""Appointment texts are part of the change's transaction; a remote gateway is reached after the
commit, off the request thread (a real local HTTP provider stands in for the gateway)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from cowin_kit.booking import operations
from cowin_kit.core import sms
from cowin_kit.core.errors import KitError
from cowin_kit.core.models import SmsMessage
from tests.smsgateway import http_settings


def messages(db) -> list[SmsMessage]:
    db.session.expire_all()
    return db.session.scalars(sa.select(SmsMessage).order_by(SmsMessage.id)).all()


def test_booking_is_answered_while_the_gateway_is_still_busy(app, db, provider, make_session,
                                                             make_beneficiary):
    server, handler = provider
    handler.fail, handler.gate = 0, threading.Event()
    app.config.update(http_settings(server))
    session, person = make_session(), make_beneficiary(name="Meera Rao")

    # The provider holds every answer until the gate opens: a delivery on the request thread
    # would block here instead of returning the appointment.
    appointment = operations.book(person, str(session.id), session.slots[0])
    assert appointment.status == "booked"
    [queued] = messages(db)
    assert queued.status in ("queued", "sending") and queued.purpose == "booking"

    handler.gate.set()
    assert sms.wait_for_deliveries(20)
    [sent] = messages(db)
    assert (sent.status, sent.attempts, sent.error) == ("sent", 1, None)
    [(payload, auth)] = handler.received
    assert payload["to"] == queued.mobile and appointment.secret_code in payload["text"]
    assert "Meera Rao" in payload["text"] and auth == "Bearer tok-123"


def test_an_unreachable_gateway_fails_the_text_not_the_booking(app, db, make_session,
                                                               make_beneficiary):
    app.config.update(SMS_BACKEND="http", SMS_HTTP_URL="http://127.0.0.1:9/sms",
                      SMS_HTTP_RETRIES=1, SMS_HTTP_BACKOFF=0.01, SMS_HTTP_TIMEOUT=1)
    session = make_session()
    appointment = operations.book(make_beneficiary(), str(session.id), session.slots[0])
    assert sms.wait_for_deliveries(20)
    [failed] = messages(db)
    assert failed.status == "failed" and failed.attempts == 2 and failed.error
    db.session.expire_all()
    assert db.session.get(type(appointment), appointment.id).status == "booked"


def test_a_refused_change_sends_nothing(app, db, provider, make_session, make_beneficiary):
    server, handler = provider
    app.config.update(http_settings(server))
    session = make_session(capacities={"1": 1})
    operations.book(make_beneficiary(), str(session.id), session.slots[0])
    assert sms.wait_for_deliveries(20) and len(handler.received) == 3  # two 503s, then sent
    with pytest.raises(KitError) as refused:
        operations.book(make_beneficiary(), str(session.id), session.slots[0])
    assert refused.value.code == "SESSION_FULL"
    # A queued text whose transaction rolls back is never written nor handed to a thread.
    sms.queue_sms("+919800000001", "rolled back", purpose="booking", locale="en_IN")
    db.session.rollback()
    assert sms.wait_for_deliveries(20)
    assert [m.body for m in messages(db) if m.body == "rolled back"] == []
    assert len(handler.received) == 3 and len(messages(db)) == 1


def test_cancelling_a_session_queues_one_text_per_person_in_its_transaction(
        app, db, provider, make_session, make_beneficiary):
    from cowin_kit.accounts.staff_permissions import NATIONAL_ADMIN
    from cowin_kit.booking.admin_operations import cancel_session
    from tests.factories import make_staff

    server, handler = provider
    handler.fail = 0
    session = make_session()
    for _ in range(3):
        operations.book(make_beneficiary(), str(session.id), session.slots[0])
    app.config.update(http_settings(server))  # the bookings' own texts stay in the outbox
    staff = make_staff(db, NATIONAL_ADMIN, "notify-admin")
    assert cancel_session(staff, session, "vaccine not delivered") == 3
    assert sms.wait_for_deliveries(20)
    cancels = [m for m in messages(db) if m.purpose == "cancel"]
    assert len(cancels) == 3 and {m.status for m in cancels} == {"sent"}
    assert len(handler.received) == 3


def test_sms_deliver_sends_what_a_stopped_process_left(app, db, provider, runner,
                                                       database_url):
    from cowin_kit.cli import cli
    from cowin_kit.core.db import utcnow

    server, handler = provider
    handler.fail = 0
    long_ago = utcnow() - dt.timedelta(hours=1)
    for status, body, claimed in (("queued", "left queued", None),
                                  ("sending", "left mid-way", long_ago),
                                  ("sending", "being sent now", utcnow()),
                                  ("sent", "already sent", long_ago)):
        db.session.add(SmsMessage(mobile="+919800000002", body=body, purpose="booking",
                                  locale="en_IN", backend="http", status=status, attempts=0,
                                  created_at=long_ago, claimed_at=claimed))
    db.session.add(SmsMessage(mobile="+919800000003", body="just queued", purpose="booking",
                              locale="en_IN", backend="http", status="queued", attempts=0))
    db.session.commit()
    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_PROFILE": app.config["PROFILE"],
           "COWIN_KIT_PROFILES_DIR": app.config["PROFILES_DIR"],
           **{f"COWIN_KIT_{k}": str(v) for k, v in http_settings(server).items()}}
    result = runner.invoke(cli, ["sms", "deliver", "--older-than", "600"], env=env)
    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0" in result.output
    assert sorted(p["text"] for p, _ in handler.received) == ["left mid-way", "left queued"]
    status = {m.body: m.status for m in messages(db)}
    # An old text a live deliverer took a moment ago is not taken over (never sent twice);
    # a young queued one is still in its own process's hands.
    assert status == {"left queued": "sent", "left mid-way": "sent", "already sent": "sent",
                      "being sent now": "sending", "just queued": "queued"}
    again = runner.invoke(cli, ["sms", "deliver"], env=env)
    assert again.exit_code == 0 and "No queued messages" in again.output
