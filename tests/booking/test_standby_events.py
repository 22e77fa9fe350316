"""Doses freed by real events go to the standby list by themselves (#21): a citizen's
cancellation holds its dose for the next person waiting (the public cannot book it twice),
gives it back to everyone when nobody is left, and goes down a lottery's draw in a lottery
session; concurrent cancellations on PostgreSQL never offer more doses than they freed."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from cowin_kit.booking.fair_models import StandbyCall, StandbyEntry
from cowin_kit.booking.models import Appointment, SessionCapacity
from cowin_kit.core.db import utcnow


def _capacity(db, session):
    db.session.expire_all()
    found = db.session.scalar(sa.select(SessionCapacity).where(
        SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == "1"))
    return found.capacity, found.booked


def _full_session_with_standby(make_session, make_beneficiary, *, doses=1, waiting=1):
    from cowin_kit.booking import operations, standby

    session = make_session(capacities={"1": doses})
    booked = [operations.book(make_beneficiary(), session.id, session.slots[0])
              for _ in range(doses)]
    queue = [make_beneficiary() for _ in range(waiting)]
    for person in queue:
        standby.join(person, session.facility_id, session.date, channel="assisted")
    return session, booked, queue


def test_a_cancellation_offers_its_dose_to_the_next_person_and_holds_it(
        make_session, make_beneficiary, db):
    from cowin_kit.booking import changes, errors, operations, standby
    from cowin_kit.core.models import SmsMessage

    session, (appointment,), queue = _full_session_with_standby(
        make_session, make_beneficiary, waiting=2)
    changes.cancel(appointment, "citizen")
    entries = {e.beneficiary_id: e for e in db.session.scalars(sa.select(StandbyEntry))}
    assert entries[queue[0].id].status == "offered"  # the first who joined
    assert entries[queue[1].id].status == "waiting"
    call = db.session.scalar(sa.select(StandbyCall))
    assert (call.source, call.doses, call.outstanding, call.called_by) == (
        "cancellation", 1, 1, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
        SmsMessage.purpose == "standby_offer")) == 1
    # The dose is held for the offer: a script booking the "freed" slot finds it full.
    assert _capacity(db, session) == (1, 1)
    with pytest.raises(errors.SessionFull):
        operations.book(make_beneficiary(), session.id, session.slots[0])
    given = standby.confirm(entries[queue[0].id])
    assert given.status == "booked" and given.channel == "assisted"
    assert _capacity(db, session) == (1, 1)  # handed over, not added beyond the plan


def test_a_cancellation_with_nobody_waiting_gives_the_dose_back_to_everyone(
        make_session, make_beneficiary, db):
    from cowin_kit.booking import changes, operations

    session, (appointment,), _ = _full_session_with_standby(
        make_session, make_beneficiary, waiting=0)
    changes.cancel(appointment, "citizen")
    assert _capacity(db, session) == (1, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StandbyCall)) == 0
    operations.book(make_beneficiary(), session.id, session.slots[0])


def test_a_lapsed_offer_goes_to_the_next_person_then_back_to_the_session(
        make_session, make_beneficiary, db):
    from cowin_kit.booking import changes, operations, standby

    session, (appointment,), queue = _full_session_with_standby(
        make_session, make_beneficiary, waiting=2)
    changes.cancel(appointment, "citizen")
    later = utcnow() + dt.timedelta(minutes=standby.AUTO_CONFIRM_MINUTES + 1)
    assert standby.expire_offers(now=later) == 1
    db.session.expire_all()
    statuses = {e.beneficiary_id: e.status for e in db.session.scalars(sa.select(StandbyEntry))}
    assert statuses == {queue[0].id: "expired", queue[1].id: "offered"}
    assert _capacity(db, session) == (1, 1)  # still held for the second person
    assert standby.expire_offers(now=later + dt.timedelta(minutes=31)) == 1
    assert _capacity(db, session) == (1, 0)  # nobody left: the dose is everyone's again
    call = db.session.scalar(sa.select(StandbyCall))
    assert (call.doses, call.outstanding, call.taken) == (0, 0, 0)
    operations.book(make_beneficiary(), session.id, session.slots[0])


def test_a_person_the_session_does_not_fit_is_passed_over(make_session, make_beneficiary, db):
    from cowin_kit.booking import changes, operations, standby

    session, (appointment,), queue = _full_session_with_standby(
        make_session, make_beneficiary, waiting=1)
    # The one waiting has since booked this dose elsewhere: not offered, the dose goes back.
    operations.book(queue[0], make_session(session.facility).id, session.slots[0])
    changes.cancel(appointment, "citizen")
    assert _capacity(db, session) == (1, 0)
    assert db.session.scalar(sa.select(StandbyEntry.status)) == "waiting"
    assert standby.expire_offers() == 0


def test_a_lottery_winner_cancelling_offers_the_dose_to_the_next_in_the_draw(
        make_session, make_beneficiary, db):
    from cowin_kit.booking import changes, lottery
    from cowin_kit.booking.fair_models import LotteryRequest

    session = make_session(capacities={"1": 1})
    start = utcnow()
    lottery_round = lottery.open_round(None, session, hours=1, now=start)
    people = [make_beneficiary() for _ in range(3)]
    for person in people:
        lottery.enter(person, session.id, channel="web", now=start)
    lottery.draw(lottery_round, now=start + dt.timedelta(hours=1))
    winner = db.session.scalar(sa.select(LotteryRequest).where(
        LotteryRequest.status == "offered"))
    appointment = lottery.confirm(winner, session.slots[0])
    changes.cancel(appointment, "citizen")
    db.session.expire_all()
    assert Counter(db.session.scalars(sa.select(LotteryRequest.status))) == Counter(
        {"confirmed": 1, "offered": 1, "not_drawn": 1})
    nxt = db.session.scalar(sa.select(LotteryRequest).where(LotteryRequest.status == "offered"))
    assert nxt.rank == 2  # the next in the draw's order, not whoever asked first


@pytest.mark.postgres
def test_parallel_cancellations_never_offer_more_than_they_freed(
        make_app, make_session, make_beneficiary, db):
    """Twelve citizens cancel at the same moment in a full session with five people waiting:
    five offers (one each, in list order), five doses held for them, seven back to everyone."""
    from cowin_kit.booking import changes
    from cowin_kit.core.db import db as rdb

    session, booked, queue = _full_session_with_standby(
        make_session, make_beneficiary, doses=12, waiting=5)
    ids = [a.id for a in booked]
    racer = make_app(DB_POOL_SIZE=14, DB_MAX_OVERFLOW=0)
    barrier = threading.Barrier(len(ids))
    failures = []

    def citizen(appointment_id):
        with racer.app_context():
            try:
                found = rdb.session.get(Appointment, appointment_id)
                rdb.session.commit()
                barrier.wait(timeout=60)
                changes.cancel(found, "citizen")
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                rdb.session.remove()

    threads = [threading.Thread(target=citizen, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    db.session.expire_all()
    offered = Counter(db.session.scalars(sa.select(StandbyEntry.beneficiary_id).where(
        StandbyEntry.status == "offered")))
    assert offered == Counter({p.id: 1 for p in queue})
    calls = list(db.session.scalars(sa.select(StandbyCall)))
    assert sum(c.outstanding for c in calls) == 5
    assert all(c.taken + c.outstanding <= c.doses == 1 for c in calls)
    assert _capacity(db, session) == (12, 5)


def test_a_no_show_marked_at_the_desk_offers_the_kept_dose(make_session, make_beneficiary, db):
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.booking import operations, standby
    from cowin_kit.booking.rules import area_timezone
    from cowin_kit.profiles import get_profile
    from cowin_kit.vaccination.operations import mark_no_show

    session = make_session(days=0, capacities={"1": 1}, slots=["00:00-23:59"])
    tz = area_timezone(get_profile(), session.facility.area_id)
    morning = dt.datetime.combine(session.date, dt.time(0, 30), tz)
    missed = operations.book(make_beneficiary(), session.id, session.slots[0], on=morning)
    waiting = make_beneficiary()
    standby.join(waiting, session.facility_id, session.date, channel="web")
    desk = StaffUser(username="fair2-desk", full_name="Desk", role="vaccinator",
                     facility_id=session.facility_id, password_hash="x")
    db.session.add(desk)
    db.session.commit()
    mark_no_show(desk, missed, now=morning.astimezone(dt.timezone.utc))
    entry = db.session.scalar(sa.select(StandbyEntry))
    call = db.session.scalar(sa.select(StandbyCall))
    assert entry.status == "offered" and entry.call_id == call.id
    assert (call.source, call.doses, call.outstanding, call.called_by) == (
        "no_show", 1, 1, desk.id)
    assert _capacity(db, session) == (1, 1)  # the no-show keeps its count, like a desk call
    given = standby.confirm(entry, now=morning.astimezone(dt.timezone.utc))
    assert given.beneficiary_id == waiting.id
    assert _capacity(db, session) == (2, 2)  # the dose given beyond the plan shows
