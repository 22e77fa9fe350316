"""findBy* / calendarBy* / findByLatLong, public (cached) and protected (real time)."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

import sqlalchemy as sa
from flask import Response, json, request
from flask_babel import lazy_gettext as _l

from cowin_kit.api.cowin_v2.areaids import district_area_id
from cowin_kit.api.cowin_v2.blueprint import bp
from cowin_kit.api.cowin_v2.common import (InvalidParameter, arg, format_date, int_arg, parse_date,
                                           token_required)
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.booking.queries import (_attach_areas, availability_query, distance_km,
                                       near_conditions, postal_code_rules, search)
from cowin_kit.core.cache import public_ttl
from cowin_kit.core.response_cache import get_response_cache
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.profiles import get_profile

CALENDAR_DAYS = 7


class InvalidPincode(KitError):
    status = 400
    code = "INVALID_PINCODE"


def _json_bytes(body: dict) -> bytes:
    """The app's JSON (the same key order as every other /api/v2 answer), compact UTF-8."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _json(body: dict) -> Response:
    return Response(_json_bytes(body), mimetype="application/json")


@functools.lru_cache(maxsize=4096)
def slot_to_cowin(slot: str) -> str:
    """'09:00-11:00' -> '09:00AM-11:00AM' (CoWIN's 12-hour slot labels); a few labels repeat
    across every session, so each is converted once per process."""
    parts = []
    for part in slot.split("-"):
        value = dt.datetime.strptime(part.strip(), "%H:%M")
        parts.append(value.strftime("%I:%M%p"))
    return "-".join(parts)


def slot_from_cowin(label: str) -> str:
    """Accept CoWIN's '09:00AM-11:00AM' and the kit's own '09:00-11:00'."""
    out = []
    for part in str(label).split("-"):
        part = part.strip().upper()
        for pattern in ("%I:%M%p", "%H:%M"):
            try:
                out.append(dt.datetime.strptime(part, pattern).strftime("%H:%M"))
                break
            except ValueError:
                continue
        else:
            return str(label)  # let booking say the slot is not offered
    return "-".join(out)


def _pincode(value: str | None):
    if value is None:
        return ""
    return int(value) if str(value).isdigit() and not str(value).startswith("0") else str(value)


def _level_names(centre: dict, language: str | None = None) -> tuple[str, str, str]:
    if language is None:
        language = get_profile().default_locale.split("_")[0]
    names = {a["level"]: (a["names"].get(language) or a["name"]) for a in centre["areas"]}
    return names.get(1, ""), names.get(2, ""), names.get(3, "")


def _vaccine_name(vaccine_id: str) -> str:
    try:
        return get_profile().vaccine(vaccine_id).name
    except KitError:
        return vaccine_id.upper()


