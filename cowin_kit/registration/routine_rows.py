"""Each person's open routine doses, one row per programme and antigen (``RoutineDue``), for the
due and overdue lists per antigen and the overdue reminders (issue #19).

The schedule engine (``profiles.routine.next_doses``) decides; this module stores its answer
in the transaction of every change it depends on (registration/children.py calls ``store``
when a child is registered, a routine dose is recorded, a pregnancy recorded or ended). What
is stored is the engine's answer on the day of that change: the recommended date
(``due_on``), the day the dose becomes overdue (``overdue_on``) and the last day it is given
(``last_day``). A list for a later day ``D`` is then ``due_on <= D`` (overdue:
``overdue_on <= D``) with ``last_day`` not before ``D``. A flush hook (``install``) covers the
changes made elsewhere through the ORM: a corrected birth date or gender (a certificate
correction), a routine dose corrected or deleted. Rows written around it (bulk loads) or a
change to routine.yaml are repaired by ``cowin-kit reports rebuild-due`` (``rebuild``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.profiles import get_profile

from cowin_kit.profiles.ages import after
from cowin_kit.profiles.routine import COMPLETE, NO_LONGER_DUE, NextDose
from cowin_kit.profiles.routine import Pregnancy as Term
from cowin_kit.profiles.routine import next_doses
from cowin_kit.registration.models import Beneficiary, Pregnancy, RoutineDose, RoutineDue
from cowin_kit.registration.next_due import changed_people
from cowin_kit.registration.operations import _today

#: How long after the expected delivery date an open pregnancy still counts as current.
LATE = dt.timedelta(weeks=2)


def is_child(routine, birth_date: dt.date | None, on: dt.date) -> bool:
    """Birth-anchored programmes apply to people registered with a full birth date who are
    younger than the profile's ``documents_from``."""
    return birth_date is not None and (
        routine.documents_from is None or on < after(birth_date, routine.documents_from))


def engine_for(routine, person, pregnancy: Pregnancy | None):
    """The engine for ``person`` (``birth_date``, ``birth_year``, ``gender``) and their current
    ``pregnancy``: a function (day, history of (product, given on)) -> the next doses."""
    term = Term(pregnancy.start, pregnancy.ended_on) if pregnancy is not None else None
    birth = person.birth_date or dt.date(person.birth_year, 1, 1)
    return lambda on, history: next_doses(routine, birth, on, [tuple(h) for h in history],
                                          pregnancy=term, sex=person.gender)


def open_doses(routine, person, pregnancy: Pregnancy | None, history: Iterable[tuple],
               on: dt.date) -> list[NextDose]:
    """The person's open routine doses on ``on``: the next dose of each antigen of each
    programme that applies (pregnancy programmes only with a current ``pregnancy``), which can
    still be given. ``person``: ``birth_date``, ``birth_year``, ``gender``."""
    child = is_child(routine, person.birth_date, on)
    if not child and pregnancy is None:
        return []
    doses = engine_for(routine, person, pregnancy)(on, history)
    if not child:
        pregnancy_programmes = {p.id for p in routine.programmes if p.anchor == "pregnancy"}
        doses = [d for d in doses if d.programme in pregnancy_programmes]
    return [d for d in doses if d.status not in (COMPLETE, NO_LONGER_DUE) and d.can_give]


def rows_of(person, doses: Iterable[NextDose]) -> list[dict]:
    """The rows of ``person`` (``id``, ``area_id``) for these open doses."""
    found: dict[tuple, dict] = {}
    for d in doses:
        found.setdefault((d.programme, d.antigen), {
            "beneficiary_id": person.id, "area_id": person.area_id, "programme": d.programme,
            "antigen": d.antigen,
            "dose_number": d.number, "dose_name": (d.name or None) and d.name[:60],
            "due_on": d.due, "overdue_on": d.overdue_from, "last_day": d.last_day})
    return list(found.values())


def store(connection: sa.Connection, rows_by_person: dict[int, list[dict]]) -> int:
    """Replace the rows of these people with ``rows_by_person``; return the rows written."""
    if not rows_by_person:
        return 0
    table = RoutineDue.__table__
    connection.execute(table.delete().where(table.c.beneficiary_id.in_(list(rows_by_person))))
    rows = [r for person_rows in rows_by_person.values() for r in person_rows]
    if rows:
        connection.execute(table.insert(), rows)
    return len(rows)


def current_pregnancies(session: Session, ids: list[int], on: dt.date) -> dict[int, Pregnancy]:
    """Each person's current pregnancy (open, expected delivery not long past), the latest."""
    found: dict[int, Pregnancy] = {}
    for pregnancy in session.scalars(
            sa.select(Pregnancy).where(Pregnancy.beneficiary_id.in_(ids),
                                       Pregnancy.ended_on.is_(None),
                                       Pregnancy.expected_delivery >= on - LATE)
            .order_by(Pregnancy.start.desc())):
        found.setdefault(pregnancy.beneficiary_id, pregnancy)
    return found


