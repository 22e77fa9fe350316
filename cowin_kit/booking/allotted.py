"""Doses allotted to a person (a won lottery draw, a standby offer): what the person could be
allotted in a session, and its booking in the caller's transaction (capacity claimed, held or
extended as :mod:`cowin_kit.booking.claims` does)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.booking import errors
from cowin_kit.booking.claims import _claim, capacity_table
from cowin_kit.booking.models import Appointment, VaccinationSession
from cowin_kit.booking.operations import (_account_mobile, _check_bookable, _notify,
                                          _retry_or_active)
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile


def book_allotted(beneficiary, session: VaccinationSession, slot: str, *, channel: str | None,
                  extend: bool = False, held: bool = False,
                  on: dt.datetime | dt.date | None = None) -> Appointment:
    """Book a dose allotted to the person (a won lottery, a standby offer) in the caller's
    transaction; the caller commits. ``extend``: a dose the desk declared free beyond the
    session's capacity (the rest of an opened vial) raises the capacity by one when needed.
    ``held``: a cancelled appointment's dose, still counted in ``booked``, is handed over."""
    due = _check_bookable(get_profile(), beneficiary, session, slot, on, allotted=True)
    if any(a.dose_number == due.dose_number for a in _retry_or_active(beneficiary.id, None)):
        raise errors.AlreadyBooked(dose=due.dose_number)
    capacity_id = next((c.id for c in session.capacities if c.dose_kind == due.dose_kind), None)
    if capacity_id is None:
        raise errors.SessionFull()
    appointment = Appointment(
        id=uuid.uuid4(), beneficiary_id=beneficiary.id, session_id=session.id,
        capacity_id=capacity_id, dose_number=due.dose_number, slot=slot,
        secret_code=f"{secrets.randbelow(10000):04d}", status="booked", channel=channel)
    set_committed_value(appointment, "session", session)
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError:
        # The person's own booking of this dose committed after the check above (the
        # one-active-dose index): the caller rolls back and the offer stays as it was.
        raise errors.AlreadyBooked(dose=due.dose_number) from None
    if held:
        pass  # counted in ``booked`` since the cancellation (standby.offer_freed)
    elif extend:
        db.session.execute(capacity_table.update().where(capacity_table.c.id == capacity_id)
                           .values(booked=capacity_table.c.booked + 1,
                                   capacity=sa.case((capacity_table.c.booked
                                                     < capacity_table.c.capacity,
                                                     capacity_table.c.capacity),
                                                    else_=capacity_table.c.booked + 1)))
    else:
        _claim(capacity_id)
    audit("appointment.book", "appointment", appointment.id, session=str(session.id),
          dose=due.dose_number, dose_kind=due.dose_kind, slot=slot, allotted=True)
    _notify(beneficiary, appointment, "booking", _account_mobile(beneficiary), session=session)
    return appointment


def due_for(beneficiary, session: VaccinationSession, slot: str | None = None, on=None):
    """The dose a person could be allotted in a session (every booking check but capacity)."""
    slot = slot or (session.slots or [""])[-1]
    return _check_bookable(get_profile(), beneficiary, session, slot, on, allotted=True)
