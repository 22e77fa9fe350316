"""No personal data in any log line, and the business metrics move (issue #25 item 3).

The citizen's path (OTP sign-in, registration, booking over the native API) and the desk's (look
up by mobile and by identity number, record the dose with the secret code, a walk-in) run with
every logger at DEBUG; no record — message, arguments, extra fields, traceback — holds the mobile
number, the identity number or the name used. The counters of bookings, doses and OTPs go up by
exactly what was done.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from cowin_kit.core import metrics
from cowin_kit.core.logs import KitJsonFormatter, RequestContextFilter
from tests.citizen.helpers import aadhaar, last_otp
from tests.operations.conftest import ALL_DAY, make_session, sign_in

API = "/api/kit/v1"
JSON = {"X-Requested-With": "XMLHttpRequest"}
MOBILE, NAME = "9812345670", "Parvati Subramaniam"
WALK_IN_NAME = "Gurpreet Dhillon"


def value(metric, *labels) -> float:
    return metric.labels(*labels)._value.get()


def everything_logged(records) -> str:
    """Each record as the JSON line the kit writes, plus its raw parts."""
    formatter, context = KitJsonFormatter(), RequestContextFilter()
    lines = []
    for record in records:
        context.filter(record)
        lines.append(formatter.format(record))
        lines.append(repr(record.args) + repr(record.__dict__))
    return "\n".join(lines)


def test_citizen_and_desk_flows_log_no_personal_data_and_count(app, db, world, caplog):
    number, walk_in_number = aadhaar(7001), aadhaar(7002)
    session = make_session(db, world.facilities["FA"], slots=ALL_DAY)
    db.session.commit()
    before = (value(metrics.APPOINTMENTS, "book"), value(metrics.DOSES, "covishield"),
              value(metrics.OTPS, "sent"))
    citizen, desk = app.test_client(), app.test_client()
    with caplog.at_level(logging.DEBUG):
        # The citizen: OTP, registration, booking.
        txn = citizen.post(f"{API}/auth/otp", json={"mobile": MOBILE}).get_json()["txn_id"]
        token = citizen.post(f"{API}/auth/otp/confirm", json={
            "txn_id": txn, "otp": last_otp("+91" + MOBILE)}).get_json()["token"]
        auth = {"Authorization": f"Bearer {token}", **JSON}
        # From here texts go to the log backend (booking texts name the person).
        app.config["SMS_BACKEND"] = "log"
        created = citizen.post(f"{API}/beneficiaries", headers=auth, json={
            "name": NAME, "birth_year": 1970, "gender": "F", "id_doc_type": "aadhaar",
            "id_number": number})
        assert created.status_code == 201, created.get_json()
        reference = created.get_json()["reference_id"]
        booked = citizen.post(f"{API}/appointments", headers=auth, json={
            "reference_id": reference, "session_id": str(session.id), "slot": session.slots[0]})
        assert booked.status_code == 201, booked.get_json()
        appointment = booked.get_json()
        # Things going wrong log too: a wrong OTP, an unknown person, a bad identity number.
        citizen.post(f"{API}/auth/otp/confirm", json={"txn_id": txn, "otp": "000000"}).get_data()
        citizen.post(f"{API}/beneficiaries", headers=auth, json={
            "name": NAME, "birth_year": 1970, "gender": "F", "id_doc_type": "aadhaar",
            "id_number": number[:-1]}).get_data()
        # The desk: look the person up by mobile and by number, record the dose, a walk-in.
        sign_in(desk, world.staff["vaccinator"])
        for q, kind in ((MOBILE, "mobile"), (number, "document")):
            page = desk.post("/desk/find", data={"q": q, "kind": kind, "doc_type": "aadhaar"},
                             follow_redirects=True)
            assert NAME in page.get_data(as_text=True)
        desk.get(f"/desk/people/{reference}").get_data()
        recorded = desk.post(f"/desk/people/{reference}/dose", data={
            "appointment_id": appointment["appointment_id"], "secret_code": appointment["secret_code"],
            "vaccine": "covishield", "lot": "4120Z025", "dose_number": "1"})
        assert recorded.status_code == 302, recorded.get_data(as_text=True)[:500]
        walk_in = desk.post("/desk/walk-in", data={
            "name": WALK_IN_NAME, "birth_year": "1985", "gender": "M", "id_doc_type": "aadhaar",
            "id_number": walk_in_number, "mobile": "98123 45671", "vaccine": "covishield",
            "lot": "4120Z025"})
        assert walk_in.status_code == 302, walk_in.get_data(as_text=True)[:500]

    logged = everything_logged(caplog.records)
    assert any(r.name == "cowin_kit.request" for r in caplog.records)  # something was logged
    for secret in (MOBILE, "9812345671", number, walk_in_number, NAME, WALK_IN_NAME,
                   "Parvati", "Subramaniam", "Dhillon", appointment["secret_code"] + '"'):
        assert secret not in logged, f"{secret!r} reached a log line"
    assert (value(metrics.APPOINTMENTS, "book"), value(metrics.DOSES, "covishield"),
            value(metrics.OTPS, "sent")) == (before[0] + 1, before[1] + 2, before[2] + 1)


def test_a_refused_booking_counts_nothing(app, db, world):
    from cowin_kit.booking import operations
    from cowin_kit.booking.errors import AlreadyBooked
    from cowin_kit.booking.models import Appointment
    from tests.operations.conftest import make_appointment, make_person

    person = make_person(db)
    session = make_session(db, world.facilities["FA"], slots=ALL_DAY)
    make_appointment(db, session, person)
    db.session.commit()
    before = value(metrics.APPOINTMENTS, "book")
    try:
        operations.book(person, session.id, session.slots[0])
    except AlreadyBooked:
        pass
    else:  # pragma: no cover - the point of the test
        raise AssertionError("a second booking of the same dose went through")
    assert value(metrics.APPOINTMENTS, "book") == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 1
