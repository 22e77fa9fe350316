"""A person's immunisation card (issue #19): every dose of the routine schedule that applies to
them, in schedule order, each given (date, product, lot, facility), due or overdue (the
engine's dates) or not yet, and the doses of their history the schedule does not place.

The engine (``profiles.routine.next_doses``) says only how many doses of a series count and
which one is next. Which recorded dose filled which dose of the series is found by asking it
on each day a dose was given, without and with that day's doses: the dose whose count went up
was filled by a dose of that day with the antigen. The PDF is ``routine_card_pdf``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.ages import after
from cowin_kit.profiles.routine import (COMPLETE, DUE, NO_LONGER_DUE, OVERDUE, UNKNOWN_PRODUCT,
                                        UPCOMING)
from cowin_kit.registration import children
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary, RoutineDose
from cowin_kit.registration.routine_rows import engine_for, is_child

#: States of a card row, strongest first (a dose several antigens share takes the strongest).
GIVEN, LATER, MISSED = "given", "later", "missed"
STATES = (GIVEN, OVERDUE, DUE, UPCOMING, LATER, MISSED, NO_LONGER_DUE)


@dataclass
class Row:
    """One dose of the schedule (or one recorded dose the schedule does not place)."""

    group: str                      # the programme's name ("" for other doses)
    name: str                       # the dose's name in routine.yaml, or the product's
    state: str
    due: dt.date | None = None      # recommended date (the engine's for the next dose)
    overdue_from: dt.date | None = None
    given: RoutineDose | None = None
    product: str = ""               # product name of the dose given
    facility: str = ""
    next: bool = False              # highlighted: the next dose(s) to give
    note: str = ""                  # why a recorded dose does not count (the engine's reason)
    order: tuple = ()


@dataclass
class Card:
    person: Beneficiary
    mother: Beneficiary | None
    today: dt.date
    rows: list[Row] = field(default_factory=list)

    @property
    def next_rows(self) -> list[Row]:
        return [row for row in self.rows if row.next]


def _filled(routine, engine, doses: list[RoutineDose], today: dt.date) -> dict:
    """(programme, antigen) -> {dose name: the recorded dose that filled it}."""
    pairs = [(d.product, d.given_on) for d in doses]
    filled: dict[tuple[str, str], dict[str, RoutineDose]] = {}
    for day in sorted({d.given_on for d in doses if d.given_on <= today}):
        before = {(n.programme, n.antigen): n
                  for n in engine(day, [p for p in pairs if p[1] < day])}
        for now in engine(day, [p for p in pairs if p[1] <= day]):
            was = before.get((now.programme, now.antigen))
            if was is None or was.name is None or now.counted <= was.counted:
                continue
            given = next((d for d in doses if d.given_on == day
                          and now.antigen in routine.antigens_of(d.product)), None)
            if given is not None:
                filled.setdefault((now.programme, now.antigen), {})[was.name] = given
    return filled


def _sequence(series, next_dose, names: set[str]):
    """The doses the engine follows: ``if_recent``'s when it names the next or a filled one."""
    recent = series.if_recent
    if recent is not None and {d.name for d in recent.doses} & (names | {next_dose.name}):
        return recent.doses
    return series.doses


def _series_rows(programme, series, anchor, next_dose, filled: dict, order,
                 today: dt.date) -> list[Row]:
    """The rows of one antigen's series: given, missed, the next one, and the later ones
    (dated as if the next were given today when it is late, each later one on its date)."""
    done = filled.get((programme.id, series.antigen), {})
    seq = _sequence(series, next_dose, set(done))
    names = [d.name for d in seq]
    current = len(seq) if next_dose.status == COMPLETE else (
        names.index(next_dose.name) if next_dose.name in names else len(seq))
    rows, previous = [], None
    for index, dose in enumerate(seq):
        nominal = after(anchor, dose.age)
        row = Row(programme.name, dose.name, LATER, nominal, order=(order, nominal, index))
        if dose.name in done:
            row.state, row.given = GIVEN, done[dose.name]
            previous = row.given.given_on
        elif index < current:
            row.state = MISSED
        elif next_dose.status == NO_LONGER_DUE:
            row.state = NO_LONGER_DUE
        elif index == current:
            row.state, row.due, row.overdue_from = (next_dose.status, next_dose.due,
                                                    next_dose.overdue_from)
            previous = max(next_dose.due, today)
        elif previous is not None and dose.interval is not None:
            row.due = max(nominal, after(previous, dose.interval))
            previous = row.due
        else:
            previous = nominal
        rows.append(row)
    return rows


