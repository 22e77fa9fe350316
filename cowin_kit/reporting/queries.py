"""Dashboard figures: from the counters (cheap, every page view) or straight from the records
(a full scan: the oracle the tests and the benchmark compare the counters with)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility, VaccinationSession
from cowin_kit.core.collation import sort_by_name
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.bands import AgeBand, band_sql
from cowin_kit.reporting.labels import area_name
from cowin_kit.reporting.models import NATIONAL, DoseCounter, DoseDayTotal
from cowin_kit.vaccination.models import DoseRecord


@dataclass
class Figures:
    """What the public dashboard shows for one area (or the whole country)."""

    total: int = 0
    today: int = 0
    by_dose: dict[str, int] = field(default_factory=dict)  # "1", "2", … and "booster"
    by_vaccine: dict[str, int] = field(default_factory=dict)
    by_band_gender: dict[tuple[str, str], int] = field(default_factory=dict)
    by_child: dict[int, int] = field(default_factory=dict)  # child area id -> doses
    by_child_today: dict[int, int] = field(default_factory=dict)
    daily: dict[dt.date, int] = field(default_factory=dict)
    sessions_today: int = 0
    facilities_today: int = 0


class CounterSource:
    """Read figures from ``DoseCounter`` rows of one area: index range reads, no dose scan."""

    def __init__(self, area: Area | None):
        self.area = area
        self.area_id = area.id if area else NATIONAL
        self.day = DoseCounter.day
        self.vaccine = DoseCounter.vaccine
        self.gender = DoseCounter.gender
        self.band = DoseCounter.age_band
        self.dose_key = sa.case((DoseCounter.is_booster, "booster"),
                                else_=sa.cast(DoseCounter.dose_number, sa.String))

    def query(self, *keys, where=()) -> list[tuple]:
        stmt = (sa.select(*keys, sa.func.coalesce(sa.func.sum(DoseCounter.doses), 0))
                .where(DoseCounter.area_id == self.area_id, *where))
        if keys:
            stmt = stmt.group_by(*keys)
        return [tuple(row) for row in db.session.execute(stmt)]

    def by_child(self, children: list[Area], where=()) -> dict[int, int]:
        if not children:
            return {}
        stmt = (sa.select(DoseCounter.area_id, sa.func.sum(DoseCounter.doses))
                .where(DoseCounter.area_id.in_([c.id for c in children]), *where)
                .group_by(DoseCounter.area_id))
        return {area_id: int(n) for area_id, n in db.session.execute(stmt)}


class RecordSource:
    """Compute the same figures from ``DoseRecord`` joined with people and places (full scan)."""

    def __init__(self, area: Area | None, bands: list[AgeBand]):
        self.area = area
        self.day = DoseRecord.administered_on
        self.vaccine = DoseRecord.vaccine
        self.gender = Beneficiary.gender
        self.band = band_sql(bands, sa.extract("year", DoseRecord.administered_on)
                             - Beneficiary.birth_year)
        self.dose_key = sa.case((DoseRecord.is_booster, "booster"),
                                else_=sa.cast(DoseRecord.dose_number, sa.String))

    def _base(self, *columns):
        stmt = (sa.select(*columns)
                .select_from(DoseRecord)
                .join(Beneficiary, Beneficiary.id == DoseRecord.beneficiary_id)
                .join(Facility, Facility.id == DoseRecord.facility_id)
                .join(Area, Area.id == Facility.area_id))
        if self.area is not None:
            stmt = stmt.where(Area.path.startswith(self.area.path))
        return stmt

    def query(self, *keys, where=()) -> list[tuple]:
        stmt = self._base(*keys, sa.func.count(DoseRecord.id)).where(*where)
        if keys:
            stmt = stmt.group_by(*keys)
        return [tuple(row) for row in db.session.execute(stmt)]

    def by_child(self, children: list[Area], where=()) -> dict[int, int]:
        by_path = {child.path: child.id for child in children}
        result: dict[int, int] = defaultdict(int)
        stmt = self._base(Area.path, sa.func.count(DoseRecord.id)).where(*where).group_by(Area.path)
        for path, n in db.session.execute(stmt):
            for child_path, child_id in by_path.items():
                if path.startswith(child_path):
                    result[child_id] += n
        return dict(result)


def child_areas(area: Area | None) -> list[Area]:
    """Return the areas one level below ``area`` (the first level for the whole country), by
    name in the reader's language and its collation."""
    where = Area.parent_id.is_(None) if area is None else Area.parent_id == area.id
    return sort_by_name(db.session.scalars(sa.select(Area).where(where)), area_name)


def active_today(area: Area | None, today: dt.date) -> tuple[int, int]:
    """Return (sessions, facilities) open today in the area (a small, date-indexed read)."""
    stmt = (sa.select(sa.func.count(VaccinationSession.id),
                      sa.func.count(sa.distinct(VaccinationSession.facility_id)))
            .join(Facility, Facility.id == VaccinationSession.facility_id)
            .where(VaccinationSession.date == today, VaccinationSession.status != "cancelled"))
    if area is not None:
        stmt = stmt.join(Area, Area.id == Facility.area_id).where(Area.path.startswith(area.path))
    sessions, facilities = db.session.execute(stmt).one()
    return int(sessions), int(facilities)


