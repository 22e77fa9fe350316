"""Booking, rescheduling and cancelling: every refusal has its code and changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from cowin_kit.booking import changes, operations
from cowin_kit.booking.models import Appointment, SessionCapacity
from cowin_kit.core.errors import KitError


def capacity(db, session, kind="1"):
    db.session.expire_all()
    return db.session.scalar(sa.select(SessionCapacity).where(
        SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == kind))


def refused(code, fn, *args, **kwargs):
    with pytest.raises(KitError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.text()
    return info.value


def test_book_claims_one_dose_and_texts_a_secret_code(db, make_session, make_beneficiary):
    from cowin_kit.core.models import SmsMessage

    session = make_session()
    person = make_beneficiary()
    appointment = operations.book(person, str(session.id), session.slots[0])
    assert appointment.status == "booked" and appointment.dose_number == 1
    assert len(appointment.secret_code) == 4 and appointment.secret_code.isdigit()
    assert capacity(db, session).booked == 1
    assert capacity(db, session, "2").booked == 0
    sms = db.session.scalars(sa.select(SmsMessage)).all()
    assert len(sms) == 1 and sms[0].purpose == "booking"
    assert appointment.secret_code in sms[0].body and session.slots[0] in sms[0].body


@pytest.mark.parametrize("case, code", [
    ("full", "SESSION_FULL"),
    ("past", "PAST_DATE"),
    ("too_far", "TOO_FAR_AHEAD"),
    ("slot", "SLOT_NOT_OFFERED"),
    ("tampered_session", "SESSION_NOT_FOUND"),
    ("unknown_session", "SESSION_NOT_FOUND"),
    ("age_band", "AGE_OUT_OF_BAND"),
    ("too_young", "TOO_YOUNG"),
    ("closed", "SESSION_CLOSED"),
    ("wrong_dose", "WRONG_DOSE"),
])
def test_bad_booking_is_refused_and_changes_nothing(db, case, code, make_session,
                                                    make_beneficiary, counts):
    person = make_beneficiary(age=10 if case == "too_young" else 30)
    kwargs = {}
    if case == "full":
        session = make_session(capacities={"1": 1, "2": 5})
        operations.book(make_beneficiary(), session.id, session.slots[0])
    elif case == "past":
        session = make_session(days=-1)
    elif case == "too_far":
        session = make_session(days=30)
    elif case == "age_band":
        session = make_session(min_age=45)
    elif case == "closed":
        session = make_session()
        session.status = "cancelled"
        db.session.commit()
    else:
        session = make_session()
    session_id = {"tampered_session": "not-a-uuid' OR 1=1 --",
                  "unknown_session": str(uuid.uuid4())}.get(case, str(session.id))
    slot = "03:00-04:00" if case == "slot" else session.slots[0]
    if case == "wrong_dose":
        kwargs["dose_number"] = 2
    before = counts()
    refused(code, operations.book, person, session_id, slot, **kwargs)
    assert counts() == before


def test_dose_two_too_early_names_the_date(db, make_session, make_beneficiary, give_dose,
                                           today, counts):
    first = make_session(days=-1)
    person = make_beneficiary()
    give_dose(person, first, 1, today - dt.timedelta(days=1))
    later = make_session(days=2)
    before = counts()
    error = refused("TOO_EARLY", operations.book, person, later.id, later.slots[0])
    assert counts() == before
    assert error.text()  # the engine's message says from when the dose is due


def test_dose_two_is_booked_against_second_dose_capacity(db, make_session, make_beneficiary,
                                                         give_dose, today):
    from cowin_kit.profiles import get_profile

    person = make_beneficiary()
    first = make_session(days=-1)
    gap = get_profile().schedule_for(first.vaccine).intervals[0].min
    # Dose 1 long enough ago that dose 2 is due by tomorrow.
    given = today - dt.timedelta(days=400)
    give_dose(person, first, 1, given)
    later = make_session(days=1)
    appointment = operations.book(person, later.id, later.slots[1])
    assert appointment.dose_number == 2
    assert capacity(db, later, "2").booked == 1 and capacity(db, later, "1").booked == 0
    assert gap is not None


def test_one_active_appointment_per_dose(db, make_session, make_beneficiary, counts):
    person = make_beneficiary()
    one, two = make_session(), make_session(days=2)
    operations.book(person, one.id, one.slots[0])
    before = counts()
    refused("ALREADY_BOOKED", operations.book, person, two.id, two.slots[0])
    assert counts() == before


def test_retry_with_the_same_key_returns_the_same_appointment(db, make_session,
                                                              make_beneficiary, counts):
    session = make_session()
    person = make_beneficiary()
    first = operations.book(person, session.id, session.slots[0], idempotency_key="k-1")
    before = counts()
    again = operations.book(person, session.id, session.slots[0], idempotency_key="k-1")
    assert again.id == first.id and again.secret_code == first.secret_code
    assert counts() == before
    # The same key from another person is another request.
    other = operations.book(make_beneficiary(), session.id, session.slots[0],
                            idempotency_key="k-1")
    assert other.id != first.id
    assert capacity(db, session).booked == 2


def test_cancel_returns_the_dose(db, make_session, make_beneficiary, counts):
    session = make_session(capacities={"1": 1})
    person = make_beneficiary()
    appointment = operations.book(person, session.id, session.slots[0])
    assert capacity(db, session).booked == 1
    changes.cancel(appointment, "changed plans")
    assert appointment.status == "cancelled"
    assert capacity(db, session).booked == 0
    before = counts()
    refused("APPOINTMENT_NOT_ACTIVE", changes.cancel, appointment, "again")
    assert counts() == before
    # The freed dose can be booked, also by the same person again.
    operations.book(person, session.id, session.slots[0])
    assert capacity(db, session).booked == 1


def test_cancel_respects_the_cutoff(db, make_session, make_beneficiary, counts):
    from cowin_kit.booking.rules import local_now, timezone_of
    from cowin_kit.profiles import get_profile

    profile = get_profile()
    session = make_session()
    appointment = operations.book(make_beneficiary(), session.id, session.slots[0])
    start = dt.time.fromisoformat(session.slots[0].split("-")[0])
    tz = timezone_of(profile)
    starts = dt.datetime.combine(session.date, start, tzinfo=tz)
    late = starts - profile.booking.cancel_cutoff + dt.timedelta(minutes=1)
    before = counts()
    refused("CANCEL_TOO_LATE", changes.cancel, appointment, "late", on=late)
    assert counts() == before
    assert local_now(profile, on=late).tzinfo is not None


def test_reschedule_moves_the_claim(db, make_session, make_beneficiary):
    old, new = make_session(), make_session(days=3)
    appointment = operations.book(make_beneficiary(), old.id, old.slots[0])
    code = appointment.secret_code
    changes.reschedule(appointment, str(new.id), new.slots[2])
    assert appointment.session_id == new.id and appointment.slot == new.slots[2]
    assert appointment.status == "booked" and appointment.secret_code == code
    assert capacity(db, old).booked == 0 and capacity(db, new).booked == 1
    # Another slot of the same session moves nothing, even once the session is full.
    operations.book(make_beneficiary(), new.id, new.slots[0])
    db.session.execute(sa.update(SessionCapacity).where(SessionCapacity.session_id == new.id,
                                                        SessionCapacity.dose_kind == "1")
                       .values(capacity=2))
    db.session.commit()
    changes.reschedule(appointment, new.id, new.slots[0])
    assert capacity(db, new).booked == 2 and appointment.slot == new.slots[0]


@pytest.mark.parametrize("case, code", [("full", "SESSION_FULL"), ("slot", "SLOT_NOT_OFFERED"),
                                        ("missing", "SESSION_NOT_FOUND"),
                                        ("past", "PAST_DATE")])
def test_failed_reschedule_changes_nothing(db, case, code, make_session, make_beneficiary,
                                           counts):
    old = make_session()
    target = make_session(days=-2 if case == "past" else 3, capacities={"1": 1})
    appointment = operations.book(make_beneficiary(), old.id, old.slots[0])
    if case == "full":
        operations.book(make_beneficiary(), target.id, target.slots[0])
    before = counts()
    refused(code, changes.reschedule, appointment,
            uuid.uuid4() if case == "missing" else target.id,
            "00:00-00:30" if case == "slot" else target.slots[0])
    assert counts() == before
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).session_id == old.id
