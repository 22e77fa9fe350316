"""Facility admin and session planning: every write staff make on facilities and sessions.

Each function checks the staff user's reach (``require_scope``) before writing, so the API, the
pages and scripts share one rule. A refused request changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.accounts.staff_permissions import in_scope, require_scope
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
FEE_TYPES = ("Free", "Paid")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SLOT_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
MAX_DATES = 31
FACILITY_FIELDS = ("code", "name", "area_code", "address", "postal_code", "lat", "lon",
                   "fee_type", "opens", "closes")


class CapacityBelowBooked(Conflict):
    code = "CAPACITY_BELOW_BOOKED"
    default_message = _l("Capacity cannot be lower than the %(booked)s doses already booked.")


class ImportFailed(ValidationFailed):
    """A CSV import refused as a whole; ``rows`` lists every problem by line and column.

    In JSON the problems are ``fields`` keyed ``"<line>.<column>"`` (e.g. ``"3.area_code"``).
    """

    code = "IMPORT_FAILED"
    default_message = _l("The file has %(count)s errors; nothing was imported.")

    def __init__(self, rows: list[dict]):
        fields: dict[str, list] = {}
        for row in rows:
            fields.setdefault(f"{row['line']}.{row['field'] or 'row'}", []).append(row["message"])
        super().__init__(fields=fields, count=len(rows))
        self.rows = rows


# Facilities ---------------------------------------------------------------------------------

def _area_by_code(code: str):
    return db.session.execute(sa.select(Area).where(Area.code == code)).scalar_one_or_none()


def _time(value, default: dt.time) -> dt.time:
    if value in (None, ""):
        return default
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value).strip())


def clean_facility(data: dict, *, partial: bool = False) -> tuple[dict, dict[str, list]]:
    """Check facility fields; return the clean values and errors per field (nothing written)."""
    clean: dict = {}
    errors: dict[str, list] = {}

    def given(key):
        return key in data and data[key] is not None and str(data[key]).strip() != ""

    if given("code") or not partial:
        code = str(data.get("code") or "").strip()
        if not CODE_RE.match(code):
            errors["code"] = [_l("1 to 32 letters, digits, dashes or underscores.")]
        clean["code"] = code
    if given("name") or not partial:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 200:
            errors["name"] = [_l("A name of up to 200 characters is required.")]
        clean["name"] = name
    if given("area_code") or not partial:
        area = _area_by_code(str(data.get("area_code") or "").strip())
        if area is None:
            errors["area_code"] = [_l("Unknown area code.")]
        clean["area"] = area
    for key, limit in (("address", 300), ("postal_code", 16)):
        if key in data or not partial:
            value = str(data.get(key) or "").strip()
            if len(value) > limit:
                errors[key] = [_l("At most %(n)s characters.", n=limit)]
            clean[key] = value or (None if key == "postal_code" else "")
    if "lat" in data or "lon" in data or not partial:
        try:
            lat = float(data["lat"]) if given("lat") else None
            lon = float(data["lon"]) if given("lon") else None
            if (lat is None) != (lon is None) or (lat is not None and not (
                    -90 <= lat <= 90 and -180 <= lon <= 180)):
                raise ValueError
            clean["lat"], clean["lon"] = lat, lon
        except (TypeError, ValueError):
            errors["lat"] = [_l("Latitude -90..90 and longitude -180..180, both or neither.")]
    if given("fee_type") or not partial:
        fee_type = str(data.get("fee_type") or "Free").strip().capitalize()
        if fee_type not in FEE_TYPES:
            errors["fee_type"] = [_l("Fee type must be Free or Paid.")]
        clean["fee_type"] = fee_type
    if given("opens") or given("closes") or not partial:
        try:
            opens = _time(data.get("opens"), dt.time(9, 0))
            closes = _time(data.get("closes"), dt.time(17, 0))
            if opens >= closes:
                raise ValueError
            clean["opens"], clean["closes"] = opens, closes
        except ValueError:
            errors["opens"] = [_l("Opening and closing times as HH:MM, opening first.")]
    return clean, errors


def _apply(facility: Facility, clean: dict) -> None:
    for key, value in clean.items():
        if key == "area":
            facility.area_id = value.id
        else:
            setattr(facility, key, value)


def _code_taken(code: str, except_id: int | None = None) -> bool:
    query = sa.select(Facility.id).where(Facility.code == code)
    if except_id is not None:
        query = query.where(Facility.id != except_id)
    return db.session.execute(query).first() is not None


def create_facility(staff, data: dict) -> Facility:
    """Create a facility in an area the staff user reaches."""
    clean, errors = clean_facility(data)
    if not errors and _code_taken(clean["code"]):
        errors["code"] = [_l("A facility with this code exists.")]
    if errors:
        raise ValidationFailed(fields=errors)
    require_scope(staff, clean["area"], "facility.create")
    facility = Facility(active=True)
    _apply(facility, clean)
    db.session.add(facility)
    db.session.flush()
    audit("facility.create", "facility", facility.id, code=facility.code)
    db.session.commit()
    return facility


def _snapshot(facility: Facility) -> dict:
    return {key: (str(value) if isinstance(value, dt.time) else value)
            for key in ("code", "name", "area_id", "address", "postal_code", "lat", "lon",
                        "fee_type", "opens", "closes", "active")
            for value in [getattr(facility, key)]}


def edit_facility(staff, facility: Facility, data: dict) -> Facility:
    """Change a facility's details (moving it needs reach over the new area too)."""
    require_scope(staff, facility, "facility.edit")
    clean, errors = clean_facility(data, partial=True)
    if "code" in clean and not errors and _code_taken(clean["code"], facility.id):
        errors["code"] = [_l("A facility with this code exists.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if "area" in clean:
        require_scope(staff, clean["area"], "facility.edit")
    before = _snapshot(facility)
    _apply(facility, clean)
    after = _snapshot(facility)
    changed = {k for k in after if after[k] != before[k]}
    audit("facility.edit", "facility", facility.id,
          before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    db.session.commit()
    return facility


def set_facility_active(staff, facility: Facility, active: bool) -> Facility:
    """Activate or deactivate a facility (deactivated ones are hidden from booking)."""
    require_scope(staff, facility, "facility.activate")
    if facility.active != active:
        facility.active = active
        audit("facility.activate" if active else "facility.deactivate", "facility", facility.id)
        db.session.commit()
    return facility


def import_facilities(staff, text: str) -> list[Facility]:
    """Import facilities from CSV text; any bad row fails the whole file with a per-row report."""
    rows_errors: list[dict] = []
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFailed([{"line": 1, "field": None, "message": str(exc)}]) from None
    missing = [f for f in ("code", "name", "area_code") if f not in header]
    if missing:
        raise ImportFailed([{"line": 1, "field": f, "message": _l("Missing column.")}
                            for f in missing])
    seen: dict[str, int] = {}
    pending: list[dict] = []
    try:
        for row in reader:
            line = reader.line_num
            data = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
            clean, errors = clean_facility(data)
            code = clean.get("code")
            if code and "code" not in errors:
                if code in seen:
                    errors["code"] = [_l("Code repeated in the file (first on line %(line)s).",
                                         line=seen[code])]
                elif _code_taken(code):
                    errors["code"] = [_l("A facility with this code exists.")]
                seen.setdefault(code, line)
            if not errors and not _reaches(staff, clean["area"]):
                errors["area_code"] = [_l("This area is outside your responsibility.")]
            for field, messages in errors.items():
                for message in messages:
                    rows_errors.append({"line": line, "field": field, "message": message})
            pending.append(clean)
    except csv.Error as exc:
        rows_errors.append({"line": reader.line_num, "field": None, "message": str(exc)})
    if not pending and not rows_errors:
        rows_errors.append({"line": 2, "field": None, "message": _l("The file has no rows.")})
    if rows_errors:
        raise ImportFailed(rows_errors)
    created = []
    for clean in pending:
        facility = Facility(active=True)
        _apply(facility, clean)
        db.session.add(facility)
        created.append(facility)
    db.session.flush()
    audit("facility.import", "facility", None, count=len(created),
          codes=[f.code for f in created][:500])
    db.session.commit()
    return created


def _reaches(staff, area) -> bool:
    return in_scope(staff, area)


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
