"""Dose-2 and booster due/overdue lists, read from each person's stored next dose.

The schedule engine runs when a dose changes (``registration/next_due.py``), not here: a list
is one indexed query whatever the number of people, streamed through a server-side cursor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.labels import gender_label, vaccine_name
from cowin_kit.reporting.reports import Params, Report
from cowin_kit.vaccination.models import DoseRecord

#: Rows fetched per round trip of the server-side cursor (PostgreSQL) while streaming.
FETCH_ROWS = 1000


def _area_ids(params: Params) -> list[int]:
    """The area and the areas inside it, looked up first: with the ids as constants the planner
    knows how many people live there (a district: read its due people from
    ix_beneficiary_area_next_due and sort them; a large state: walk ix_beneficiary_next_due in
    order until the page is full). Behind a subquery it cannot tell, and at 1M people it
    walked the whole country's due index for a district's 11 people."""
    return list(db.session.scalars(sa.select(Area.id).where(
        Area.path.startswith(params.area.path))))


def due_query(params: Params, *, booster: bool) -> sa.Select:
    """People whose next primary dose (or booster) is due by ``params.today``, longest waiting
    first (at most ``params.limit``): those who live in the area, or (address unknown) were
    vaccinated there.

    In an area the two kinds are two ordered queries merged (UNION ALL): each reads its own
    index (the area's people; the people without an address, then their doses by person).
    One query with an OR made PostgreSQL hash every dose given in a state for the second kind.
    """
    b = Beneficiary
    columns = (b.reference_id, b.name, b.birth_year, b.gender, b.last_dose_vaccine,
               b.next_dose_number, b.last_dose_on, b.next_due_from, b.next_due_until)
    due = (b.next_due_booster == booster, b.next_due_from <= params.today)
    if params.area is None:
        return (sa.select(*columns).where(*due).order_by(b.next_due_from, b.id)
                .limit(params.limit))
    area_ids = _area_ids(params)
    came_here = (sa.exists().where(DoseRecord.beneficiary_id == b.id,
                                   Facility.id == DoseRecord.facility_id,
                                   Facility.area_id.in_(area_ids)))
    parts = [sa.select(sa.select(*columns, b.id).where(*due, where)
                       .order_by(b.next_due_from, b.id).limit(params.limit).subquery())
             for where in (b.area_id.in_(area_ids), sa.and_(b.area_id.is_(None), came_here))]
    both = sa.union_all(*parts).subquery()
    return (sa.select(*[both.c[c.key] for c in columns])
            .order_by(both.c.next_due_from, both.c.id).limit(params.limit))


def due_rows(params: Params, tick, *, booster: bool) -> Iterator[tuple]:
    """Yield one row per person whose next dose (a primary dose or a booster) is due by today."""
    overdue, due = str(_l("Overdue")), str(_l("Due"))
    stmt = due_query(params, booster=booster)
    if params.limit is not None:  # a page: the first rows of the index, in one round trip
        result = db.session.execute(stmt)
    else:  # a download: every row, through a server-side cursor
        result = db.session.execute(stmt.execution_options(yield_per=FETCH_ROWS))
    i = 0
    try:
        for i, (reference_id, name, birth_year, gender, vaccine, number, last_on, due_from,
                due_until) in enumerate(result, 1):
            late = due_until is not None and due_until < params.today
            yield (reference_id, name, birth_year, gender_label(gender), vaccine_name(vaccine),
                   number - 1, last_on, number, due_from, due_until, overdue if late else due)
            if i % FETCH_ROWS == 0:
                tick(FETCH_ROWS)
        tick(i % FETCH_ROWS)
    finally:
        result.close()  # a page reads only its first rows: release the cursor now


def _size(params: Params, *, booster: bool) -> int:
    everyone = dataclasses.replace(params, limit=None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        due_query(everyone, booster=booster).order_by(None).subquery())) or 0


COLUMNS = (("reference_id", _l("Reference ID")), ("name", _l("Name")),
           ("birth_year", _l("Year of birth")), ("gender", _l("Gender")),
           ("vaccine", _l("Vaccine")), ("last_dose", _l("Last dose")),
           ("last_date", _l("Last dose on")), ("next_dose", _l("Next dose")),
           ("due_from", _l("Due from")), ("due_until", _l("Due until")), ("status", _l("Status")))

DOSE2_DUE = Report("dose2_due", _l("Primary doses due or overdue"), COLUMNS,
                   lambda params, tick: due_rows(params, tick, booster=False),
                   lambda params: _size(params, booster=False), personal=True)
BOOSTER_DUE = Report("booster_due", _l("Boosters due or overdue"), COLUMNS,
                     lambda params, tick: due_rows(params, tick, booster=True),
                     lambda params: _size(params, booster=True), personal=True)
