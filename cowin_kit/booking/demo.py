"""Demo facilities and sessions for the coming week, spread over the profile's lowest areas.

Optional profile data (``demo:`` in profile.yaml) makes them look local:
``facility_names`` (patterns with ``{area}``), ``postal_code_pattern`` (``#`` = a digit),
``center`` ([lat, lon]) and ``paid_fee`` (whole units of the currency); ``regions`` maps a
first-level area code to its own ``postal_code_pattern`` and ``center``;
``session_age_bands`` ([{min_age, max_age}]) the sessions' age ranges, each session taking a
band its vaccine allows. Facilities get addresses built from their name and areas.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from cowin_kit.areas.models import Area
from cowin_kit.booking.facilities import add_facility, bulk_add_sessions
from cowin_kit.booking.models import Facility, VaccinationSession
from cowin_kit.booking.rules import local_now
from cowin_kit.core.db import db

MAX_AREAS = 150
FACILITIES_PER_AREA = 2
DAYS = 7


def seed(app, profile, echo) -> None:
    """Create demo facilities and a week of sessions (idempotent: adds only what is missing)."""
    demo = (profile.data or {}).get("demo") or {}
    areas = _lowest_areas()
    if not areas:
        echo("  booking: no areas yet, no demo facilities")
        return
    language = profile.default_locale.split("_")[0]
    existing = {f.code: f for f in db.session.execute(
        sa.select(Facility).where(Facility.code.startswith("DEMO-"))).scalars()}
    new_facilities = 0
    regions = demo.get("regions") or {}
    tops = _top_codes(areas)
    places = _places(areas, language)
    for index, area in enumerate(areas):
        rng = random.Random(area.code)
        region = {**demo, **(regions.get(tops[area.id]) or {})}
        postal = _postal_code(region.get("postal_code_pattern"), rng)
        for n in range(FACILITIES_PER_AREA):
            # The number stays when a long area code is cut to the column's 32 characters.
            code = f"DEMO-{area.code}"[:29] + f"-{n + 1}"
            name = _facility_name(profile, demo, area, language, index + n)
            address = _address(name, places[area.id], postal)
            if code in existing:
                facility = existing[code]
                if facility.address == area.display_name(language):  # seeded before addresses
                    facility.address = _address(facility.name, places[area.id],
                                                facility.postal_code)
                continue
            lat, lon = _near(region.get("center"), rng)
            add_facility(code=code, name=name, area_id=area.id, postal_code=postal, lat=lat,
                         lon=lon, address=address,
                         fee_type="Paid" if (index + n) % 5 == 4 else "Free")
            new_facilities += 1
    db.session.flush()
    new_sessions = bulk_add_sessions(_missing_sessions(profile, demo))
    db.session.commit()
    total_f = db.session.execute(sa.select(sa.func.count()).select_from(Facility)).scalar()
    total_s = db.session.execute(sa.select(sa.func.count()).select_from(VaccinationSession)).scalar()
    echo(f"  booking: {total_f} facilities ({new_facilities} new) in {len(areas)} areas, "
         f"{total_s} sessions ({new_sessions} new) for the next {DAYS} days")


def _lowest_areas() -> list[Area]:
    """Areas without children (below the first level when the country has several levels),
    taken in turn from each first-level area so that the demo covers the whole country."""
    child = sa.orm.aliased(Area)
    deepest = db.session.execute(sa.select(sa.func.max(Area.level))).scalar()
    if deepest is None:
        return []
    leaves = list(db.session.execute(
        sa.select(Area).where(~sa.exists().where(child.parent_id == Area.id),
                              Area.level >= min(2, deepest))
        .order_by(Area.code)).scalars())
    by_top: dict[str, list[Area]] = {}
    for area in leaves:
        by_top.setdefault(area.path.strip("/").split("/")[0], []).append(area)
    chosen: list[Area] = []
    queues = list(by_top.values())
    while queues and len(chosen) < MAX_AREAS:
        for queue in list(queues):
            if len(chosen) >= MAX_AREAS:
                break
            chosen.append(queue.pop(0))
            if not queue:
                queues.remove(queue)
    return chosen


def _top_codes(areas: list[Area]) -> dict[int, str]:
    """Each area's first-level area code (for per-region demo settings)."""
    top_ids = {int(a.path.strip("/").split("/")[0]) for a in areas}
    codes = dict(db.session.execute(sa.select(Area.id, Area.code).where(Area.id.in_(top_ids))).all())
    return {a.id: codes.get(int(a.path.strip("/").split("/")[0]), "") for a in areas}


