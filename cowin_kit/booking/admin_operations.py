"""Session planning: every write staff make on vaccination sessions (create, capacity, cancel).

Each function checks the staff user's reach (``require_scope``) before writing, so the API, the
pages and scripts share one rule. A refused request changes nothing. Facility writes are in
``booking.facility_operations``.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.accounts.staff_permissions import require_scope
from cowin_kit.areas.models import Area
from cowin_kit.booking.messages import appointment_sms
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.booking.rules import local_now
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import Conflict, KitError, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary

DOSE_KINDS = ("1", "2", "booster")
SLOT_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
MAX_DATES = 31


class CapacityBelowBooked(Conflict):
    code = "CAPACITY_BELOW_BOOKED"
    default_message = _l("Capacity cannot be lower than the %(booked)s doses already booked.")


# Sessions -----------------------------------------------------------------------------------

def default_slots(facility: Facility, hours: int = 2) -> list[str]:
    """Split the facility's opening hours into slots of ``hours`` hours."""
    start = dt.datetime.combine(dt.date(2000, 1, 1), facility.opens)
    end = dt.datetime.combine(dt.date(2000, 1, 1), facility.closes)
    slots = []
    while start < end:
        stop = min(start + dt.timedelta(hours=hours), end)
        slots.append(f"{start:%H:%M}-{stop:%H:%M}")
        start = stop
    return slots


def facility_today(facility: Facility) -> dt.date:
    """Return today's date at the facility (its area's timezone)."""
    return local_now(get_profile(), db.session.get(Area, facility.area_id)).date()


def create_sessions(staff, facility: Facility, *, dates: list[dt.date], vaccine: str,
                    capacities: dict[str, int], min_age: int | None = None,
                    max_age: int | None = None, fee: int = 0,
                    slots: list[str] | None = None) -> list[VaccinationSession]:
    """Plan one session per date at a facility, with a capacity per dose kind."""
    require_scope(staff, facility, "session.create")
    profile = get_profile()
    errors: dict[str, list] = {}
    product = None
    try:
        product = profile.vaccine(vaccine)
    except KitError:
        errors["vaccine"] = [_l("This vaccine is not in the country profile.")]
    dates = sorted(set(dates or []))
    today = facility_today(facility)
    if not dates:
        errors["dates"] = [_l("Choose at least one date.")]
    elif len(dates) > MAX_DATES:
        errors["dates"] = [_l("At most %(n)s dates at once.", n=MAX_DATES)]
    elif dates[0] < today:
        errors["dates"] = [_l("Sessions cannot be planned in the past.")]
    caps = {k: int(v) for k, v in (capacities or {}).items() if v not in (None, "", 0, "0")}
    if set(caps) - set(DOSE_KINDS) or any(v < 0 or v > 100000 for v in caps.values()) or not caps:
        errors["capacities"] = [_l("Give a capacity between 1 and 100000 for at least one of "
                                   "dose 1, dose 2, booster.")]
    floor = max(int(profile.eligibility.min_age), int(getattr(product, "min_age", 0) or 0)) \
        if product else 0
    min_age = floor if min_age in (None, "") else int(min_age)
    if min_age < floor or (max_age not in (None, "") and int(max_age) < min_age):
        errors["min_age"] = [_l("Age band must start at %(n)s or later and end after it starts.",
                                n=floor)]
    fee = int(fee or 0)
    if fee < 0 or (facility.fee_type == "Free" and fee != 0) or (
            facility.fee_type == "Paid" and fee == 0):
        errors["fee"] = [_l("Free facilities charge nothing; paid ones charge a fee.")]
    slots = [s.strip() for s in (slots or default_slots(facility)) if s.strip()]
    if not slots or not all(SLOT_RE.match(s) and s[:5] < s[6:] for s in slots):
        errors["slots"] = [_l("Slots look like 09:00-11:00.")]
    if not facility.active:
        errors["facility"] = [_l("This facility is inactive.")]
    if not errors:
        clash = db.session.execute(sa.select(VaccinationSession.date).where(
            VaccinationSession.facility_id == facility.id, VaccinationSession.vaccine == vaccine,
            VaccinationSession.status == "open", VaccinationSession.date.in_(dates))).scalars().all()
        if clash:
            errors["dates"] = [_l("Sessions for this vaccine exist on: %(dates)s",
                                  dates=", ".join(d.isoformat() for d in sorted(clash)))]
    if errors:
        raise ValidationFailed(fields=errors)
    created = []
    for day in dates:
        session = VaccinationSession(facility_id=facility.id, date=day, vaccine=vaccine,
                                     min_age=min_age,
                                     max_age=None if max_age in (None, "") else int(max_age),
                                     fee=fee, slots=slots, status="open", created_by=staff.id)
        session.capacities = [SessionCapacity(dose_kind=k, capacity=v, booked=0)
                              for k, v in sorted(caps.items())]
        db.session.add(session)
        created.append(session)
    db.session.flush()
    for session in created:
        audit("session.create", "session", session.id, facility=facility.id,
              date=session.date.isoformat(), vaccine=vaccine, capacities=caps)
    db.session.commit()
    return created