def _merge(rows: list[Row]) -> list[Row]:
    """One row per (programme, dose name): a dose of several antigens (Pentavalent 1, MR-1)
    is listed once, in its strongest state."""
    merged: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row.group, row.name)
        kept = merged.get(key)
        if kept is None or STATES.index(row.state) < STATES.index(kept.state):
            merged[key] = row if kept is None else Row(**{**row.__dict__, "order": kept.order})
    return sorted(merged.values(), key=lambda r: r.order)


def _mark_next(rows: list[Row]) -> None:
    """Highlight the doses due or overdue now, else the upcoming ones with the first date."""
    now = [r for r in rows if r.state in (DUE, OVERDUE)]
    if not now:
        upcoming = [r for r in rows if r.state == UPCOMING and r.due]
        first = min((r.due for r in upcoming), default=None)
        now = [r for r in upcoming if r.due == first]
    for row in now:
        row.next = True


def schedule_rows(routine, person: Beneficiary, doses: list[RoutineDose], today: dt.date,
                  pregnancy=None) -> list[Row]:
    """The card's rows: the schedule's doses for ``person`` and their other recorded doses."""
    child = is_child(routine, person.birth_date, today)
    engine = engine_for(routine, person, pregnancy)
    shown = {"birth"} if child else set()
    if pregnancy is not None:
        shown.add("pregnancy")
    filled = _filled(routine, engine, doses, today)
    current = {(n.programme, n.antigen): n for n in engine(today, [(d.product, d.given_on)
                                                                     for d in doses])}
    rows: list[Row] = []
    for order, programme in enumerate(routine.programmes):
        if programme.anchor not in shown:
            continue
        anchor = (pregnancy.start if programme.anchor == "pregnancy"
                  else person.birth_date or dt.date(person.birth_year, 1, 1))
        for series in programme.series:
            next_dose = current.get((programme.id, series.antigen))
            if next_dose is not None:
                rows += _series_rows(programme, series, anchor, next_dose, filled, order,
                                     today)
    rows = _merge(rows)
    placed = {id(r.given) for r in rows if r.given is not None}
    reasons = {(r.product, r.day): r.reason for n in current.values() for r in n.rejected}
    for dose in doses:
        if id(dose) in placed:
            continue
        product = routine.product(dose.product)
        note = reasons.get((dose.product, dose.given_on), "") if rows else ""
        rows.append(Row("", product.name if product else dose.product, GIVEN, given=dose,
                        note=note if product else UNKNOWN_PRODUCT,
                        order=(len(routine.programmes), dose.given_on, dose.id)))
    _mark_next(rows)
    return rows


def card_for(person: Beneficiary, today: dt.date | None = None) -> Card:
    """Everything the card shows about ``person`` on ``today`` (the profile's today)."""
    routine = children.routine_of(get_profile())
    today = today or ops._today(get_profile())
    doses = list(db.session.scalars(sa.select(RoutineDose).where(
        RoutineDose.beneficiary_id == person.id).order_by(RoutineDose.given_on, RoutineDose.id)))
    pregnancy = children.current_pregnancy(person, today)
    rows = schedule_rows(routine, person, doses, today, pregnancy)
    places = {f.id: f.name for f in db.session.scalars(sa.select(Facility).where(
        Facility.id.in_({d.facility_id for d in doses if d.facility_id})))}
    for row in rows:
        if row.given is not None:
            product = routine.product(row.given.product)
            row.product = product.name if product else row.given.product
            row.facility = places.get(row.given.facility_id, "")
    mother = db.session.get(Beneficiary, person.mother_id) if person.mother_id else None
    return Card(person, mother, today, rows)
