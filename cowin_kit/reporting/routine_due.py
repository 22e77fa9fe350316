"""Routine immunisation due and overdue lists per antigen (issue #19 item 5): the people whose
next dose of an antigen is due by the report's end date, or overdue today, read from the stored
open doses (``RoutineDue``, kept by registration/routine_rows.py) through their indexes; the
schedule engine does not run here.

- one antigen: ``ix_routine_due_antigen_due`` (antigen, due_on, beneficiary_id), or for
  "overdue" and "due" (due, not yet overdue) ``ix_routine_due_antigen_overdue``;
- every antigen: ``ix_routine_due_due`` / ``ix_routine_due_overdue``;
- an area: ``ix_routine_due_area_due`` / ``..._area_overdue`` (area_id: the person's, copied
  when the rows are written; the area's ids as constants, as reporting/due.py).

The rows come from routine_due alone, then their people by primary key, a page (or a fetch of
the download's cursor) at a time: joined in one query, the planner may walk all of
beneficiary's primary key to merge it with a few due rows.

Pages go on after the last row's key (``(date, person, programme, antigen) > key``, never
OFFSET): a later page reads as little of the index as the first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary, RoutineDue
from cowin_kit.reporting.due import FETCH_ROWS, _area_ids
from cowin_kit.reporting.labels import gender_label
from cowin_kit.reporting.reports import Params, Report

STATUSES = ("due", "overdue")
UNKNOWN_ANTIGEN = _l("Choose an antigen of this country's routine schedule.")
UNKNOWN_STATUS = _l("Choose due or overdue.")
BAD_PAGE = _l("This page link is not valid; start again from the first page.")


def _antigens() -> dict[str, str]:
    routine = get_profile().routine
    return {a.id: a.name for a in routine.antigens} if routine is not None else {}


def check(params: Params) -> None:
    """A clear 422 for an antigen the schedule does not have, a bad status or page key."""
    errors = {}
    if params.antigen and params.antigen not in _antigens():
        errors["antigen"] = [str(UNKNOWN_ANTIGEN)]
    if params.status and params.status not in STATUSES:
        errors["status"] = [str(UNKNOWN_STATUS)]
    if params.after:
        try:
            parse_key(params.after)
        except ValueError:
            errors["after"] = [str(BAD_PAGE)]
    if errors:
        raise ValidationFailed(fields=errors)


def parse_key(text: str) -> tuple:
    day, person, programme, antigen = text.split("~")
    return dt.date.fromisoformat(day), int(person), programme, antigen


def _key_column(params: Params):
    return RoutineDue.due_on if params.status is None else RoutineDue.overdue_on


def routine_due_query(params: Params) -> sa.Select:
    """Open routine doses of the area's people due by ``params.date_to`` (``status`` "overdue":
    overdue today; "due": due, not overdue yet), longest waiting first, after ``params.after``
    (at most ``params.limit``)."""
    d = RoutineDue
    key = _key_column(params)
    where = [sa.or_(d.last_day.is_(None), d.last_day >= params.today)]
    if params.status == "overdue":
        where.append(d.overdue_on <= params.today)
    else:
        where.append(d.due_on <= params.date_to)
        if params.status == "due":
            where.append(d.overdue_on > params.today)
    if params.antigen:
        where.append(d.antigen == params.antigen)
    if params.area is not None:
        where.append(d.area_id.in_(_area_ids(params)))
    order = (key, d.beneficiary_id, d.programme, d.antigen)
    if params.after:
        where.append(sa.tuple_(*order) > sa.tuple_(*parse_key(params.after)))
    return (sa.select(d.antigen, d.dose_number, d.dose_name, d.due_on, d.overdue_on,
                      key.label("key"), d.beneficiary_id, d.programme)
            .where(*where).order_by(*order).limit(params.limit))


def dose_text(name: str | None, number: int) -> str:
    return name or _("Dose %(number)s", number=number)


def routine_due_rows(params: Params, tick) -> Iterator[tuple]:
    overdue, due = str(_l("Overdue")), str(_l("Due"))
    antigens = _antigens()
    stmt = routine_due_query(params)
    paged = params.limit is not None
    result = db.session.execute(stmt if paged
                                else stmt.execution_options(yield_per=FETCH_ROWS))
    try:
        for rows in result.partitions(FETCH_ROWS):
            b = Beneficiary
            people = {p.id: p for p in db.session.execute(
                sa.select(b.id, b.reference_id, b.name, b.birth_date, b.gender)
                .where(b.id.in_({r.beneficiary_id for r in rows})))}
            for row in rows:
                person = people[row.beneficiary_id]
                if paged:
                    params.keys.append(f"{row.key.isoformat()}~{row.beneficiary_id}~"
                                       f"{row.programme}~{row.antigen}")
                yield (person.reference_id, person.name, person.birth_date,
                       gender_label(person.gender), antigens.get(row.antigen, row.antigen),
                       dose_text(row.dose_name, row.dose_number), row.due_on, row.overdue_on,
                       overdue if row.overdue_on <= params.today else due)
            tick(len(rows))
    finally:
        result.close()


def _size(params: Params) -> int:
    everyone = dataclasses.replace(params, limit=None, after=None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        routine_due_query(everyone).order_by(None).subquery())) or 0


ROUTINE_DUE = Report("routine_due", _l("Routine immunisation due or overdue"), (
    ("reference_id", _l("Reference ID")), ("name", _l("Name")),
    ("birth_date", _l("Date of birth")), ("gender", _l("Gender")),
    ("antigen", _l("Antigen")), ("dose", _l("Dose")),
    ("due_from", _l("Due from")), ("overdue_from", _l("Overdue from")),
    ("status", _l("Status"))), routine_due_rows, _size, personal=True, check=check,
    by_antigen=True, paged=True)
