"""Change a booked appointment: move it to another session or slot, or cancel it (its dose goes
to the standby list, down a lottery's draw, or back to everyone). Both run in one transaction,
every check first, with the checks of :mod:`cowin_kit.booking.operations` and the claims of
:mod:`cowin_kit.booking.claims`."""

from __future__ import annotations

import datetime as dt

from cowin_kit.booking import errors
from cowin_kit.booking.claims import _claim, _release
from cowin_kit.booking.models import Appointment
from cowin_kit.booking.operations import (_account_mobile, _beneficiary, _capacity_of,
                                          _check_bookable, _check_changeable, _notify,
                                          appointment_table, load_session)
from cowin_kit.booking.signals import dose_freed, dose_released
from cowin_kit.core.audit import audit
from cowin_kit.core.db import committing, db, utcnow
from cowin_kit.profiles import get_profile


def reschedule(appointment: Appointment, new_session_id, slot: str, *,
               on: dt.datetime | dt.date | None = None) -> Appointment:
    """Move an appointment to another session or slot in one transaction (all or nothing)."""
    profile = get_profile()
    _check_changeable(profile, appointment, on)
    beneficiary = _beneficiary(appointment)
    session = load_session(new_session_id)
    due = _check_bookable(profile, beneficiary, session, slot, on)
    if due.dose_number != appointment.dose_number:
        raise errors.WrongDose(due=due.dose_number, asked=appointment.dose_number)
    old_capacity_id = appointment.capacity_id
    new_capacity_id = _capacity_of(session, due.dose_kind, holding=old_capacity_id)
    old = {"session": str(appointment.session_id), "slot": appointment.slot}
    with committing():
        moved = db.session.execute(
            appointment_table.update()
            .where(appointment_table.c.id == appointment.id,
                   appointment_table.c.status == "booked",
                   appointment_table.c.capacity_id == old_capacity_id)
            .values(session_id=session.id, capacity_id=new_capacity_id, slot=slot,
                    updated_at=utcnow()))
        if moved.rowcount != 1:
            raise errors.NotActive()
        if new_capacity_id != old_capacity_id:
            # Lock the two capacity rows in id order, so that opposite moves cannot deadlock.
            if old_capacity_id < new_capacity_id:
                _release(old_capacity_id)
                _claim(new_capacity_id)
            else:
                _claim(new_capacity_id)
                _release(old_capacity_id)
        audit("appointment.reschedule", "appointment", appointment.id, old=old,
              new={"session": str(session.id), "slot": slot})
        _notify(beneficiary, appointment, "reschedule", _account_mobile(beneficiary),
                session=session, slot=slot)
    db.session.refresh(appointment)
    return appointment


def cancel(appointment: Appointment, reason: str = "citizen", *,
           on: dt.datetime | dt.date | None = None, offer: bool = True) -> Appointment:
    """Cancel an active appointment and give its dose back to the session.

    ``offer`` (a citizen's cancellation): the dose goes first to the next person on the
    facility's standby list for that day who fits the session (held for them while the offer
    is out), or down the session's lottery draw; otherwise back to everyone."""
    profile = get_profile()
    _check_changeable(profile, appointment, on)
    with committing():
        done = db.session.execute(
            appointment_table.update()
            .where(appointment_table.c.id == appointment.id,
                   appointment_table.c.status == "booked")
            .values(status="cancelled", cancelled_reason=(reason or "")[:64],
                    updated_at=utcnow()))
        if done.rowcount != 1:
            raise errors.NotActive()
        if not (offer and _offer_freed(appointment, on)):
            _release(appointment.capacity_id)
            if offer:  # a lottery session offers it down its draw (lottery.on_dose_released)
                dose_released.send(session_id=appointment.session_id,
                                   allocation=appointment.session.allocation,
                                   now=on if isinstance(on, dt.datetime) else None)
        audit("appointment.cancel", "appointment", appointment.id, reason=reason)
        beneficiary = _beneficiary(appointment)
        _notify(beneficiary, appointment, "cancel", _account_mobile(beneficiary))
    db.session.refresh(appointment)
    return appointment


def _offer_freed(appointment: Appointment, on) -> bool:
    """Offer a cancelled appointment's dose to the standby list; True when it is held for
    an offer (then it stays counted in ``booked``). The standby list subscribes
    (standby.on_dose_freed)."""
    session = appointment.session
    kind = next((c.dose_kind for c in session.capacities if c.id == appointment.capacity_id),
                None)
    if kind is None:
        return False
    held = dose_freed.send(session=session, dose_kind=kind,
                           now=on if isinstance(on, dt.datetime) else None)
    return any(result for _receiver, result in held)
