"""What booking needs from other domains: the person and dose history for the schedule engine,
local time at a facility, and slot parsing. Reads only."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Appointment
from cowin_kit.core.db import db, utcnow
from cowin_kit.profiles.schedule import DoseGiven, Person, age_on
from cowin_kit.vaccination.models import DoseRecord


def person_of(beneficiary):
    """Return the schedule engine's Person for a beneficiary row."""
    return Person(birth_year=beneficiary.birth_year, birth_date=beneficiary.birth_date,
                  groups=tuple(beneficiary.groups or ()), gender=beneficiary.gender)


def history_of(beneficiary_id: int) -> list:
    """Return the doses recorded for a beneficiary, oldest first, as engine DoseGiven."""
    rows = db.session.execute(
        sa.select(DoseRecord.vaccine, DoseRecord.dose_number, DoseRecord.administered_on,
                  DoseRecord.is_booster)
        .where(DoseRecord.beneficiary_id == beneficiary_id)
        .order_by(DoseRecord.dose_number)).all()
    return [DoseGiven(vaccine=r.vaccine, dose_number=r.dose_number, date=r.administered_on,
                      is_booster=bool(r.is_booster)) for r in rows]


def bookings_and_history(beneficiary_id: int, key_hash: str | None = None) -> tuple[list, list]:
    """What a booking checks of the person, in one statement: their active appointments (and
    the one a retried request made, by its key) as rows of ``appointment_id``,
    ``dose_number``, ``status``, ``idempotency_key``; and their doses as ``history_of`` gives
    them."""
    a, d = Appointment.__table__, DoseRecord.__table__

    def blank(column):
        return sa.cast(sa.null(), column.type)

    mine = sa.and_(a.c.beneficiary_id == beneficiary_id, a.c.status == "booked")
    if key_hash:
        mine = sa.or_(mine, a.c.idempotency_key == key_hash)
    rows = db.session.execute(sa.union_all(
        sa.select(sa.literal(False).label("is_dose"), a.c.id.label("appointment_id"),
                  a.c.dose_number, a.c.status, a.c.idempotency_key,
                  blank(d.c.vaccine).label("vaccine"),
                  blank(d.c.administered_on).label("administered_on"),
                  blank(d.c.is_booster).label("is_booster")).where(mine),
        sa.select(sa.literal(True), blank(a.c.id), d.c.dose_number, blank(a.c.status),
                  blank(a.c.idempotency_key), d.c.vaccine, d.c.administered_on, d.c.is_booster)
        .where(d.c.beneficiary_id == beneficiary_id))).all()
    doses = sorted((r for r in rows if r.is_dose), key=lambda r: r.dose_number)
    return [r for r in rows if not r.is_dose], [
        DoseGiven(vaccine=r.vaccine, dose_number=r.dose_number, date=r.administered_on,
                  is_booster=bool(r.is_booster)) for r in doses]


def age_rule(profile) -> str:
    return getattr(profile.eligibility, "age_on", None) or "date"


def age_at(profile, person, on: dt.date) -> int:
    """Age of a person on a date by the profile's rule (the session's age band uses it)."""
    return age_on(person, on, age_rule(profile))


_AREA_TZ: dict[tuple[str, int], tuple[float, str]] = {}
AREA_TZ_SECONDS = 600


def area_timezone(profile, area_id: int | None) -> ZoneInfo:
    """The timezone of an area by id, remembered for a while (it walks up the ancestors)."""
    from flask import current_app

    if area_id is None:
        return timezone_of(profile)
    key = (str(current_app.config.get("DATABASE_URL")), area_id)
    hit = _AREA_TZ.get(key)
    if hit is None or hit[0] < time.monotonic():
        if len(_AREA_TZ) > 10000:
            _AREA_TZ.clear()
        name = profile.timezone_for(db.session.get(Area, area_id)) or profile.timezone or "UTC"
        hit = _AREA_TZ[key] = (time.monotonic() + AREA_TZ_SECONDS, name)
    return ZoneInfo(hit[1])


def timezone_of(profile, area=None) -> ZoneInfo:
    """The timezone of an area (falling back to the country's)."""
    name = None
    if area is not None and hasattr(profile, "timezone_for"):
        name = profile.timezone_for(area)
    return ZoneInfo(name or getattr(profile, "timezone", None) or "UTC")


def local_now(profile, area=None, on: dt.datetime | dt.date | None = None, *,
              tz: ZoneInfo | None = None) -> dt.datetime:
    """Now (or the given moment) as an aware datetime in the area's (or the given) timezone."""
    tz = tz or timezone_of(profile, area)
    if on is None:
        return utcnow().astimezone(tz)
    if isinstance(on, dt.datetime):
        return on.astimezone(tz) if on.tzinfo else on.replace(tzinfo=tz)
    return dt.datetime.combine(on, dt.time(0, 0), tzinfo=tz)


def parse_slot(slot: str) -> tuple[dt.time, dt.time] | None:
    """Parse "09:00-11:00" into start and end times; None when malformed."""
    try:
        start, end = slot.split("-", 1)
        return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())
    except (ValueError, AttributeError):
        return None


def slot_start(session, slot: str | None) -> dt.time:
    parsed = parse_slot(slot) if slot else None
    if parsed:
        return parsed[0]
    return session.facility.opens if session.facility else dt.time(0, 0)


def slot_end(session, slot: str | None) -> dt.time:
    parsed = parse_slot(slot) if slot else None
    if parsed:
        return parsed[1]
    return session.facility.closes if session.facility else dt.time(23, 59)
