"""Ministry reports: coverage against targets, no-show rate, wastage, AEFI counts.

Each report is a ``Report``: labelled columns and a row generator for one scope (an area or the
whole country) and a date range. The web tables, CSV/XLSX exports and the CLI share them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession
from cowin_kit.core.collation import sort_by_name
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.reporting.bands import age_bands
from cowin_kit.reporting.labels import area_name, percent, vaccine_name
from cowin_kit.reporting.models import NATIONAL, DoseCounter, TargetPopulation
from cowin_kit.reporting.queries import child_areas
from cowin_kit.stock.models import OpenVial
from cowin_kit.stock.queries import opened_per_facility
from cowin_kit.vaccination.models import AefiReport, DoseRecord


@dataclass
class Params:
    """Where and when a report looks."""

    area: Area | None  # None: the whole country
    date_from: dt.date
    date_to: dt.date
    today: dt.date
    #: The reader wants at most this many rows (a page): a report may ask the database for no
    #: more, so an index answers in order without sorting all matches. None: every row.
    limit: int | None = None
    #: Routine reports: the birth cohort as asked for (a year or a month; None: last year).
    cohort: str | None = None
    #: Routine due list: one antigen (None: all), "due" or "overdue" (None: both), and the
    #: keyset page to start after (``Report.page_key`` of the last row of the page before).
    antigen: str | None = None
    status: str | None = None
    after: str | None = None
    #: Set by a report with ``page_key``: the key of each row a page (``limit``) read.
    keys: list = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    kind: str
    title: object  # lazy string
    columns: tuple[tuple[str, object], ...]  # (key, lazy label)
    rows: Callable[[Params, Callable[[int], None]], Iterator[tuple]]
    size: Callable[[Params], int]  # units of progress the rows generator reports
    personal: bool = False  # rows name people: viewing them is audit-logged
    #: Refuses what the report cannot answer (a 4xx) before a page or download starts.
    check: Callable[[Params], None] | None = None
    by_cohort: bool = False  # filtered by birth cohort (Params.cohort) rather than dates
    by_antigen: bool = False  # filtered by antigen and due/overdue (Params.antigen, .status)
    #: Pages of this report go on after a row's key (keyset pagination, ``Params.after``).
    paged: bool = False


def _no_progress(_n: int) -> None:
    return None


def scope_condition(area: Area | None, facility_column) -> sa.ColumnElement | None:
    """Limit a facility column to the facilities in ``area`` (None: no limit)."""
    if area is None:
        return None
    inside = (sa.select(Facility.id).join(Area, Area.id == Facility.area_id)
              .where(Area.path.startswith(area.path)))
    return facility_column.in_(inside)


def _where(area, column, *more):
    condition = scope_condition(area, column)
    return [c for c in (condition, *more) if c is not None]


# -- coverage ---------------------------------------------------------------------------------

def target_lookup(areas: list[Area]) -> Callable[[int, str], int | None]:
    """Return target(area_id, band): the area's own figure, else the sum of its children's."""
    ids = [a.id for a in areas]
    paths = [a.path for a in areas]
    rows = db.session.execute(
        sa.select(TargetPopulation.area_id, TargetPopulation.age_band, TargetPopulation.population,
                  Area.parent_id)
        .join(Area, Area.id == TargetPopulation.area_id)
        .where(sa.or_(TargetPopulation.area_id.in_(ids),
                      *[Area.path.startswith(p) for p in paths]) if ids else sa.true())).all()
    own = {(r.area_id, r.age_band): r.population for r in rows}
    bands_of = defaultdict(set)
    for r in rows:
        bands_of[r.area_id].add(r.age_band)
    children: dict[int, set[int]] = defaultdict(set)
    # Walk up from every area that has figures so parents know which children to add.
    known = {r.area_id for r in rows}
    pending = set(known)
    while pending:
        found = db.session.execute(sa.select(Area.id, Area.parent_id).where(Area.id.in_(pending)))
        pending = set()
        for area_id, parent_id in found:
            if parent_id is not None and area_id not in children[parent_id]:
                children[parent_id].add(area_id)
                if parent_id not in known:
                    known.add(parent_id)
                    pending.add(parent_id)

    def target(area_id: int, band: str) -> int | None:
        if (area_id, band) in own:
            return own[(area_id, band)]
        if band == "all" and bands_of[area_id] - {"all"}:
            return sum(own[(area_id, b)] for b in bands_of[area_id] - {"all"})
        parts = [t for t in (target(c, band) for c in children.get(area_id, ())) if t is not None]
        return sum(parts) if parts else None

    return target


def _coverage_rows(params: Params, tick) -> Iterator[tuple]:
    areas = child_areas(params.area) or ([params.area] if params.area else [])
    target = target_lookup(areas)
    bands = [b.label for b in age_bands(get_profile())] + ["all"]
    ids = [a.id for a in areas]
    first = sa.and_(DoseCounter.dose_number == 1, DoseCounter.is_booster.is_(False))
    stmt = (sa.select(DoseCounter.area_id, DoseCounter.age_band,
                      sa.func.sum(sa.case((first, DoseCounter.doses), else_=0)),
                      sa.func.sum(sa.case((DoseCounter.completes_series, DoseCounter.doses),
                                          else_=0)),
                      sa.func.sum(sa.case((DoseCounter.is_booster, DoseCounter.doses), else_=0)))
            .where(DoseCounter.area_id.in_(ids), DoseCounter.day <= params.date_to)
            .group_by(DoseCounter.area_id, DoseCounter.age_band))
    given: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for area_id, band, one, full, boost in db.session.execute(stmt):
        for key in ((area_id, band), (area_id, "all")):
            cell = given[key]
            cell[0] += int(one)
            cell[1] += int(full)
            cell[2] += int(boost)
    for area in areas:
        for band in bands:
            one, full, boost = given.get((area.id, band), (0, 0, 0))
            population = target(area.id, band)
            if population is None and not (one or full or boost):
                continue
            yield (area.code, area_name(area), band, population, one, full, boost,
                   percent(one, population or 0), percent(full, population or 0))
        tick(1)


# -- no-shows, wastage, AEFI -------------------------------------------------------------------

def _facilities(params: Params) -> list[Facility]:
    stmt = sa.select(Facility).where(*_where(params.area, Facility.id)).order_by(Facility.code)
    return sort_by_name(db.session.scalars(stmt), lambda f: f.name)


def _noshow_rows(params: Params, tick) -> Iterator[tuple]:
    last_day = min(params.date_to, params.today - dt.timedelta(days=1))  # only finished days
    missed = sa.or_(Appointment.status == "no_show", Appointment.status == "booked")
    stmt = (sa.select(VaccinationSession.facility_id,
                      sa.func.count(Appointment.id),
                      sa.func.sum(sa.case((Appointment.status == "completed", 1), else_=0)),
                      sa.func.sum(sa.case((missed, 1), else_=0)))
            .join(VaccinationSession, VaccinationSession.id == Appointment.session_id)
            .where(Appointment.status != "cancelled",
                   VaccinationSession.date.between(params.date_from, last_day),
                   *_where(params.area, VaccinationSession.facility_id))
            .group_by(VaccinationSession.facility_id))
    counts = {fid: (int(n), int(done or 0), int(miss or 0))
              for fid, n, done, miss in db.session.execute(stmt)}
    for facility in _facilities(params):
        booked, done, missed_n = counts.get(facility.id, (0, 0, 0))
        tick(1)
        if booked:
            yield facility.code, facility.name, booked, done, missed_n, percent(missed_n, booked)


def _wastage_rows(params: Params, tick) -> Iterator[tuple]:
    # Vials opened at the desk (stock): real events, not the sessions' older doses_opened.
    opened = opened_per_facility(params.date_from, params.date_to,
                                 scope_condition(params.area, OpenVial.facility_id))
    given = dict(db.session.execute(
        sa.select(DoseRecord.facility_id, sa.func.count(DoseRecord.id))
        .where(DoseRecord.administered_on.between(params.date_from, params.date_to),
               *_where(params.area, DoseRecord.facility_id))
        .group_by(DoseRecord.facility_id)).all())
    for facility in _facilities(params):
        tick(1)
        opened_n, given_n = int(opened.get(facility.id) or 0), int(given.get(facility.id) or 0)
        if opened_n or given_n:
            wasted = max(opened_n - given_n, 0)
            yield (facility.code, facility.name, opened_n, given_n, wasted,
                   percent(wasted, opened_n))


def _aefi_rows(params: Params, tick) -> Iterator[tuple]:
    areas = child_areas(params.area) or ([params.area] if params.area else [])
    by_path = [(a.path, a) for a in areas]
    start = dt.datetime.combine(params.date_from, dt.time.min, dt.timezone.utc)
    end = dt.datetime.combine(params.date_to + dt.timedelta(days=1), dt.time.min, dt.timezone.utc)
    stmt = (sa.select(Area.path, DoseRecord.vaccine, AefiReport.severity,
                      sa.func.count(AefiReport.id))
            .join(DoseRecord, DoseRecord.id == AefiReport.dose_record_id)
            .join(Facility, Facility.id == DoseRecord.facility_id)
            .join(Area, Area.id == Facility.area_id)
            .where(AefiReport.onset_at >= start, AefiReport.onset_at < end,
                   *([Area.path.startswith(params.area.path)] if params.area else []))
            .group_by(Area.path, DoseRecord.vaccine, AefiReport.severity))
    totals: dict[tuple[int, str, str], int] = defaultdict(int)
    for path, vaccine, severity, n in db.session.execute(stmt):
        for prefix, area in by_path:
            if path.startswith(prefix):
                totals[(area.id, vaccine, severity)] += int(n)
    doses = dict(((a, v), int(n)) for a, v, n in db.session.execute(
        sa.select(DoseCounter.area_id, DoseCounter.vaccine, sa.func.sum(DoseCounter.doses))
        .where(DoseCounter.area_id.in_([a.id for a in areas] or [NATIONAL]),
               DoseCounter.day.between(params.date_from, params.date_to))
        .group_by(DoseCounter.area_id, DoseCounter.vaccine)))
    for area in areas:
        tick(1)
        for (area_id, vaccine, severity), n in sorted(totals.items()):
            if area_id == area.id:
                given = doses.get((area.id, vaccine), 0)
                rate = round(100_000 * n / given, 1) if given else None
                yield area.code, area_name(area), vaccine_name(vaccine), severity, n, given, rate


def _area_count(params: Params) -> int:
    return len(child_areas(params.area)) or 1


def _facility_count(params: Params) -> int:
    return db.session.scalar(sa.select(sa.func.count(Facility.id))
                             .where(*_where(params.area, Facility.id)))


COVERAGE = Report("coverage", _l("Coverage against target population"), (
    ("area_code", _l("Area code")), ("area", _l("Area")), ("age_band", _l("Age band")),
    ("population", _l("Target population")), ("first_dose", _l("At least one dose")),
    ("complete", _l("Primary series complete")), ("booster", _l("Booster doses")),
    ("first_pct", _l("One dose (%)")), ("complete_pct", _l("Series complete (%)"))),
    _coverage_rows, _area_count)
NOSHOW = Report("noshow", _l("No-show rate per facility"), (
    ("facility_code", _l("Facility code")), ("facility", _l("Facility")),
    ("booked", _l("Appointments")), ("completed", _l("Vaccinated")),
    ("missed", _l("Did not come")), ("rate", _l("No-show rate"))),
    _noshow_rows, _facility_count)
WASTAGE = Report("wastage", _l("Vaccine wastage per facility"), (
    ("facility_code", _l("Facility code")), ("facility", _l("Facility")),
    ("opened", _l("Doses opened")), ("given", _l("Doses given")), ("wasted", _l("Doses wasted")),
    ("rate", _l("Wastage rate"))), _wastage_rows, _facility_count)
AEFI = Report("aefi", _l("Adverse events following immunisation"), (
    ("area_code", _l("Area code")), ("area", _l("Area")), ("vaccine", _l("Vaccine")),
    ("severity", _l("Severity")), ("reports", _l("Reports")), ("doses", _l("Doses given")),
    ("per_100k", _l("Per 100,000 doses"))), _aefi_rows, _area_count)
