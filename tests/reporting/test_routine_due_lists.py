"""Routine due and overdue lists per antigen (#19 item 5): read from the stored open doses
(``routine_due``), they name exactly the people the schedule engine says are due or overdue
for each antigen, inside the reader's area; pages go on by key; every query uses an index."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import uuid

import pytest
import sqlalchemy as sa

from tests.reporting.conftest import make_staff, sign_in

W = dt.timedelta(weeks=1)


@pytest.fixture
def india_client(india):
    return india.test_client()


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]


def _children(db, world, india):
    """Children of several ages in S1 (two districts) and one in S2, their rows stored by the
    same code the desk runs (in India's app: its routine schedule); a routine dose given to
    one. Returns {key: (id, reference_id, area code)} and today."""
    from cowin_kit.registration import children
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.reporting.labels import local_today

    areas = {code: area.id for code, area in world.areas.items()}
    db.session.commit()
    made = {}
    with india.app_context():
        today = local_today()
        for key, area, age in (("new", "S1-D1", 5), ("weeks", "S1-D2", 7 * 7),
                               ("months", "S1-D1", 7 * 30), ("toddler", "S1-D2", 500),
                               ("away", "S2-D1", 7 * 30)):
            birth = today - dt.timedelta(days=age)
            child = Beneficiary(reference_id=str(uuid.uuid4().int)[:14], name=f"Child {key}",
                                birth_year=birth.year, birth_date=birth, gender="F",
                                area_id=areas[area])
            db.session.add(child)
            db.session.flush()
            children.store_next_routine_due(child, today)
            made[key] = (child.id, child.reference_id, area)
            if key == "weeks":
                children.record_routine_dose(None, None, child, product="opv", lot="L1",
                                             given_on=today - W)
        db.session.commit()
    return made, today


def _engine(db, india, people, today, area_prefix):
    """{(antigen, status): {reference_id}} from the engine asked today, in the area."""
    from cowin_kit.registration import children
    from cowin_kit.registration.models import Beneficiary

    found: dict[tuple, set] = {}
    with india.app_context():
        for person_id, reference_id, area in people.values():
            if not area.startswith(area_prefix):
                continue
            for dose in children.routine_due(db.session.get(Beneficiary, person_id), today,
                                             every=True):
                found.setdefault((dose.antigen, dose.status), set()).add(reference_id)
    return found


def test_lists_per_antigen_name_exactly_the_engines_people_in_the_area(india_client, db, world):
    from cowin_kit.core.models import AuditEntry

    people, today = _children(db, world, india_client.application)
    expected = _engine(db, india_client.application, people, today, "S1")
    assert expected.get(("bcg", "overdue")) and expected.get(("bcg", "due"))
    sign_in(india_client, make_staff(db, "area_admin", area=world.areas["S1"]))
    views = 0
    with india_client.application.app_context():
        from cowin_kit.profiles import get_profile

        antigens = [a.id for a in get_profile().routine.antigens]
    for antigen in antigens:
        for status in ("due", "overdue"):
            rows = _rows(india_client.get(
                f"/staff/reports/routine_due.csv?antigen={antigen}&status={status}"))
            views += 1
            assert {r[0] for r in rows} == expected.get((antigen, status), set()), \
                (antigen, status)
            assert people["away"][1] not in {r[0] for r in rows}
    # Both at once, longest waiting first, with the dose's name from the schedule; the end
    # date reaches the dose given a week ago's next one (OPV-2, four weeks after OPV-1).
    ahead = (today + 5 * W).isoformat()
    rows = _rows(india_client.get(f"/staff/reports/routine_due.csv?antigen=opv&to={ahead}"))
    views += 1
    assert [r[5] for r in rows if r[0] == people["weeks"][1]] == ["OPV-2"]
    due_dates = [r[6] for r in rows]
    assert due_dates == sorted(due_dates)
    assert {r[-1] for r in rows} == {"Due", "Overdue"}
    # Outside the reader's area: refused (and logged), not an empty list.
    assert india_client.get("/staff/reports/routine_due?area=S2&antigen=bcg").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "report.export")) == views


def test_bad_antigen_status_or_page_key_is_a_clear_422(india_client, db, world):
    sign_in(india_client, make_staff(db, "national_admin"))
    for query in ("antigen=smallpox", "status=late", "after=yesterday"):
        response = india_client.get(f"/staff/reports/routine_due?{query}")
        assert response.status_code == 422, query
    assert india_client.get("/staff/reports/routine_due.csv?antigen=nope").status_code == 422


def test_pages_go_on_after_the_last_rows_key(india_client, db, world, monkeypatch):
    from cowin_kit.reporting import staff_views

    _children(db, world, india_client.application)
    sign_in(india_client, make_staff(db, "national_admin"))
    everyone = [(r[0], r[4]) for r in _rows(india_client.get(
        "/staff/reports/routine_due.csv?status=overdue"))]
    assert len(everyone) > 3
    monkeypatch.setattr(staff_views, "PAGE_ROWS", 2)
    seen, url, pages = [], "/staff/reports/routine_due?status=overdue", 0
    while url:
        page = india_client.get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        seen += [tuple(re.findall(r"<td>(.*?)</td>", row)[i] for i in (0, 4))
                 for row in body.split("</tr>") if "<td>" in row]
        link = re.search(r'rel="next" href="([^"]+)"', text)
        url = html.unescape(link.group(1)) if link else None
        pages += 1
    assert pages == (len(everyone) + 1) // 2
    assert [(ref, html.unescape(name)) for ref, name in seen] == everyone


def test_cli_export_takes_an_antigen_and_a_status(india, db, world, runner, database_url,
                                                  tmp_path):
    from cowin_kit.cli import cli

    people, _today = _children(db, world, india)
    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_PROFILES_DIR": india.config["PROFILES_DIR"]}
    out = tmp_path / "due.csv"
    result = runner.invoke(cli, ["reports", "export", "routine_due", "--format", "csv",
                                 "--antigen", "bcg", "--status", "due", "--output", str(out)],
                           env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))[1:]
    assert {r[0] for r in rows} == {people["new"][1]}
    result = runner.invoke(cli, ["reports", "export", "routine_due", "--format", "csv",
                                 "--antigen", "smallpox", "--output", str(out)], env=env)
    assert result.exit_code == 2 and "antigen" in result.output


@pytest.mark.postgres
def test_routine_due_and_reminder_queries_use_indexes(india, db, world):
    """With sequential scans priced out, neither the lists (each antigen and status, national
    and an area) nor the overdue reminders' pages read beneficiary or routine_due in full."""
    import json

    from cowin_kit.reminders.selection import Settings, page
    from cowin_kit.reporting.reports import Params
    from cowin_kit.reporting.routine_due import ROUTINE_DUE
    from tests.reporting.test_due_lists import _full_scans, statements_run

    _people, today = _children(db, world, india)
    with statements_run(db.engine, "routine_due") as statements:
        for area in (None, world.areas["S1"]):
            for antigen in (None, "opv"):
                for status in (None, "due", "overdue"):
                    params = Params(area=area, date_from=today, date_to=today, today=today,
                                    limit=201, antigen=antigen, status=status)
                    list(ROUTINE_DUE.rows(params, lambda n: None))
                    params.after = params.keys[0] if params.keys else None
                    list(ROUTINE_DUE.rows(params, lambda n: None))
        for repeat in (0, 1):
            page("routine_overdue", repeat, today, Settings(batch=1), None)
            page("routine_overdue", repeat, today, Settings(batch=1), (today, 0))
    assert len(statements) >= 24
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                        parameters).scalar()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            scans = set(_full_scans(plan[0]["Plan"])) & {"beneficiary", "routine_due"}
            assert not scans, f"full scan of {scans} in:\n{statement}"