class _Shaper:
    """Turns the kit's availability result into CoWIN's shapes; what repeats across centres and
    sessions (area names, vaccine names, dates) is worked out once per answer."""

    def __init__(self) -> None:
        self.language = get_profile().default_locale.split("_")[0]
        self._names: dict[int, tuple[str, str, str]] = {}
        self._vaccines: dict[str, str] = {}
        self._dates: dict[str, str] = {}

    def vaccine(self, vaccine_id: str) -> str:
        name = self._vaccines.get(vaccine_id)
        if name is None:
            name = self._vaccines[vaccine_id] = _vaccine_name(vaccine_id)
        return name

    def date(self, iso: str) -> str:
        text = self._dates.get(iso)
        if text is None:
            text = self._dates[iso] = format_date(dt.date.fromisoformat(iso))
        return text

    def session(self, item: dict) -> dict:
        capacity = item["capacity"]
        if item.get("allocation") == "lottery":
            # Not directly bookable: scripts that book whatever shows capacity see none; the
            # session's doses go by its draw (docs/fair-access.md).
            capacity = {}
        out = {
            "session_id": item["session_id"],
            "date": self.date(item["date"]),
            "available_capacity": sum(capacity.values()) if capacity else 0,
            "available_capacity_dose1": capacity.get("1", 0),
            "available_capacity_dose2": capacity.get("2", 0),
            "available_capacity_precaution": capacity.get("booster", 0),
            "min_age_limit": item["min_age"],
            "vaccine": self.vaccine(item["vaccine"]),
            "slots": [slot_to_cowin(s) for s in item["slots"]],
        }
        if item.get("allocation") == "lottery":
            out["allocation"] = "lottery"
        if item["max_age"] is not None:
            out["max_age_limit"] = item["max_age"]
            out["allow_all_age"] = False
        else:
            out["allow_all_age"] = True  # CoWIN's flag for a session without an upper age
        return out

    def centre(self, centre: dict) -> dict:
        names = self._names.get(centre["area_id"])
        if names is None:
            names = self._names[centre["area_id"]] = _level_names(centre, self.language)
        state, district, block = names
        out = {
            "center_id": centre["center_id"], "name": centre["name"],
            "address": centre["address"],
            "state_name": state, "district_name": district,
            "block_name": block or "Not Applicable",  # CoWIN's word where there is no block
            "pincode": _pincode(centre["postal_code"]),
            # Whole degrees, cut towards zero, as CoWIN sent them (28.64 -> 28): clients typed
            # these fields as integers (docs/cowin-api.md); findByLatLong keeps the precision.
            "lat": int(centre["lat"] or 0), "long": int(centre["lon"] or 0),
            "from": f"{centre['from']}:00", "to": f"{centre['to']}:00",
            "fee_type": centre["fee_type"],
        }
        if centre["fee_type"] == "Paid":
            fees: dict[str, str] = {}
            for item in centre["sessions"]:
                fees.setdefault(self.vaccine(item["vaccine"]), str(item["fee"]))
            out["vaccine_fees"] = [{"vaccine": v, "fee": f} for v, f in fees.items()]
        return out

    def find(self, centres: list[dict]) -> dict:
        sessions = []
        for centre in centres:
            base = self.centre(centre)
            for item in centre["sessions"]:
                flat = {**base, **self.session(item)}
                flat["fee"] = str(item["fee"])
                sessions.append(flat)
        return {"sessions": sessions}

    def calendar(self, centres: list[dict], single: bool = False) -> dict:
        shaped = [{**self.centre(c), "sessions": [self.session(s) for s in c["sessions"]]}
                  for c in centres]
        if single:
            return {"centers": shaped[0] if shaped else {}}
        return {"centers": shaped}


def _query(*, days: int, vaccine: str | None, **where):
    date = parse_date(arg("date"))
    try:
        return availability_query(date=date, days=days, vaccine=_vaccine_id(vaccine), **where)
    except KitError as exc:
        if "postal_code" in exc.fields:
            raise InvalidPincode(_l("Invalid Pincode")) from None
        raise


def _vaccine_id(name: str | None) -> str | None:
    """Clients send CoWIN's display names (COVISHIELD); the kit uses profile ids."""
    if not name:
        return None

    for vaccine in get_profile().vaccines:
        if name.strip().lower() in (vaccine.id.lower(), vaccine.name.lower()):
            return vaccine.id
    return name.strip().lower()


def _answer(kind: str, public: bool, days: int, shape, **where) -> Response:
    """Public: the ready response cached per query (no reshaping, no database on a hit; the
    district is checked when the answer is built). Protected: searched and shaped now."""
    vaccine = None if public else arg("vaccine", required=False)
    query = _query(days=days, vaccine=vaccine, **where)

    def build() -> bytes:
        _check_area(query.area_id)
        _check_centre(query.facility_id)
        return _json_bytes(shape(_Shaper(), search(query)))

    if public:
        # The blueprint counts the public limit per client; ReadyHits counts it the same way.
        return get_response_cache().answer(f"v2:{kind}:{query.cache_key()}", public_ttl(),
                                           build, request, rate_limit="cowin-v2-public")
    return Response(build(), mimetype="application/json")


def _find(public: bool, **where):
    return _answer("find", public, 1, _Shaper.find, **where)


def _calendar(public: bool, single: bool = False, **where):
    return _answer("calendar1" if single else "calendar", public, CALENDAR_DAYS,
                   lambda shaper, centres: shaper.calendar(centres, single), **where)