def _candidates(routine, today: dt.date, after_id: int, batch: int) -> sa.Select:
    """People who may have routine rows: children, women with a pregnancy, anyone with rows."""
    b = Beneficiary
    young = b.birth_date.is_not(None)
    if routine is not None and routine.documents_from is not None:
        young = b.birth_date > after(today, -routine.documents_from) - dt.timedelta(days=1)
    who = sa.or_(young, b.id.in_(sa.select(Pregnancy.beneficiary_id)),
                 b.id.in_(sa.select(RoutineDue.beneficiary_id)))
    if routine is None:
        who = b.id.in_(sa.select(RoutineDue.beneficiary_id))
    return (sa.select(b.id, b.birth_date, b.birth_year, b.gender, b.area_id)
            .where(b.id > after_id, who).order_by(b.id).limit(batch))


def refresh_batch(session: Session, routine, people: list, today: dt.date) -> int:
    """Recompute and store the rows (and the person's earliest dates) of ``people``."""
    rows, earliest = compute(session, routine, people, today)
    return write(session, rows, earliest)


def compute(session: Session, routine, people: list, today: dt.date
            ) -> tuple[dict[int, list[dict]], list[dict]]:
    """The rows of ``people`` on ``today``, and each one's earliest dates (for ``write``)."""
    ids = [p.id for p in people]
    history: dict[int, list] = {i: [] for i in ids}
    for person_id, product, given_on in session.execute(
            sa.select(RoutineDose.beneficiary_id, RoutineDose.product, RoutineDose.given_on)
            .where(RoutineDose.beneficiary_id.in_(ids))):
        history[person_id].append((product, given_on))
    pregnancies = current_pregnancies(session, ids, today) if routine is not None else {}
    rows, earliest = {}, []
    for person in people:
        doses = [] if routine is None else open_doses(
            routine, person, pregnancies.get(person.id), history[person.id], today)
        rows[person.id] = rows_of(person, doses)
        earliest.append({"i": person.id, "due": min((d.due for d in doses), default=None),
                         "overdue": min((d.overdue_from for d in doses), default=None)})
    return rows, earliest


def write(session: Session, rows: dict[int, list[dict]], earliest: list[dict]) -> int:
    """Store ``rows`` and the earliest dates (``compute``) of these people."""
    written = store(session.connection(), rows)
    if not earliest:
        return written
    session.execute(sa.update(Beneficiary.__table__)
                    .where(Beneficiary.__table__.c.id == sa.bindparam("i"))
                    .values(next_routine_due=sa.bindparam("due"),
                            next_routine_overdue=sa.bindparam("overdue")), earliest)
    return written


def rebuild(session: Session, routine, today: dt.date, *, batch: int = 2000,
            progress: Callable[[int], None] = lambda n: None) -> int:
    """Recompute every routine row, ``batch`` people per transaction; return rows written."""
    written, after_id = 0, 0
    while True:
        people = session.execute(_candidates(routine, today, after_id, batch)).all()
        if not people:
            return written
        written += refresh_batch(session, routine, people, today)
        session.commit()
        after_id = people[-1].id
        progress(len(people))


def candidates_count(session: Session, routine, today: dt.date) -> int:
    stmt = _candidates(routine, today, 0, None).order_by(None).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(stmt)) or 0


# -- the flush hook ---------------------------------------------------------------------------

PENDING = "registration.routine_due_people"
#: Facts about the person and about a routine dose the engine reads.
PERSON_FACTS = ("birth_date", "birth_year", "gender", "area_id")
DOSE_FACTS = ("beneficiary_id", "product", "given_on")
EARLIEST = ("next_routine_due", "next_routine_overdue")


def _before_flush(session: Session, flush_context, instances) -> None:
    """Note whose routine rows this flush may change (a new dose or person is stored by the
    code that records it: registration/children.py)."""
    people = changed_people(session, RoutineDose, DOSE_FACTS, PERSON_FACTS)
    if people:
        session.info.setdefault(PENDING, set()).update(people)


def _after_flush(session: Session, flush_context) -> None:
    people = session.info.pop(PENDING, None)
    if not people or not has_app_context():
        return
    profile = get_profile()
    b = Beneficiary
    rows = session.execute(sa.select(b.id, b.birth_date, b.birth_year, b.gender, b.area_id)
                           .where(b.id.in_(people)).order_by(b.id)).all()
    if not rows:
        return
    refresh_batch(session, profile.routine, rows, _today(profile))
    mapper = sa.inspect(Beneficiary)
    for person_id, *values in session.execute(
            sa.select(b.id, *(getattr(b, n) for n in EARLIEST)).where(b.id.in_(people))):
        obj = session.identity_map.get(mapper.identity_key_from_primary_key((person_id,)))
        if obj is not None:
            for name, value in zip(EARLIEST, values):
                set_committed_value(obj, name, value)


def install() -> None:
    """Listen to every ORM session's flushes (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
