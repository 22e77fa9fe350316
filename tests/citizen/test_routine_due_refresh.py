"""The daily refresh of the stored routine doses (``cowin-kit reports refresh-routine-due``,
registration/routine_refresh.py): a dose whose window closed gives way to the next, nobody
else is rewritten, a second run (after or at the same time) writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from cowin_kit.profiles import get_profile
from cowin_kit.profiles.ages import after
from cowin_kit.registration import children, routine_refresh, routine_rows
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary, RoutineDue
from tests.citizen.helpers import sign_up
from tests.dbutil import at_once

D = dt.timedelta(days=1)


def _today() -> dt.date:
    return ops._today(get_profile())


def _child(account, name: str, age_days: int) -> Beneficiary:
    return children.add_child(account, name=name, birth_date=_today() - age_days * D,
                              gender="F", guardian="mother")


def _rows(db, child) -> dict[str, tuple]:
    """{antigen: (dose name, due on, last day)} of the child's rows."""
    db.session.expire_all()
    return {r.antigen: (r.dose_name, r.due_on, r.last_day) for r in db.session.scalars(
        sa.select(RoutineDue).where(RoutineDue.beneficiary_id == child.id))}


def _refresh(db, on: dt.date, **kwargs) -> routine_refresh.RefreshResult:
    return routine_refresh.refresh(db.session, get_profile().routine, on - D, on, **kwargs)


def _written(db):
    """Collect the INSERT, UPDATE and DELETE statements a block runs (with their parameters)."""
    found: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            found.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    return found, lambda: sa.event.remove(db.engine, "before_cursor_execute", capture)


def _count(found, prefix: str) -> int:
    """How many rows the statements starting with ``prefix`` wrote (executemany: each)."""
    return sum(len(p) if isinstance(p, list) else 1 for s, p in found
               if s.lstrip().startswith(prefix))


def test_closed_window_gives_way_to_the_next_dose_and_nobody_else_is_written(db, account):
    newborn = _child(account, "Asha", 10)  # OPV-0 open till day 14 of life
    older = _child(account, "Bela", 40)  # OPV-1 falls due (day 42) before the refresh below
    rows, others = _rows(db, newborn), _rows(db, older)
    assert rows["opv"][0] == "OPV-0"
    closed = rows["opv"][2]
    on = closed + D  # the window closed yesterday
    assert others["opv"][0] == "OPV-1" and _today() < others["opv"][1] <= on

    found, stop = _written(db)
    try:
        result = _refresh(db, on)
    finally:
        stop()
    assert (result.stale, result.changed) == (1, 1)
    assert _rows(db, newborn)["opv"][0] == "OPV-1"
    assert _rows(db, older) == others  # its due date passed: nothing to change, untouched
    # one person rewritten: their rows deleted and inserted, their earliest dates updated
    assert _count(found, "DELETE FROM routine_due") == 1
    assert _count(found, "INSERT INTO routine_due") == len(_rows(db, newborn))
    assert _count(found, "UPDATE beneficiary") == 1
    # what a full recomputation on that day gives
    person = db.session.get(Beneficiary, newborn.id)
    want, earliest = routine_rows.compute(db.session, get_profile().routine, [person], on)
    assert {r["antigen"]: (r["dose_name"], r["due_on"], r["last_day"])
            for r in want[newborn.id]} == _rows(db, newborn)
    assert (person.next_routine_due, person.next_routine_overdue) == (
        earliest[0]["due"], earliest[0]["overdue"])


def test_a_second_run_writes_nothing(db, account):
    child = _child(account, "Asha", 10)
    on = _rows(db, child)["opv"][2] + D
    first = _refresh(db, on)
    assert first.changed == 1 and first.rows > 0
    after_first = _rows(db, child)
    found, stop = _written(db)
    try:
        second = _refresh(db, on)
    finally:
        stop()
    assert (second.stale, second.changed, second.rows) == (0, 0, 0)
    assert not [s for s, _p in found if "routine_due" in s or "beneficiary" in s]
    assert _rows(db, child) == after_first


def test_chosen_but_unchanged_people_are_not_rewritten(db, account, monkeypatch):
    """A child chosen by a birth window (here: any age crossed today, 100 days) whose stored
    answer is the engine's: nothing is written."""
    child = _child(account, "Asha", 100)
    before = _rows(db, child)
    monkeypatch.setattr(routine_refresh, "_ages", lambda routine: {dt.timedelta(days=100)})
    found, stop = _written(db)
    try:
        result = _refresh(db, _today())
    finally:
        stop()
    assert (result.stale, result.changed, result.rows) == (1, 0, 0) and not found
    assert _rows(db, child) == before


