"""Routine immunisation reports: fully immunised children and dropout rates by area and birth
cohort (docs/reporting.md). Both are two SQL aggregations: each child's doses of the antigens
asked for (one GROUP BY over the children of the cohort who live in the area), then children
per area; the schedule engine never runs here. What counts is profile data (routine.yaml
``fully_immunised`` and ``dropout``); a dose counts in its place in the series by the counts
of profiles/routine_places.py (doses by age, the engine's slots without its intervals)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.areas.models import Area
from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.routine_places import Count, birth_series, place_rule, shortest_days
from cowin_kit.registration.models import Beneficiary, RoutineDose
from cowin_kit.reporting.labels import area_name, percent
from cowin_kit.reporting.queries import child_areas
from cowin_kit.reporting.reports import Params, Report

COHORT = re.compile(r"(\d{4})(?:-(\d{2}))?")
BAD_COHORT = _l("Give the birth cohort as a year (2024) or a month (2024-03).")
NO_FIC = _l("This country's routine schedule defines no fully immunised child.")
NO_DROPOUT = _l("This country's routine schedule defines no dropout pairs.")


def parse_cohort(text: str | None, today: dt.date) -> str:
    """The birth cohort asked for (default: last year), checked: a 4xx names the field."""
    text = (text or "").strip() or str(today.year - 1)
    match = COHORT.fullmatch(text)
    if (match is None or not 1900 <= int(match[1]) <= today.year
            or (match[2] and not 1 <= int(match[2]) <= 12)):
        raise ValidationFailed(fields={"cohort": [str(BAD_COHORT)]})
    return text


def _born_in(cohort: str) -> tuple[dt.date, dt.date]:
    """First day of the cohort and the day after its last."""
    year, _, month = cohort.partition("-")
    if not month:
        return dt.date(int(year), 1, 1), dt.date(int(year) + 1, 1, 1)
    start = dt.date(int(year), int(month), 1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def _day_key(column) -> sa.ColumnElement:
    """YYYYMMDD as a number: adding 10000 is the first birthday, in SQLite and PostgreSQL."""
    return (sa.extract("year", column) * 10000 + sa.extract("month", column) * 100
            + sa.extract("day", column))


def _age_days(given, birth) -> sa.ColumnElement:
    """Days from birth to the dose (a date difference: SQLite has no date subtraction)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.julianday(given) - sa.func.julianday(birth), sa.Integer)
    return sa.cast(given - birth, sa.Integer)


def _by_age(routine) -> sa.ColumnElement:
    """Doses given before ``fully_immunised_by`` (in whole years: the birthday; else days)."""
    limit = routine.fully_immunised_by
    b, r = Beneficiary, RoutineDose
    if not isinstance(limit, dt.timedelta) and not limit.months and not limit.tdelta:
        return _day_key(r.given_on) < _day_key(b.birth_date) + 10000 * int(limit.years)
    return _age_days(r.given_on, b.birth_date) < shortest_days(limit)


def _routine():
    routine = get_profile().routine
    if routine is None:
        raise ValidationFailed(str(NO_FIC))
    return routine


def _per_area(params: Params, cohort: str, needs: dict[str, list[tuple[str, int]]], *,
              by_first_birthday: bool) -> dict[int, dict[str, int]]:
    """For each area id where children of the cohort live: children, and for each name in
    ``needs`` how many of them had every (antigen, number) dose listed there, each in its
    place in the series (``place_rule``)."""
    routine = _routine()
    b, r = Beneficiary, RoutineDose
    rules = {name: [c for ref in refs for c in place_rule(routine, *ref)]
             for name, refs in needs.items()}
    columns: dict[tuple, str] = {}
    for rule in rules.values():
        for c in rule:
            columns.setdefault((c.antigen, c.from_days, c.until_days), f"c{len(columns)}")
    age = _age_days(r.given_on, b.birth_date)

    def of(antigen: str) -> list[str]:
        return [p.id for p in routine.products if antigen in p.antigens]

    def doses(antigen: str, low: int, high: int | None) -> sa.ColumnElement:
        window = ([age >= low] if low else []) + ([age < high] if high is not None else [])
        return sa.and_(r.product.in_(of(antigen)), *window)

    # only the doses that can count are joined: the products asked for, in time
    wanted = sorted({p for antigen, _l, _h in columns for p in of(antigen)})
    joined = sa.and_(r.beneficiary_id == b.id, r.product.in_(wanted),
                     *([_by_age(routine)] if by_first_birthday else []))

    counts = [sa.func.sum(sa.case((doses(*key), 1), else_=0)).label(label)
              for key, label in columns.items()]
    start, end = _born_in(cohort)
    where = [b.birth_date >= start, b.birth_date < end]
    if params.area is not None:
        where.append(b.area_id.in_(sa.select(Area.id).where(Area.path.startswith(
            params.area.path))))
    child = (sa.select(b.id, b.area_id, *counts).select_from(b)
             .outerjoin(r, joined).where(*where)
             .group_by(b.id, b.area_id).subquery())
    def has(c: Count) -> sa.ColumnElement:
        return child.c[columns[c.antigen, c.from_days, c.until_days]] >= c.count

    sums = [sa.func.sum(sa.case((sa.and_(*[has(c) for c in rule]), 1), else_=0))
            for rule in rules.values()]
    stmt = (sa.select(child.c.area_id, sa.func.count(), *sums).group_by(child.c.area_id))
    return {area_id: {"children": total, **{k: int(v or 0) for k, v in zip(needs, rest)}}
            for area_id, total, *rest in db.session.execute(stmt)}


