"""Review of #21: a lottery or standby offer confirmed while the same person's ordinary booking
of that dose commits at the same moment. The booking's check passes in both transactions and
the database's one-active-dose index stops the second: the confirm must answer ALREADY_BOOKED
(a 409), not a 500, and leave the offer as it was.

The race is made deterministic by letting the confirm's read of the person's active
appointments see the state from before the other booking committed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cowin_kit.booking.fair_models import LotteryRequest, StandbyEntry
from cowin_kit.booking.models import Appointment, SessionCapacity


def _booked_elsewhere_meanwhile(monkeypatch, make_session, person):
    """Book the person's first dose in another session, then hide it from the confirm's
    check (as if it committed just after that check ran)."""
    from cowin_kit.booking import allotted, operations

    other = make_session(days=3, capacities={"1": 5})
    operations.book(person, other.id, other.slots[0])
    monkeypatch.setattr(allotted, "_retry_or_active", lambda *_a, **_k: [])


def _booked(db, person):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
        Appointment.beneficiary_id == person.id, Appointment.status == "booked"))


def test_lottery_confirm_racing_a_booking_is_already_booked(monkeypatch, make_session,
                                                            make_beneficiary, db):
    from cowin_kit.booking import lottery
    from cowin_kit.core.db import utcnow
    from cowin_kit.core.errors import KitError

    now = utcnow()
    # Two days ahead: the offer is confirmed when the round closes (23 hours from now), after
    # the first slot of a session of tomorrow from 12:00 local on.
    session = make_session(days=2, capacities={"1": 2})
    lot = lottery.open_round(None, session, hours=24, confirm_hours=12,
                             now=now - dt.timedelta(hours=1))
    person = make_beneficiary()
    request = lottery.enter(person, session.id, channel="web", now=now)
    lottery.draw(lot, now=lot.closes_at)
    db.session.refresh(request)
    assert request.status == "offered"
    _booked_elsewhere_meanwhile(monkeypatch, make_session, person)
    with pytest.raises(KitError) as refused:
        lottery.confirm(request, session.slots[0], now=lot.closes_at)
    assert refused.value.code == "ALREADY_BOOKED" and refused.value.status == 409
    db.session.expire_all()
    assert db.session.get(LotteryRequest, request.id).status == "offered"  # unchanged
    assert _booked(db, person) == 1
    assert db.session.scalar(sa.select(SessionCapacity.booked).where(
        SessionCapacity.session_id == session.id)) == 0


def test_standby_confirm_racing_a_booking_is_already_booked(monkeypatch, make_session,
                                                            make_beneficiary, db):
    from cowin_kit.booking import standby
    from cowin_kit.core.errors import KitError

    session = make_session(capacities={"1": 2})
    person = make_beneficiary()
    standby.join(person, session.facility_id, session.date, channel="web")
    standby.call(None, session, 1, confirm_minutes=15)
    entry = db.session.scalar(sa.select(StandbyEntry).where(StandbyEntry.status == "offered"))
    assert entry is not None and entry.beneficiary_id == person.id
    _booked_elsewhere_meanwhile(monkeypatch, make_session, person)
    with pytest.raises(KitError) as refused:
        standby.confirm(entry)
    assert refused.value.code == "ALREADY_BOOKED" and refused.value.status == 409
    db.session.expire_all()
    assert db.session.get(StandbyEntry, entry.id).status == "offered"  # unchanged
    assert _booked(db, person) == 1
