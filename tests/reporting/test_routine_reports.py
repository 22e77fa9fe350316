"""Fully immunised children and dropout rates (#19 item 5): a small world of children born in
2024, some given every dose of India's FIC set by their first birthday, some dropped out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest

from tests.reporting.conftest import make_staff, sign_in

BIRTH = dt.date(2024, 3, 10)
FIC_DOSES = [("bcg", 0), ("opv", 0), ("opv", 42), ("opv", 70), ("opv", 98), ("penta", 42),
             ("penta", 70), ("penta", 98), ("mr", 280)]


@pytest.fixture
def india_client(india):
    return india.test_client()


def _child(db, world, area_code, doses, birth=BIRTH):
    from cowin_kit.registration.models import Beneficiary, RoutineDose

    child = Beneficiary(reference_id=uuid.uuid4().int.__str__()[:14], name="Child",
                        birth_year=birth.year, birth_date=birth, gender="F",
                        area_id=world.areas[area_code].id)
    db.session.add(child)
    db.session.flush()
    for product, days in doses:
        db.session.add(RoutineDose(beneficiary_id=child.id, product=product,
                                   given_on=birth + dt.timedelta(days=days)))
    return child


def _small_world(db, world):
    _child(db, world, "S1-D1", FIC_DOSES)  # fully immunised
    _child(db, world, "S1-D1", FIC_DOSES + [("mr", 500)])  # and MR-2
    # MR-1 after the first birthday: not fully immunised
    _child(db, world, "S1-D2", FIC_DOSES[:-1] + [("mr", 370)])
    _child(db, world, "S1-D2", [("bcg", 0), ("penta", 42)])  # dropped out after Penta1
    _child(db, world, "S2-D1", FIC_DOSES)
    _child(db, world, "S2-D1", FIC_DOSES, birth=dt.date(2023, 5, 1))  # another cohort
    db.session.commit()


def _csv_text(text):
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return rows[0], rows[1:]


def _csv(response):
    return _csv_text(response.get_data(as_text=True))


def test_fic_by_area_and_cohort(india_client, db, world):
    _small_world(db, world)
    sign_in(india_client, make_staff(db, "national_admin"))
    response = india_client.get("/staff/reports/fic.csv?cohort=2024")
    assert response.status_code == 200
    _header, rows = _csv(response)
    by_area = {r[0]: r[2:] for r in rows}
    assert by_area == {"S1": ["2024", "4", "2", "50.0"], "S2": ["2024", "1", "1", "100.0"]}
    _header, rows = _csv(india_client.get("/staff/reports/fic.csv?cohort=2023-05"))
    assert {r[0]: r[3:5] for r in rows} == {"S2": ["1", "1"]}
    page = india_client.get("/staff/reports/fic?cohort=2024&area=S1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "S1-D1" in html and "S1-D2" in html and "S2-D1" not in html
    assert 'name="cohort" value="2024"' in html and "fic.csv?" in html
    assert "cohort=2024" in html.split("fic.csv?")[1].split('"')[0]  # the download: same cohort


def test_dropout_pairs_from_the_profile(india_client, db, world):
    _small_world(db, world)
    sign_in(india_client, make_staff(db, "area_admin", area=world.areas["S1"]))
    _header, rows = _csv(india_client.get("/staff/reports/dropout.csv?cohort=2024"))
    table = {(r[0], r[3]): r[4:] for r in rows}
    # S1: Penta1 4 children, Penta3 3; MR-1 3 (one late, still counted), MR-2 1
    assert table[("S1-D1", "Pentavalent 1 → Pentavalent 3")] == ["2", "2", "0.0"]
    assert table[("S1-D2", "Pentavalent 1 → Pentavalent 3")] == ["2", "1", "50.0"]
    assert table[("S1-D2", "MR-1 → MR-2")] == ["1", "0", "100.0"]
    assert table[("S1-D1", "MR-1 → MR-2")] == ["2", "1", "50.0"]
    assert {r[0] for r in rows} == {"S1-D1", "S1-D2"}


def test_area_reach_and_bad_cohort(india_client, db, world):
    _small_world(db, world)
    sign_in(india_client, make_staff(db, "area_admin", area=world.areas["S1"]))
    assert india_client.get("/staff/reports/fic?area=S2").status_code == 403
    for bad in ("24", "2024-13", "3000", "2024-3", "x"):
        response = india_client.get(f"/staff/reports/fic.csv?cohort={bad}")
        assert response.status_code == 422, bad
        assert "cohort" in response.get_data(as_text=True)
    assert india_client.get("/staff/reports/dropout?cohort=2024-1x").status_code == 422
    sign_in(india_client, make_staff(db, "vaccinator", facility=world.facilities["S1-D1"]))
    assert india_client.get("/staff/reports/fic").status_code == 403


def test_cli_export_takes_a_cohort_and_refuses_a_bad_one(india, db, world, runner, database_url,
                                                          tmp_path):
    from cowin_kit.cli import cli

    _small_world(db, world)
    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_PROFILES_DIR": india.config["PROFILES_DIR"]}
    out = tmp_path / "fic.csv"
    result = runner.invoke(cli, ["reports", "export", "fic", "--format", "csv", "--cohort",
                                 "2024", "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert {r[0]: r[3:5] for r in _csv_text(out.read_text(encoding="utf-8"))[1]} == {
        "S1": ["4", "2"], "S2": ["1", "1"]}
    result = runner.invoke(cli, ["reports", "export", "fic", "--format", "csv", "--cohort",
                                 "2024-13", "--output", str(out)], env=env)
    assert result.exit_code == 2 and "birth cohort" in result.output
