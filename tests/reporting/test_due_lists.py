"""The due lists read from the stored next dose equal what the schedule engine says person by
person; every report query can be answered from indexes (no sequential scan)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections import defaultdict

import pytest
import sqlalchemy as sa

from tests.reporting.conftest import TODAY


def engine_lists(db, area, day: dt.date) -> dict[bool, dict]:
    """{booster: {reference_id: (next dose, due from, due until, overdue)}}, from every
    person's doses and ``profiles.schedule.next_dose`` asked on ``day`` (the former report)."""
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.schedule import DoseGiven, DueDose, Person, next_dose
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.vaccination.models import DoseRecord

    profile = get_profile()
    doses = defaultdict(list)
    given_at = defaultdict(set)
    for dose, path in db.session.execute(
            sa.select(DoseRecord, Area.path).join(Facility, Facility.id == DoseRecord.facility_id)
            .join(Area, Area.id == Facility.area_id)):
        if dose.administered_on <= day:
            doses[dose.beneficiary_id].append(dose)
            given_at[dose.beneficiary_id].add(path)
    homes = dict(db.session.execute(sa.select(Beneficiary.id, Area.path).outerjoin(
        Area, Area.id == Beneficiary.area_id)).all())
    lists: dict[bool, dict] = {False: {}, True: {}}
    for person in db.session.scalars(sa.select(Beneficiary).where(
            Beneficiary.id.in_(list(doses)))):
        home = homes[person.id]
        if area is not None and not (home.startswith(area.path) if home else any(
                p.startswith(area.path) for p in given_at[person.id])):
            continue
        history = [DoseGiven(d.vaccine, d.dose_number, d.administered_on, d.is_booster)
                   for d in doses[person.id]]
        who = Person(birth_year=person.birth_year, birth_date=person.birth_date,
                     groups=tuple(person.groups or ()), gender=person.gender)
        due = next_dose(profile, who, history, day)
        if not isinstance(due, DueDose) or due.earliest > day:
            continue
        # The list shows the first day the dose was allowed: the engine asked on the last dose.
        first = next_dose(profile, who, history, max(d.date for d in history))
        lists[due.is_booster][person.reference_id] = (
            due.dose_number, first.earliest, due.latest,
            due.latest is not None and due.latest < day)
    return lists


def report_lists(area, day: dt.date) -> dict[bool, dict]:
    from flask_babel import gettext

    from cowin_kit.reporting.due import BOOSTER_DUE, DOSE2_DUE
    from cowin_kit.reporting.reports import Params

    overdue = gettext("Overdue")
    params = Params(area=area, date_from=day, date_to=day, today=day)
    lists = {}
    for booster, report in ((False, DOSE2_DUE), (True, BOOSTER_DUE)):
        rows = list(report.rows(params, lambda n: None))
        assert len(rows) == report.size(params)
        assert [(r[8], r[0]) for r in rows] == sorted((r[8], r[0]) for r in rows)  # waiting longest first
        lists[booster] = {r[0]: (r[7], r[8], r[9], r[10] == overdue) for r in rows}
        assert all(r[5] == r[7] - 1 for r in rows)  # the last dose given, then the next
    return lists


def test_due_lists_equal_the_engine_on_a_seeded_country(app, db, world, runner, cli_env):
    from cowin_kit.cli import cli
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.reporting.labels import local_today

    # Two people without an address, vaccinated in S2-D1: listed under the area of the dose.
    for _ in range(2):
        person = world.person(birth_year=1970)
        person.area_id = None
        world.dose(person, facility_area="S2-D1", vaccine="comirnaty",
                   day=local_today() - dt.timedelta(days=400))
    db.session.commit()
    result = runner.invoke(cli, ["seed", "--beneficiaries", "1500", "--facilities", "12",
                                 "--days", "400", "--batch", "500"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Next doses" in result.output
    db.session.expire_all()
    today = local_today()
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Beneficiary.next_dose_number.is_not(None))) > 500
    for day in (today, today + dt.timedelta(days=90)):
        for area in (None, world.areas["S1"], world.areas["S2-D1"]):
            expected = engine_lists(db, area, day)
            assert expected[False] and expected[True]  # both lists have people to compare
            assert any(overdue for *_, overdue in expected[False].values())
            assert report_lists(area, day) == expected