def _pin() -> str:
    """A postal code of the profile's country, else CoWIN's 400 APPOIN0018 "Invalid Pincode"
    (what it answered for abc, 5 or 7 digits)."""
    value = str(arg("pincode"))
    formats = postal_code_rules(get_profile().alpha2)[0]
    if not re.fullmatch(r"[0-9A-Za-z -]{2,16}", value) or (
            formats and not any(f.fullmatch(value) for f in formats)):
        raise InvalidPincode(_l("Invalid Pincode"))
    return value


def _district() -> int:
    """The district_id parameter as the kit's area id (CoWIN's ids where the profile has
    them, areaids; otherwise its existence is checked when an answer is built)."""
    return district_area_id(int_arg("district_id"))


def _check_area(area_id: int | None) -> None:
    if area_id is not None and db.session.get(Area, area_id) is None:
        raise InvalidParameter(_l("Invalid district_id"))


def _check_centre(facility_id: int | None) -> None:
    """An unknown center_id is refused (the kit's own answer: no recorded CoWIN one); a known
    centre without sessions answers {"centers": {}}."""
    if facility_id is not None and db.session.get(Facility, facility_id) is None:
        raise InvalidParameter(_l("Invalid center_id: no centre has this id; look centres up "
                                  "with findByPin, findByDistrict or findByLatLong"))


def _register(path: str, endpoint: str, view):
    """Register the public variant and the protected (token, real-time) variant of a path."""
    bp.add_url_rule(path.replace("{kind}", "/public"), f"public_{endpoint}",
                    lambda: view(public=True))
    bp.add_url_rule(path.replace("{kind}", ""), endpoint,
                    token_required(lambda: view(public=False)))


_register("/appointment/sessions{kind}/findByPin", "find_by_pin",
          lambda public: _find(public, postal_code=_pin()))
_register("/appointment/sessions{kind}/findByDistrict", "find_by_district",
          lambda public: _find(public, area_id=_district()))
_register("/appointment/sessions{kind}/calendarByPin", "calendar_by_pin",
          lambda public: _calendar(public, postal_code=_pin()))
_register("/appointment/sessions{kind}/calendarByDistrict", "calendar_by_district",
          lambda public: _calendar(public, area_id=_district()))
_register("/appointment/sessions{kind}/calendarByCenter", "calendar_by_center",
          lambda public: _calendar(public, single=True, facility_id=int_arg("center_id")))


def _float(name: str, low: float, high: float) -> float:
    try:
        value = float(str(arg(name)))
    except ValueError:
        raise InvalidParameter(_l("Invalid value for %(name)s"), name=name) from None
    if not low <= value <= high or math.isnan(value):
        raise InvalidParameter(_l("Invalid value for %(name)s"), name=name)
    return value


def find_by_lat_long():
    """The nearest active centres (within about 50 km), nearest first (the same answer for the
    public variant, rate limited per client, and the protected one, which needs the token)."""
    lat, lon = _float("lat", -90, 90), _float("long", -180, 180)
    rows = db.session.execute(sa.select(Facility).where(
        Facility.active.is_(True), *near_conditions(lat, lon))).scalars().all()
    nearest = sorted(rows, key=lambda f: distance_km(lat, lon, f.lat, f.lon))[:20]
    centres = [{"center_id": f.id, "name": f.name, "area_id": f.area_id,
                "postal_code": f.postal_code, "lat": f.lat, "lon": f.lon, "areas": []}
               for f in nearest]
    _attach_areas(centres)
    out = []
    for centre in centres:
        state, district, block = _level_names(centre)
        out.append({"center_id": centre["center_id"], "name": centre["name"],
                    "district_name": district, "state_name": state,
                    "location": block or district, "pincode": str(centre["postal_code"] or ""),
                    "block_name": block, "lat": f"{centre['lat']}", "long": f"{centre['lon']}"})
    return _json({"centers": out, "ttl": 24})


bp.add_url_rule("/appointment/centers/public/findByLatLong", "find_by_lat_long", find_by_lat_long)
bp.add_url_rule("/appointment/centers/findByLatLong", "find_by_lat_long_protected",
                token_required(find_by_lat_long))