def dashboard_figures(source, today: dt.date, *, days: int = 90) -> Figures:
    """Collect every dashboard figure for the source's area."""
    figures = Figures()
    figures.total = int(source.query()[0][0] or 0)
    figures.today = int(source.query(where=[source.day == today])[0][0] or 0)
    figures.by_dose = {key: int(n) for key, n in source.query(source.dose_key) if n}
    figures.by_vaccine = {key: int(n) for key, n in source.query(source.vaccine) if n}
    figures.by_band_gender = {(band, gender): int(n)
                              for band, gender, n in source.query(source.band, source.gender) if n}
    since = today - dt.timedelta(days=days - 1)
    figures.daily = {day: int(n) for day, n in source.query(source.day, where=[source.day >= since])
                     if n}
    children = child_areas(source.area)
    figures.by_child = {k: v for k, v in source.by_child(children).items() if v}
    figures.by_child_today = {k: v for k, v in source.by_child(
        children, where=[source.day == today]).items() if v}
    figures.sessions_today, figures.facilities_today = active_today(source.area, today)
    return figures


def counter_figures(area: Area | None, today: dt.date, *, days: int = 90) -> Figures:
    """Every dashboard figure from pre-aggregated rows, in four small indexed reads."""
    area_id = area.id if area else NATIONAL
    figures = Figures()
    since = today - dt.timedelta(days=days - 1)
    for day, n in db.session.execute(
            sa.select(DoseDayTotal.day, sa.func.sum(DoseDayTotal.doses))
            .where(DoseDayTotal.area_id == area_id).group_by(DoseDayTotal.day)):
        n = int(n)
        figures.total += n
        if day == today:
            figures.today = n
        if day >= since and n:
            figures.daily[day] = n
    # Breakdowns: the database sums the detailed rows; only a few dozen rows come back.
    source = CounterSource(area)
    keys = (DoseCounter.vaccine, source.dose_key, DoseCounter.age_band, DoseCounter.gender)
    by_dose: dict = defaultdict(int)
    by_vaccine: dict = defaultdict(int)
    for vaccine, dose_key, band, gender, n in db.session.execute(
            sa.select(*keys, sa.func.sum(DoseCounter.doses))
            .where(DoseCounter.area_id == area_id).group_by(*keys)):
        n = int(n)
        by_dose[dose_key] += n
        by_vaccine[vaccine] += n
        figures.by_band_gender[(band, gender)] = figures.by_band_gender.get((band, gender), 0) + n
    figures.by_dose = {k: v for k, v in by_dose.items() if v}
    figures.by_vaccine = {k: v for k, v in by_vaccine.items() if v}
    figures.by_band_gender = {k: v for k, v in figures.by_band_gender.items() if v}
    children = child_areas(area)
    if children:
        stmt = (sa.select(DoseDayTotal.area_id, sa.func.sum(DoseDayTotal.doses),
                          sa.func.sum(sa.case((DoseDayTotal.day == today, DoseDayTotal.doses),
                                              else_=0)))
                .where(DoseDayTotal.area_id.in_([c.id for c in children]))
                .group_by(DoseDayTotal.area_id))
        for child_id, total, on_day in db.session.execute(stmt):
            if total:
                figures.by_child[child_id] = int(total)
            if on_day:
                figures.by_child_today[child_id] = int(on_day)
    figures.sessions_today, figures.facilities_today = active_today(area, today)
    return figures


def figures_to_json(figures: Figures) -> dict:
    """Turn figures into JSON-safe data (for the shared cache)."""
    return {"total": figures.total, "today": figures.today, "by_dose": figures.by_dose,
            "by_vaccine": figures.by_vaccine,
            "by_band_gender": [[b, g, n] for (b, g), n in figures.by_band_gender.items()],
            "by_child": [[k, v] for k, v in figures.by_child.items()],
            "by_child_today": [[k, v] for k, v in figures.by_child_today.items()],
            "daily": [[d.isoformat(), n] for d, n in figures.daily.items()],
            "sessions_today": figures.sessions_today,
            "facilities_today": figures.facilities_today}


def figures_from_json(data: dict) -> Figures:
    return Figures(
        total=data["total"], today=data["today"], by_dose=data["by_dose"],
        by_vaccine=data["by_vaccine"],
        by_band_gender={(b, g): n for b, g, n in data["by_band_gender"]},
        by_child={int(k): v for k, v in data["by_child"]},
        by_child_today={int(k): v for k, v in data["by_child_today"]},
        daily={dt.date.fromisoformat(d): n for d, n in data["daily"]},
        sessions_today=data["sessions_today"], facilities_today=data["facilities_today"])
