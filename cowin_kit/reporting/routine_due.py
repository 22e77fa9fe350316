"""Routine immunisation due and overdue list: children (and pregnant women) whose next routine
dose is due by the report's end date, read from the stored next routine dates
(``Beneficiary.next_routine_due`` / ``next_routine_overdue``, kept by registration/children.py)
through their indexes; the schedule engine does not run here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.due import FETCH_ROWS, _area_ids
from cowin_kit.reporting.labels import gender_label
from cowin_kit.reporting.reports import Params, Report


def routine_due_query(params: Params) -> sa.Select:
    """People of the area whose next routine dose is due by ``params.date_to``, longest waiting
    first (at most ``params.limit``)."""
    b = Beneficiary
    where = [b.next_routine_due <= params.date_to]
    if params.area is not None:
        where.append(b.area_id.in_(_area_ids(params)))
    return (sa.select(b.reference_id, b.name, b.birth_date, b.gender, b.next_routine_due,
                      b.next_routine_overdue).where(*where)
            .order_by(b.next_routine_due, b.id).limit(params.limit))


def routine_due_rows(params: Params, tick) -> Iterator[tuple]:
    overdue, due = str(_l("Overdue")), str(_l("Due"))
    stmt = routine_due_query(params)
    result = db.session.execute(stmt if params.limit is not None
                                else stmt.execution_options(yield_per=FETCH_ROWS))
    i = 0
    try:
        for i, (reference_id, name, birth_date, gender, due_on, overdue_from) in enumerate(
                result, 1):
            late = overdue_from is not None and overdue_from <= params.today
            yield (reference_id, name, birth_date, gender_label(gender), due_on, overdue_from,
                   overdue if late else due)
            if i % FETCH_ROWS == 0:
                tick(FETCH_ROWS)
        tick(i % FETCH_ROWS)
    finally:
        result.close()


def _size(params: Params) -> int:
    everyone = dataclasses.replace(params, limit=None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        routine_due_query(everyone).order_by(None).subquery())) or 0


ROUTINE_DUE = Report("routine_due", _l("Routine immunisation due or overdue"), (
    ("reference_id", _l("Reference ID")), ("name", _l("Name")),
    ("birth_date", _l("Date of birth")), ("gender", _l("Gender")),
    ("due_from", _l("Due from")), ("overdue_from", _l("Overdue from")),
    ("status", _l("Status"))), routine_due_rows, _size, personal=True)