def set_capacity(staff, session: VaccinationSession, dose_kind: str, capacity: int) -> SessionCapacity:
    """Raise or lower one capacity of a session, never below what is already booked."""
    require_scope(staff, session.facility, "session.capacity")
    if dose_kind not in DOSE_KINDS:
        raise ValidationFailed(fields={"dose_kind": [_l("Use 1, 2 or booster.")]})
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = -1
    if capacity < 0 or capacity > 100000:
        raise ValidationFailed(fields={"capacity": [_l("A number from 0 to 100000.")]})
    if session.status != "open":
        raise Conflict(_l("This session is not open."), code="SESSION_CLOSED")
    row = db.session.execute(sa.select(SessionCapacity).where(
        SessionCapacity.session_id == session.id,
        SessionCapacity.dose_kind == dose_kind)).scalar_one_or_none()
    if row is None:
        row = SessionCapacity(session_id=session.id, dose_kind=dose_kind, capacity=capacity,
                              booked=0)
        db.session.add(row)
        before = None
    else:
        before = row.capacity
        # Decided by the row lock: a booking racing with us either counts or waits.
        result = db.session.execute(
            sa.update(SessionCapacity).where(SessionCapacity.id == row.id,
                                             SessionCapacity.booked <= capacity)
            .values(capacity=capacity).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            booked = db.session.get(SessionCapacity, row.id).booked
            raise CapacityBelowBooked(booked=booked, fields={"capacity": [
                _l("At least %(n)s.", n=booked)]})
    db.session.flush()
    audit("session.capacity", "session", session.id, dose_kind=dose_kind, before=before,
          after=capacity)
    db.session.commit()
    db.session.refresh(row)
    return row


def cancel_session(staff, session: VaccinationSession, reason: str = "") -> int:
    """Cancel a session: release its booked appointments and text the people; return how many."""
    require_scope(staff, session.facility, "session.cancel")
    if session.status == "cancelled":
        raise Conflict(_l("This session is already cancelled."), code="SESSION_CANCELLED")
    booked = db.session.execute(sa.select(Appointment).where(
        Appointment.session_id == session.id, Appointment.status == "booked")).scalars().all()
    for appointment in booked:
        appointment.status = "cancelled"
        appointment.cancelled_reason = "session_cancelled"
    db.session.execute(sa.update(SessionCapacity).where(SessionCapacity.session_id == session.id)
                       .values(booked=0).execution_options(synchronize_session=False))
    session.status = "cancelled"
    audit("session.cancel", "session", session.id, reason=reason[:200],
          released=[str(a.id) for a in booked])
    for appointment in booked:
        _text_cancelled(appointment)
    db.session.commit()
    return len(booked)


def _text_cancelled(appointment: Appointment) -> None:
    """Queue a text to the person's account mobile that the appointment is cancelled (sent once
    the cancellation commits)."""
    beneficiary = db.session.get(Beneficiary, appointment.beneficiary_id)
    account = db.session.get(CitizenAccount, beneficiary.account_id) if beneficiary.account_id else None
    if account is None:
        return  # registered at a desk without a mobile
    appointment_sms(beneficiary, appointment, "cancel", account.mobile)
