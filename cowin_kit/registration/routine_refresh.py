"""Bring the stored routine doses (``routine_due``, registration/routine_rows.py) up to date
with the calendar (issue #19): ``cowin-kit reports refresh-routine-due``, daily.

The rows are the schedule engine's answer on the day of the person's last change. The answer
moves on with the calendar alone when:

* a dose's last day passes (``last_day`` before today): a dose skipped when missed (the birth
  dose of OPV) gives way to the next one, a dose past its maximum age or its campaign's end is
  no longer given. Rows kept up to date never have a last day before today, so this needs no
  memory of the last run: every such row is stale, and a refresh leaves none;
* a child reaches the profile's ``documents_from`` (adult documents: no child's schedule) or a
  series' ``catch_up`` age (a late starter gets fewer doses): people with rows born in the
  matching window of days, from ``since`` to today;
* an open pregnancy's expected delivery is more than ``LATE`` past (from ``since`` to today).

A due or overdue date passing changes no row (the lists compare the stored dates with the day
asked about), so it selects nobody. Each chosen person is recomputed and written only if the
answer differs from what is stored: a second run writes nothing. On PostgreSQL a run holds an
advisory lock; a second run started meanwhile finds it taken and stops.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cowin_kit.core.db import run_lock
from cowin_kit.profiles.ages import after
from cowin_kit.registration.models import Beneficiary, Pregnancy, RoutineDue
from cowin_kit.registration.routine_rows import LATE, compute, write

#: Any 64-bit number: the PostgreSQL advisory lock one refresh holds.
LOCK_KEY = 0x524F5554494E4552  # "ROUTINER"
#: Calendar ages (months, years) land a day or two either side: widen the birth windows.
SLACK = dt.timedelta(days=3)
#: The stored columns compared with the engine's answer.
ROW = ("programme", "antigen", "dose_number", "dose_name", "due_on", "overdue_on", "last_day",
       "area_id")


@dataclasses.dataclass
class RefreshResult:
    """What a refresh did (the CLI prints it)."""

    busy: bool = False
    stale: int = 0     # people chosen
    changed: int = 0   # people whose rows or earliest dates were rewritten
    rows: int = 0      # rows written


def _ages(routine) -> set:
    """The ages at which a child's answer changes by itself: adult documents, catch-ups."""
    ages = {routine.documents_from} if routine.documents_from is not None else set()
    for programme in routine.programmes:
        if programme.anchor == "birth":
            ages.update(c.from_age for s in programme.series for c in s.catch_up)
    return ages


def stale_statements(routine, since: dt.date, today: dt.date) -> list[sa.Select]:
    """The statements selecting the people whose rows may have gone stale (ids)."""
    r = RoutineDue
    found = [sa.select(r.beneficiary_id).where(r.last_day < today).distinct()]
    has_rows = sa.select(r.beneficiary_id).where(r.beneficiary_id == Beneficiary.id).exists()
    for age in _ages(routine):
        low, high = after(since, -age), after(today, -age)
        found.append(sa.select(Beneficiary.id).where(
            Beneficiary.birth_date > low - SLACK, Beneficiary.birth_date <= high + SLACK,
            has_rows))
    p = Pregnancy
    found.append(sa.select(p.beneficiary_id).where(
        p.ended_on.is_(None), p.expected_delivery >= since - LATE,
        p.expected_delivery < today - LATE).distinct())
    return found


def stale_people(session: Session, routine, since: dt.date, today: dt.date) -> list[int]:
    """The ids of the people to recompute, in order."""
    ids: set[int] = set()
    for statement in stale_statements(routine, since, today):
        ids.update(session.scalars(statement))
    return sorted(ids)


def _stored(session: Session, ids: list[int]) -> dict[int, set]:
    found: dict[int, set] = {i: set() for i in ids}
    columns = [getattr(RoutineDue, c) for c in ROW]
    for beneficiary_id, *row in session.execute(
            sa.select(RoutineDue.beneficiary_id, *columns)
            .where(RoutineDue.beneficiary_id.in_(ids))):
        found[beneficiary_id].add(tuple(row))
    return found


def refresh_ids(session: Session, routine, ids: list[int], today: dt.date) -> tuple[int, int]:
    """Recompute these people; write those whose answer changed. Return (people, rows)."""
    b = Beneficiary
    # PostgreSQL: a desk recording a dose for one of them now waits for this batch (its
    # UPDATE of the person), or this batch for it, and then reads its dose.
    people = session.execute(
        sa.select(b.id, b.birth_date, b.birth_year, b.gender, b.area_id, b.next_routine_due,
                  b.next_routine_overdue).where(b.id.in_(ids)).order_by(b.id)
        .with_for_update(of=b, key_share=True)).all()
    rows, earliest = compute(session, routine, people, today)
    stored, before = _stored(session, ids), {p.id: p for p in people}
    changed = [e for e in earliest if (
        {tuple(r[c] for c in ROW) for r in rows[e["i"]]} != stored[e["i"]]
        or (e["due"], e["overdue"]) != (before[e["i"]].next_routine_due,
                                        before[e["i"]].next_routine_overdue))]
    written = write(session, {e["i"]: rows[e["i"]] for e in changed}, changed)
    return len(changed), written


def refresh(session: Session, routine, since: dt.date, today: dt.date, *, batch: int = 2000,
            lock: bool = True, start: Callable[[int], None] = lambda n: None,
            progress: Callable[[int], None] = lambda n: None) -> RefreshResult:
    """Refresh the stale people (see the module's docstring), ``batch`` per transaction.
    ``start`` gets how many were chosen, ``progress`` each batch's size. Without ``lock`` two
    runs at once still write each person once: a batch locks its people's rows (PostgreSQL)
    and compares with what is stored once it has them."""
    result = RefreshResult()
    if routine is None:
        return result
    with (run_lock(session.get_bind(), LOCK_KEY) if lock else nullcontext(True)) as free:
        if not free:
            result.busy = True
            return result
        ids = stale_people(session, routine, since, today)
        result.stale = len(ids)
        start(len(ids))
        for i in range(0, len(ids), batch):
            chunk = ids[i:i + batch]
            people, rows = refresh_ids(session, routine, chunk, today)
            session.commit()
            result.changed += people
            result.rows += rows
            progress(len(chunk))
        session.commit()
    return result
