"""Ministry reports: coverage against targets, wastage, no-shows, AEFI, due lists, exports."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from cowin_kit.reporting import exports
from cowin_kit.reporting.models import TargetPopulation
from cowin_kit.reporting.operations import TargetsRejected, import_targets
from cowin_kit.reporting.catalog import all_reports
from cowin_kit.reporting.labels import local_today
from cowin_kit.reporting.reports import COVERAGE, Params
from tests.reporting.conftest import TODAY


def params(area=None, days=30, today=TODAY):
    return Params(area=area, date_from=today - dt.timedelta(days=days - 1), date_to=today,
                  today=today)


def rows(kind, p):
    return list(all_reports()[kind].rows(p, lambda n: None))


def test_coverage_against_targets_rolls_targets_up(app, db, world):
    from cowin_kit.profiles import get_profile

    saved = import_targets("area_code,age_band,population\n"
                           "S1-D1,18-44,100\nS1-D2,18-44,300\nS2,all,1000\n", get_profile())
    assert saved == 3
    for i in range(4):
        person = world.person(birth_year=1990)
        world.dose(person, facility_area="S1-D1" if i < 3 else "S1-D2",
                   vaccine="comirnaty", day=TODAY - dt.timedelta(days=40))
        if i == 0:
            world.dose(person, facility_area="S1-D1", vaccine="comirnaty", number=2)
    db.session.commit()
    table = {(r[0], r[2]): r for r in rows("coverage", params())}
    north = table[("S1", "18-44")]
    assert north[3] == 400 and north[4] == 4 and north[5] == 1  # target summed from districts
    assert north[7] == 1.0 and north[8] == 0.2  # 0.25 rounded half-even
    assert table[("S2", "all")][3] == 1000 and table[("S2", "all")][4] == 0
    district = {(r[0], r[2]): r for r in rows("coverage", params(world.areas["S1"]))}
    assert district[("S1-D1", "18-44")][3:6] == (100, 3, 1)


def test_bad_targets_file_changes_nothing_and_reports_every_line(app, db, world):
    from cowin_kit.profiles import get_profile

    import_targets("area_code,age_band,population\nS1,all,5\n", get_profile())
    with pytest.raises(TargetsRejected) as caught:
        import_targets("area_code,age_band,population\nS1,all,7\nNOPE,all,1\nS2,kids,1\n"
                       "S2,all,-3\nS1,all,8\n", get_profile())
    lines = {e.line: e.message for e in caught.value.errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "NOPE" in lines[3] and "kids" in lines[4] and "2" in lines[6]  # repeats line 2
    assert db.session.scalar(sa.select(TargetPopulation.population)) == 5


def test_wastage_no_shows_and_aefi(app, db, world):
    from cowin_kit.core.db import utcnow
    from cowin_kit.vaccination.models import AefiReport

    facility = world.facilities["S1-D1"]
    yesterday = TODAY - dt.timedelta(days=1)
    people = [world.person() for _ in range(4)]
    session = world.session(facility, yesterday,
                            list(zip(people, ["completed", "completed", "no_show", "booked"])),
                            doses_opened=20, capacity=50)
    doses = [world.dose(p, vaccine="comirnaty", day=yesterday, session=session)
             for p in people[:3]]
    db.session.add(AefiReport(dose_record_id=doses[0].id, onset_at=utcnow().replace(
        year=TODAY.year, month=TODAY.month, day=TODAY.day), severity="mild",
        outcome="recovered"))
    db.session.commit()
    assert rows("wastage", params()) == [(facility.code, facility.name, 20, 3, 17, 85.0)]
    assert rows("noshow", params()) == [(facility.code, facility.name, 4, 2, 2, 50.0)]
    aefi = rows("aefi", params())
    assert aefi == [("S1", "North", "PFIZER", "mild", 1, 3, 33333.3)]


def test_dose2_due_list_uses_the_schedule(app, db, world):
    due_person = world.person(birth_year=1980)
    world.dose(due_person, vaccine="comirnaty", day=TODAY - dt.timedelta(days=60))
    early = world.person(birth_year=1980)
    world.dose(early, vaccine="comirnaty", day=TODAY - dt.timedelta(days=2))
    done = world.person(birth_year=1980)
    world.dose(done, vaccine="comirnaty", day=TODAY - dt.timedelta(days=60))
    world.dose(done, vaccine="comirnaty", number=2, day=TODAY - dt.timedelta(days=20))
    db.session.commit()
    listed = rows("dose2_due", params())
    assert [r[0] for r in listed] == [due_person.reference_id]
    assert listed[0][7] == 2 and listed[0][8] <= TODAY


def test_xlsx_and_csv_exports_hold_every_row(app, db, world):
    for i in range(5):
        world.dose(world.person(), facility_area=["S1-D1", "S1-D2", "S2-D1"][i % 3],
                   vaccine="comirnaty")
    db.session.commit()
    expected = list(COVERAGE.rows(params(), lambda n: None))
    buffer = io.BytesIO()
    assert exports.write_xlsx(COVERAGE, params(), buffer) == len(expected) > 0
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == exports.header(COVERAGE)
    assert [tuple(v) for v in values[1:]] == [tuple(r) for r in expected]
    text = "".join(exports.csv_chunks(COVERAGE, params(), rows_per_chunk=1))
    assert text.lstrip("\ufeff").count("\n") == len(expected) + 1


def test_cli_export_writes_an_xlsx_with_progress(app, db, world, runner, cli_env, tmp_path):
    from cowin_kit.cli import cli

    for _ in range(3):
        # the country's today: the export runs to it (Peru's date lags UTC's for 5 hours)
        world.dose(world.person(), vaccine="comirnaty", day=local_today())
    db.session.commit()
    out = tmp_path / "coverage.xlsx"
    result = runner.invoke(cli, ["reports", "export", "coverage", "--format", "xlsx",
                                 "--output", str(out)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Exporting coverage" in result.output
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) >= 2
    bad = runner.invoke(cli, ["reports", "export", "nope", "-o", str(out)], env=cli_env)
    assert bad.exit_code == 2 and "coverage" in bad.output


def test_cli_targets_import_reports_lines_and_imports_all_or_nothing(app, db, world, runner,
                                                                     cli_env, tmp_path):
    from cowin_kit.cli import cli

    db.session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,age_band,population\nS1,all,10\nS9,all,3\n", encoding="utf-8")
    result = runner.invoke(cli, ["reports", "targets", str(bad)], env=cli_env)
    assert result.exit_code == 1 and f"{bad}:3:" in result.output
    assert f"{bad}:2:" not in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(TargetPopulation.id))) == 0
    good = tmp_path / "good.csv"
    good.write_text("area_code,age_band,population\nS1,all,10\nS2,60+,3\n", encoding="utf-8")
    result = runner.invoke(cli, ["reports", "targets", str(good)], env=cli_env)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.sum(TargetPopulation.population))) == 13


def test_booster_due_list_after_a_complete_series(app, db, world):
    later = dt.date(2022, 6, 1)
    boosted_due = world.person(birth_year=1960)
    world.dose(boosted_due, vaccine="comirnaty", day=dt.date(2021, 6, 1))
    world.dose(boosted_due, vaccine="comirnaty", number=2, day=dt.date(2021, 6, 29))
    recent = world.person(birth_year=1960)
    world.dose(recent, vaccine="comirnaty", day=dt.date(2022, 3, 1))
    world.dose(recent, vaccine="comirnaty", number=2, day=dt.date(2022, 4, 1))
    db.session.commit()
    listed = rows("booster_due", params(today=later))
    assert [r[0] for r in listed] == [boosted_due.reference_id]
    assert listed[0][7] == 3  # boosters continue the dose count
    assert rows("dose2_due", params(today=later)) == []