def _places(areas: list[Area], language: str) -> dict[int, list[str]]:
    """Each area's name and its parents' names, the area first and the first level last."""
    ids = {int(i) for a in areas for i in a.path.strip("/").split("/")}
    names = {row.id: row.display_name(language) for row in db.session.execute(
        sa.select(Area).where(Area.id.in_(ids))).scalars()}
    return {a.id: [names[int(i)] for i in reversed(a.path.strip("/").split("/")) if int(i) in names]
            for a in areas}


def _address(name: str, places: list[str], postal: str | None) -> str:
    """A real-looking address, 'PHC Wagholi, Haveli, Pune, Maharashtra - 412207', built from
    the facility's name and its area's names (a town named like its area is written once)."""
    parts = [name] + [p for i, p in enumerate(places) if p not in places[:i] and p != name]
    text = ", ".join(parts)
    return (f"{text} - {postal}" if postal else text)[:300]


def _facility_name(profile, demo, area, language: str, index: int) -> str:
    place = area.display_name(language)
    patterns = demo.get("facility_names") or []
    if patterns:
        return str(patterns[index % len(patterns)]).format(area=place)[:200]
    with force_locale(profile.default_locale):
        return _("Vaccination Centre %(area)s", area=place)[:200]


def _postal_code(pattern: str | None, rng: random.Random) -> str | None:
    if not pattern:
        return None
    return "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)


def _near(center, rng: random.Random) -> tuple[float | None, float | None]:
    if not center:
        return None, None
    if isinstance(center, dict):
        lat, lon = center.get("lat"), center.get("lon")
    else:
        lat, lon = center[0], center[1]
    return round(float(lat) + rng.uniform(-0.15, 0.15), 5), round(float(lon) + rng.uniform(-0.15, 0.15), 5)


def _missing_sessions(profile, demo) -> list[dict]:
    """One session per facility and day, vaccines rotating, for days that have none yet."""
    today = local_now(profile).date()
    days = [today + dt.timedelta(days=i) for i in range(DAYS)]
    have = {tuple(row) for row in db.session.execute(
        sa.select(VaccinationSession.facility_id, VaccinationSession.date)
        .where(VaccinationSession.date.in_(days)))}
    facilities = db.session.execute(
        sa.select(Facility.id, Facility.fee_type).where(Facility.code.startswith("DEMO-"))
        .order_by(Facility.id)).all()
    booster_products = {p for b in profile.boosters for p in b.products}
    paid_fee = int(demo.get("paid_fee", 250))
    bands = [(b["min_age"], b["max_age"]) for b in demo.get("session_age_bands") or []]
    rows = []
    for facility_id, fee_type in facilities:
        for offset, day in enumerate(days):
            if (facility_id, day) in have:
                continue
            vaccines = [v for v in profile.vaccines if _offered(v, day)]
            if not vaccines:
                continue
            vaccine = vaccines[(facility_id + offset) % len(vaccines)]
            low, high = _ages(profile, vaccine, bands, random.Random(f"{facility_id}/{day}"))
            capacities = {"1": 40 + 10 * (facility_id % 3), "2": 30}
            if vaccine.id in booster_products:
                capacities["booster"] = 20
            rows.append({"facility_id": facility_id, "date": day, "vaccine": vaccine.id,
                         "min_age": low, "max_age": high, "capacities": capacities,
                         "fee": paid_fee if fee_type == "Paid" else 0})
    return rows


def _ages(profile, vaccine, bands: list[tuple[int, int | None]],
          rng: random.Random) -> tuple[int, int | None]:
    """A session's ages: one of ``demo.session_age_bands`` within the vaccine's range, else the
    vaccine's own range (from the country's youngest eligible age)."""
    low = max(vaccine.min_age or 0, profile.eligibility.min_age or 0)
    high = vaccine.max_age
    fitting = [(a, b) for a, b in bands if a >= low and (
        high is None or (b is not None and b <= high))]
    return rng.choice(fitting) if fitting else (low, high)


def _offered(vaccine, day: dt.date) -> bool:
    available = getattr(vaccine, "available_on", None)
    return available(day) if callable(available) else True