def test_cli_rebuild_due_repairs_rows_written_around_the_hook(app, db, world, runner, cli_env):
    from cowin_kit.cli import cli
    from cowin_kit.registration.models import Beneficiary

    person = world.person(birth_year=1970)
    world.dose(person, vaccine="comirnaty", day=TODAY - dt.timedelta(days=30))
    db.session.execute(sa.update(Beneficiary).values(next_dose_number=None, next_due_from=None))
    db.session.commit()
    result = runner.invoke(cli, ["reports", "rebuild-due"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Updated the next dose of 1 people" in result.output
    db.session.expire_all()
    assert (person.next_dose_number, person.next_due_from) == (2, TODAY - dt.timedelta(days=9))


@contextlib.contextmanager
def statements_run(engine, wanted: str = "SELECT"):
    """Collect (statement, parameters) of each SELECT the block runs that contains ``wanted``."""
    found: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and wanted in statement:
            found.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        yield found
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)


BIG_TABLES = {"beneficiary", "dose_record", "vaccination_session", "appointment",
              "report_dose_counter", "report_dose_day_total", "aefi_report"}


def _full_scans(plan: dict) -> list[str]:
    """Tables read in full: a sequential scan, or an index walked without a condition."""
    whole = plan.get("Node Type") == "Seq Scan" or (
        plan.get("Node Type") in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan)
    found = [plan["Relation Name"]] if whole else []
    for child in plan.get("Plans", ()):
        found += _full_scans(child)
    return found


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["coverage", "dose2_due", "booster_due", "noshow", "wastage",
                                  "aefi"])
def test_report_queries_use_indexes(app, db, world, kind):
    """With sequential scans priced out, no report query reads a large table in full: its
    indexes exist and fit the query (the 1M-person plans: tests/benchmarks/bench_due.py)."""
    from cowin_kit.reporting.catalog import all_reports
    from cowin_kit.reporting.reports import Params

    person = world.person()
    dose = world.dose(person, day=TODAY - dt.timedelta(days=100))
    from cowin_kit.vaccination.models import AefiReport

    db.session.add(AefiReport(dose_record_id=dose.id, onset_at=dt.datetime(
        2021, 9, 1, tzinfo=dt.timezone.utc), severity="mild", outcome="recovered"))
    db.session.commit()
    engine = db.engine
    with statements_run(engine) as statements:
        for area in (None, world.areas["S1"]):
            params = Params(area=area, date_from=TODAY - dt.timedelta(days=29), date_to=TODAY,
                            today=TODAY)
            report = all_reports()[kind]
            list(report.rows(params, lambda n: None))
            report.size(params)
    assert statements
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                        parameters).scalar()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            scans = set(_full_scans(plan[0]["Plan"])) & BIG_TABLES
            assert not scans, f"full scan of {scans} in:\n{statement}"


def _due_people(db, world, n: int) -> None:
    """``n`` people given a first dose on the same day, whose second dose is now due."""
    for _ in range(n):
        world.dose(world.person(birth_year=1980), vaccine="comirnaty",
                   day=TODAY - dt.timedelta(days=30))
    db.session.commit()


def test_due_page_asks_the_database_for_one_page_only(app, client, db, world, monkeypatch):
    """The page's query carries a row limit (at 1M people the index then answers in order,
    without sorting every due person); the download still lists everyone."""
    from cowin_kit.reporting import staff_views
    from tests.reporting.conftest import make_staff, sign_in

    _due_people(db, world, 5)
    monkeypatch.setattr(staff_views, "PAGE_ROWS", 3)
    sign_in(client, make_staff(db, "national_admin"))
    with statements_run(db.engine, "next_due_from") as statements:
        page = client.get(f"/staff/reports/dose2_due?to={TODAY}").get_data(as_text=True)
    [(statement, _parameters)] = statements
    assert " LIMIT " in statement.upper()
    with statements_run(db.engine, "next_due_from") as statements:
        csv_text = client.get(f"/staff/reports/dose2_due.csv?to={TODAY}").get_data(as_text=True)
    [(statement, _parameters)] = statements
    assert " LIMIT " not in statement.upper()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == 3 and "Person " in body
    assert 'class="hint"' in page  # more rows than shown: download the file
    assert len(csv_text.strip().splitlines()) == 1 + 5