def _rolled_up(params: Params, found: dict[int, dict[str, int]]) -> Iterator[tuple[Area, dict]]:
    """The figures of each area one level below the scope (the scope itself at the bottom)."""
    areas = child_areas(params.area) or ([params.area] if params.area else [])
    paths = dict(db.session.execute(sa.select(Area.id, Area.path).where(
        Area.id.in_([i for i in found if i is not None]))).all()) if found else {}
    for area in areas:
        total: dict[str, int] = defaultdict(int)
        for area_id, cell in found.items():
            if paths.get(area_id, "").startswith(area.path):
                for key, value in cell.items():
                    total[key] += value
        if total["children"]:
            yield area, total


def _check_fic(params: Params) -> None:
    parse_cohort(params.cohort, params.today)
    if not _routine().fully_immunised:
        raise ValidationFailed(str(NO_FIC))


def _check_dropout(params: Params) -> None:
    parse_cohort(params.cohort, params.today)
    if not _routine().dropout:
        raise ValidationFailed(str(NO_DROPOUT))


def _fic_rows(params: Params, tick) -> Iterator[tuple]:
    _check_fic(params)
    routine = _routine()
    cohort = parse_cohort(params.cohort, params.today)
    found = _per_area(params, cohort, {"fic": list(routine.fully_immunised)},
                      by_first_birthday=True)
    for area, cell in _rolled_up(params, found):
        yield (area.code, area_name(area), cohort, cell["children"], cell["fic"],
               percent(cell["fic"], cell["children"]))
        tick(1)


def dose_label(routine, antigen: str, number: int) -> str:
    """The dose's name in the schedule (MR-1), else antigen and number."""
    series = birth_series(routine, antigen, number)
    return series.doses[number - 1].name if series else f"{antigen} {number}"


def _dropout_rows(params: Params, tick) -> Iterator[tuple]:
    _check_dropout(params)
    routine = _routine()
    cohort = parse_cohort(params.cohort, params.today)
    needs = {f"{i}{end}": [pair[k]] for i, pair in enumerate(routine.dropout)
             for k, end in ((0, "a"), (1, "b"))}
    found = _per_area(params, cohort, needs, by_first_birthday=False)
    for area, cell in _rolled_up(params, found):
        for i, (first, last) in enumerate(routine.dropout):
            a, b = cell[f"{i}a"], cell[f"{i}b"]
            yield (area.code, area_name(area), cohort,
                   f"{dose_label(routine, *first)} → {dose_label(routine, *last)}", a, b,
                   percent(a - b, a))
        tick(1)


def _size(params: Params) -> int:
    return len(child_areas(params.area)) or 1


AREA = (("area_code", _l("Area code")), ("area", _l("Area")), ("cohort", _l("Birth cohort")))
FIC = Report("fic", _l("Fully immunised children by birth cohort"), (
    *AREA, ("children", _l("Children")), ("fully_immunised", _l("Fully immunised")),
    ("fic_pct", _l("Fully immunised %"))), _fic_rows, _size, check=_check_fic,
    by_cohort=True)
DROPOUT = Report("dropout", _l("Dropout rates by birth cohort"), (
    *AREA, ("pair", _l("Doses")), ("first", _l("Children with the first dose")),
    ("last", _l("Children with the later dose")), ("dropout_pct", _l("Dropout %"))),
    _dropout_rows, _size, check=_check_dropout, by_cohort=True)