def test_a_child_reaching_adult_documents_loses_the_rows(db, account):
    child = _child(account, "Asha", 100)
    adult = after(child.birth_date, get_profile().routine.documents_from)
    assert routine_refresh.stale_people(db.session, get_profile().routine, adult - D,
                                        adult) == [child.id]
    windows = routine_refresh.stale_statements(get_profile().routine, adult - D, adult)[1:-1]
    assert [i for w in windows for i in db.session.scalars(w)] == [child.id]  # not only by
    # its doses' last days
    result = _refresh(db, adult)
    assert result.changed == 1 and _rows(db, child) == {}
    assert db.session.get(Beneficiary, child.id).next_routine_due is None


def test_no_routine_schedule_refreshes_nothing(db):
    assert routine_refresh.refresh(db.session, None, _today() - D, _today()).stale == 0


def _race(app, runs: int, on: dt.date, lock: bool) -> list[routine_refresh.RefreshResult]:
    from cowin_kit.core.db import db as database

    return at_once(app, runs, lambda: routine_refresh.refresh(
        database.session, get_profile().routine, on - D, on, batch=3, lock=lock))


@pytest.mark.postgres
@pytest.mark.parametrize("runs, lock", [(2, True), (3, False)], ids=["locked", "row-locks"])
def test_runs_at_once_do_the_work_once(make_app, db, app, runs, lock):
    """Locked: one run works, the other finds the lock taken (or starts after and finds
    nothing stale). Without it each batch's row locks keep a person from a second write."""
    people = [_child(sign_up(f"98765{i:05d}"), f"Child {chr(65 + i)}", 10)
              for i in range(8)]
    on = _rows(db, people[0])["opv"][2] + D
    racer = make_app(DB_POOL_SIZE=10, DB_MAX_OVERFLOW=0)
    results = _race(racer, runs, on, lock)
    assert sum(r.changed for r in results) == 8, results
    assert sum(r.rows for r in results) == sum(len(_rows(db, p)) for p in people), results
    if lock:
        assert sorted((r.busy, r.changed) for r in results) in ([(False, 0), (False, 8)],
                                                                [(False, 8), (True, 0)])
    assert {_rows(db, p)["opv"][0] for p in people} == {"OPV-1"}


def _many(db, n: int) -> None:
    """``n`` children of ages from a day to 17 years, their rows stored as the desk does."""
    today = _today()
    for i in range(n):
        birth = today - dt.timedelta(days=1 + i * 6200 // n)
        child = Beneficiary(reference_id=f"{90000000000000 + i}", name="Child",
                            birth_year=birth.year, birth_date=birth, gender="F")
        db.session.add(child)
        db.session.flush()
        children.store_next_routine_due(child, today)
    db.session.commit()


def _plans(db, statements) -> dict[str, set]:
    from tests.reporting.test_due_lists import _full_scans

    found = {}
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement in statements:
            compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}").scalar()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            found[str(compiled)] = set(_full_scans(plan[0]["Plan"])) & {"beneficiary",
                                                                         "routine_due"}
    return found


@pytest.mark.postgres
def test_birth_windows_and_batches_use_indexes(db, account):
    """With sequential scans priced out, choosing people by a birth window (and their rows,
    by person) reads neither beneficiary nor routine_due in full."""
    child = _child(account, "Asha", 10)
    _many(db, 80)
    today = _today()
    routine = get_profile().routine
    windows = routine_refresh.stale_statements(routine, today - 30 * D, today)[1:-1]
    assert windows
    ids = [child.id]
    batch = [sa.select(RoutineDue).where(RoutineDue.beneficiary_id.in_(ids)),
             sa.select(Beneficiary.id).where(Beneficiary.id.in_(ids))]
    scans = _plans(db, windows + batch)
    assert not any(scans.values()), scans


@pytest.mark.postgres
def test_closed_windows_are_found_by_index(db, account):
    _child(account, "Asha", 10)
    _many(db, 80)
    today = _today()
    first = routine_refresh.stale_statements(get_profile().routine, today - D, today)[0]
    scans = _plans(db, [first])
    assert not any(scans.values()), scans


def test_cli_refreshes_rows_stored_on_an_earlier_day(db, account, runner, cli_env):
    """Rows stored on an earlier day (a dose recorded late is stored as of its day) whose
    window has closed since are refreshed by the command; a second run updates nobody."""
    from cowin_kit.cli import cli

    child = _child(account, "Asha", 20)
    children.store_next_routine_due(child, child.birth_date + 5 * D)  # OPV-0 open then
    db.session.commit()
    assert _rows(db, child)["opv"][0] == "OPV-0"
    result = runner.invoke(cli, ["reports", "refresh-routine-due"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "updated 1 " in result.output
    assert _rows(db, child)["opv"][0] == "OPV-1"
    result = runner.invoke(cli, ["reports", "refresh-routine-due", "--since", "2026-01-01"],
                           env=cli_env)
    assert result.exit_code == 0 and "updated 0 " in result.output, result.output
    result = runner.invoke(cli, ["reports", "refresh-routine-due", "--since", "yesterday"],
                           env=cli_env)
    assert result.exit_code == 2 and "--since" in result.output