def test_due_page_formats_each_date_once_and_years_as_years(app, client, db, world,
                                                            monkeypatch):
    import flask_babel

    from tests.reporting.conftest import make_staff, sign_in

    _due_people(db, world, 6)
    sign_in(client, make_staff(db, "national_admin"))
    calls = []
    real = flask_babel.format_date

    def counted(value, *args, **kwargs):
        calls.append(value)
        return real(value, *args, **kwargs)

    monkeypatch.setattr(flask_babel, "format_date", counted)
    page = client.get(f"/staff/reports/dose2_due?to={TODAY}&lang=en").get_data(as_text=True)
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body)
    assert len(rows) == 6
    # Six people share their last dose, due-from and due-until dates: three dates to format.
    assert sorted(calls) == sorted(set(calls)) and len(calls) == 3
    cells = re.findall(r"<td>(.*?)</td>", rows[0])
    assert cells[2] == "1980"  # a year of birth, not the number 1,980
    assert real(TODAY - dt.timedelta(days=30), "medium") in cells  # the last dose, as before


@pytest.mark.postgres
def test_national_wastage_reads_vials_from_their_index_alone(app, db, world):
    """The country's doses opened over a period come from the open vials' (opened_on,
    facility_id) index, which carries their doses: an index-only scan, not the vials' rows
    (vacuumed, as a busy table is by autovacuum, and with sequential and bitmap scans priced
    out)."""
    from cowin_kit.reporting.reports import WASTAGE, Params

    world.vials(world.facilities["S1-D1"], TODAY, 10)
    db.session.commit()
    with statements_run(db.engine, "stock_open_vial") as statements:
        params = Params(area=None, date_from=TODAY - dt.timedelta(days=29), date_to=TODAY,
                        today=TODAY)
        rows = list(WASTAGE.rows(params, lambda n: None))
    assert rows and rows[0][2] == 10  # the facility's opened doses, read through the index
    [(statement, parameters)] = statements
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE stock_open_vial")  # the visibility map
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            conn.exec_driver_sql(f"SET {setting} = off")
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    reads = [(n["Node Type"], n.get("Index Name")) for n in nodes(plan[0]["Plan"])
             if n.get("Relation Name") == "stock_open_vial"]
    assert reads == [("Index Only Scan", "ix_stock_open_vial_opened_on_facility")]


def test_area_due_page_names_the_areas_to_the_planner(app, client, db, world):
    """An area's due list is asked with the area's ids as constants, not through a subquery on
    area paths: the planner then sees how few people a district has (at 1M people a district's
    first page took 205 ms walking the country's whole due index, 0.4 ms reading the district's
    people by area)."""
    from tests.reporting.conftest import make_staff, sign_in

    _due_people(db, world, 2)
    elsewhere = world.person(birth_year=1975, area_code="S2-D1")
    world.dose(elsewhere, vaccine="comirnaty", day=TODAY - dt.timedelta(days=30))
    db.session.commit()
    sign_in(client, make_staff(db, "national_admin"))
    with statements_run(db.engine, "next_due_from") as statements:
        page = client.get(f"/staff/reports/dose2_due?to={TODAY}&area=S1").get_data(as_text=True)
    [(statement, _parameters)] = statements
    assert "area.path" not in statement and "FROM area" not in statement
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == 2 and elsewhere.reference_id not in body


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


@pytest.mark.postgres
def test_area_due_list_finds_people_without_address_by_their_own_doses(app, db, world):
    """People without an address are listed where they were vaccinated: their doses are read
    person by person (dose_record by beneficiary_id), never every dose given in the area (at
    1M people a state's page hashed 230,000 dose records for it)."""
    from cowin_kit.reporting.due import DOSE2_DUE
    from cowin_kit.reporting.reports import Params

    _due_people(db, world, 3)
    unknown = world.person(birth_year=1975)
    unknown.area_id = None
    world.dose(unknown, vaccine="comirnaty", day=TODAY - dt.timedelta(days=30))
    db.session.commit()
    params = Params(area=world.areas["S1"], date_from=TODAY, date_to=TODAY, today=TODAY,
                    limit=201)
    with statements_run(db.engine, "next_due_from") as statements:
        rows = list(DOSE2_DUE.rows(params, lambda n: None))
    assert unknown.reference_id in {row[0] for row in rows} and len(rows) == 4
    [(statement, parameters)] = statements
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    doses = [n for n in _plan_nodes(plan[0]["Plan"]) if n.get("Relation Name") == "dose_record"]
    assert doses and all("beneficiary_id" in n.get("Index Cond", "") for n in doses), doses
