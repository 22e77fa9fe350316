"""Standby lists (#21): offers go in the order of opting in, never exceed the doses the desk
declared (also when desks and the lapse job run at once on PostgreSQL), and a lapsed offer goes
to the next person."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from cowin_kit.booking.fair_models import StandbyCall, StandbyEntry
from cowin_kit.booking.models import Appointment, SessionCapacity
from cowin_kit.core.db import utcnow


def _queue(make_beneficiary, session, n):
    from cowin_kit.booking import standby

    people = [make_beneficiary() for _ in range(n)]
    for person in people:
        standby.join(person, session.facility_id, session.date, channel="web")
    return people


def _statuses(db):
    db.session.expire_all()
    return Counter(db.session.scalars(sa.select(StandbyEntry.status)))


def test_offers_follow_the_list_and_never_exceed_the_declared_doses(make_session,
                                                                    make_beneficiary, db):
    from cowin_kit.booking import standby
    from cowin_kit.core.models import SmsMessage

    session = make_session(capacities={"1": 2})
    people = _queue(make_beneficiary, session, 6)
    again = standby.join(people[0], session.facility_id, session.date, channel="api")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StandbyEntry)) == 6
    assert again.channel == "web"  # asking twice keeps one place in the list
    call = standby.call(None, session, 2, confirm_minutes=15)
    offered = list(db.session.scalars(sa.select(StandbyEntry).where(
        StandbyEntry.status == "offered").order_by(StandbyEntry.id)))
    assert [e.beneficiary_id for e in offered] == [people[0].id, people[1].id]
    texts = db.session.scalars(sa.select(SmsMessage.body).where(
        SmsMessage.purpose == "standby_offer")).all()
    assert len(texts) == 2 and "15" in texts[0]
    # The first confirms (the dose beyond capacity is taken: an opened vial), the second lapses.
    appointment = standby.confirm(offered[0])
    assert appointment.status == "booked" and appointment.channel == "web"
    later = utcnow() + dt.timedelta(minutes=16)
    assert standby.expire_offers(now=later) == 1
    assert _statuses(db) == Counter({"confirmed": 1, "expired": 1, "offered": 1, "waiting": 3})
    db.session.expire_all()
    declared = db.session.get(StandbyCall, call.id)
    assert declared.taken + declared.outstanding <= declared.doses == 2
    with pytest.raises(Exception) as late:
        standby.confirm(offered[1], now=later)
    assert getattr(late.value, "code", "") == "OFFER_EXPIRED"


def test_leftover_doses_raise_a_full_sessions_capacity_only_by_what_is_taken(
        make_session, make_beneficiary, db):
    from cowin_kit.booking import operations, standby

    session = make_session(capacities={"1": 1})
    operations.book(make_beneficiary(), session.id, session.slots[0])
    people = _queue(make_beneficiary, session, 3)
    standby.call(None, session, 2)
    for entry in db.session.scalars(sa.select(StandbyEntry).where(
            StandbyEntry.status == "offered")).all():
        standby.confirm(entry)
    capacity = db.session.scalar(sa.select(SessionCapacity).where(
        SessionCapacity.session_id == session.id))
    db.session.refresh(capacity)
    assert (capacity.capacity, capacity.booked) == (3, 3)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
        Appointment.beneficiary_id == people[2].id)) == 0


def test_bad_calls_are_refused_and_change_nothing(make_session, make_beneficiary, db):
    from cowin_kit.booking import standby
    from cowin_kit.core.errors import ValidationFailed

    session = make_session(capacities={"1": 2})
    _queue(make_beneficiary, session, 2)
    for doses, kind in ((0, "1"), (1000, "1"), (1, "booster9")):
        with pytest.raises(ValidationFailed):
            standby.call(None, session, doses, dose_kind=kind)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StandbyCall)) == 0
    assert _statuses(db) == Counter({"waiting": 2})


@pytest.mark.postgres
def test_parallel_desk_calls_and_lapses_never_offer_more_than_declared(
        make_app, make_session, make_beneficiary, db):
    """Eight desks call 3 doses each at once for 40 waiting people while the lapse job runs:
    every call's offers stay within its doses, and no person gets two offers."""
    from cowin_kit.booking import operations, standby
    from cowin_kit.core.db import db as rdb

    session = make_session(capacities={"1": 5})
    _queue(make_beneficiary, session, 40)
    session_id = session.id
    racer = make_app(DB_POOL_SIZE=12, DB_MAX_OVERFLOW=0)
    barrier = threading.Barrier(9)
    failures = []

    def desk():
        with racer.app_context():
            try:
                found = operations.load_session(session_id)
                rdb.session.commit()
                barrier.wait(timeout=60)
                standby.call(None, found, 3)
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                rdb.session.remove()

    def lapse_job():
        with racer.app_context():
            try:
                barrier.wait(timeout=60)
                standby.expire_offers(now=utcnow() + dt.timedelta(hours=1))
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                rdb.session.remove()

    threads = [threading.Thread(target=desk) for _ in range(8)]
    threads.append(threading.Thread(target=lapse_job))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    db.session.expire_all()
    for declared in db.session.scalars(sa.select(StandbyCall)):
        live = db.session.scalar(sa.select(sa.func.count()).select_from(StandbyEntry).where(
            StandbyEntry.call_id == declared.id, StandbyEntry.status == "offered"))
        assert declared.outstanding == live
        assert declared.taken + declared.outstanding <= declared.doses
    per_person = Counter(db.session.scalars(sa.select(StandbyEntry.beneficiary_id).where(
        StandbyEntry.status.in_(("offered", "expired")))))
    assert set(per_person.values()) <= {1}
