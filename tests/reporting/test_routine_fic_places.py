"""FIC and dropout count a dose only in its place in the series (#19): India's OPV-0 is not
one of OPV 1-3, a dose before its minimum age does not count, Peru's FIC runs to the second
birthday (SPR 1 at 12 months); the report's counting rule agrees with the schedule engine."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.routine import next_doses
from cowin_kit.profiles.routine_places import birth_series, place_rule, satisfies
from cowin_kit.reporting.routine_reports import NO_FIC
from tests.reporting.conftest import make_staff, sign_in
from tests.reporting.test_routine_reports import FIC_DOSES, _child, _csv

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"


def test_fic_counts_doses_in_their_place(india, db, world):
    _child(db, world, "S1-D1", FIC_DOSES)
    # OPV-0 missed, OPV 1-3 given: fully immunised (the engine steps over OPV-0)
    _child(db, world, "S1-D1", [d for d in FIC_DOSES if d != ("opv", 0)])
    # OPV-0 and OPV 1-2: three OPV doses, but not OPV-3: not fully immunised
    _child(db, world, "S1-D1", [d for d in FIC_DOSES if d != ("opv", 98)])
    # Pentavalent at 20 days (before its minimum age, 6 weeks), 6 and 10 weeks: two count
    _child(db, world, "S1-D2", [d for d in FIC_DOSES if d != ("penta", 98)] + [("penta", 20)])
    db.session.commit()
    client = india.test_client()
    sign_in(client, make_staff(db, "national_admin"))
    _header, rows = _csv(client.get("/staff/reports/fic.csv?cohort=2024&area=S1"))
    assert {r[0]: r[3:5] for r in rows} == {"S1-D1": ["3", "2"], "S1-D2": ["1", "0"]}
    _header, rows = _csv(client.get("/staff/reports/dropout.csv?cohort=2024&area=S1"))
    table = {(r[0], r[3]): r[4:6] for r in rows}
    assert table[("S1-D2", "Pentavalent 1 → Pentavalent 3")] == ["1", "0"]


def test_fic_counts_to_the_second_birthday_where_measles_1_is_at_12_months(client, db, world):
    """Peru (SPR 1 at 12 months): fully_immunised_by 2y; polio 3 is the bOPV at 6 months."""
    doses = [("bcg", 0), ("penta", 61), ("penta", 122), ("penta", 183), ("ipv", 61),
             ("ipv", 122), ("apo", 183), ("spr", 370)]
    _child(db, world, "S1-D1", doses)
    _child(db, world, "S1-D1", doses[:-1] + [("spr", 740)])               # after 2 years
    _child(db, world, "S1-D1", doses[:-2] + [("apo", 130), ("spr", 370)])  # bOPV before 6m
    db.session.commit()
    sign_in(client, make_staff(db, "national_admin"))
    _header, rows = _csv(client.get("/staff/reports/fic.csv?cohort=2024"))
    assert {r[0]: r[3:5] for r in rows} == {"S1": ["3", "1"]}


@pytest.fixture
def peru_edited(make_app, tmp_path):
    """Peru's profile with routine.yaml's top-level lines changed: ``edit(drop, add)``."""
    from cowin_kit.profiles import get_profile

    pushed = []

    def edit(drop: tuple[str, ...], add: str = ""):
        folder = tmp_path / "profiles"
        shutil.copytree(PROFILES, folder)
        path = folder / "pe" / "routine.yaml"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(line for line in lines if not line.startswith(drop)) + add,
                        encoding="utf-8")
        app = make_app(PROFILE="pe", PROFILES_DIR=str(folder))
        context = app.app_context()
        context.push()
        pushed.append(context)
        get_profile()
        return app.test_client()

    yield edit
    for context in reversed(pushed):
        context.pop()


@pytest.fixture
def client_without_fic(peru_edited):
    """Peru's profile with its fully_immunised and dropout taken out."""
    return peru_edited(("fully_immunised", "dropout"))


@pytest.fixture
def client_13_months(peru_edited):
    return peru_edited(("fully_immunised_by",), "fully_immunised_by: 13m\n")


def test_fic_age_in_months_counts_in_days(client_13_months, db, world):
    """fully_immunised_by: 13m (not whole years): counted in days, 13 months at its shortest."""
    client = client_13_months
    doses = [("bcg", 0), ("penta", 61), ("penta", 122), ("penta", 183), ("ipv", 61),
             ("ipv", 122), ("apo", 183)]
    _child(db, world, "S1-D1", doses + [("spr", 380)])
    _child(db, world, "S1-D1", doses + [("spr", 400)])  # 13 months is 393 days at the least
    db.session.commit()
    sign_in(client, make_staff(db, "national_admin"))
    _header, rows = _csv(client.get("/staff/reports/fic.csv?cohort=2024"))
    assert {r[0]: r[3:5] for r in rows} == {"S1": ["2", "1"]}


def test_profile_without_a_definition_says_so(client_without_fic, db, world):
    """A profile that names no FIC set (Peru's, without it): a clear 422 in its language."""
    client = client_without_fic
    sign_in(client, make_staff(db, "national_admin"))
    response = client.get("/staff/reports/fic")
    assert response.status_code == 422
    with client.application.test_request_context(), force_locale("es"):  # Peru's page language
        message = str(NO_FIC)
    assert message != "This country's routine schedule defines no fully immunised child."
    assert message in html.unescape(response.get_data(as_text=True))
    assert client.get("/staff/reports/dropout.csv").status_code == 422


# The counting rule against the engine: every history of up to four doses on a grid of ages
# around the schedule's (birth, too early, on time, late), minimum intervals kept, none within
# three days of a minimum age in months (where the rule takes the shortest month).
AGES = (0, 10, 20, 39, 42, 56, 70, 84, 98, 125, 200, 280)


def _engine_filled(routine, antigen, product, ages, birth=dt.date(2024, 1, 1)):
    history = [(product, birth + dt.timedelta(days=a)) for a in ages]
    on = birth + dt.timedelta(days=364)
    return next(d for d in next_doses(routine, birth, on, history)
                if d.antigen == antigen and d.programme.endswith("children")).filled


@pytest.mark.parametrize("code,antigen,product", [
    ("in", "opv", "opv"), ("in", "hib", "penta"), ("in", "hepb", "penta"),
    ("ng", "opv", "opv"), ("ug", "opv", "opv"), ("vn", "hib", "penta"), ("pe", "polio", "ipv")])
def test_the_report_rule_places_doses_as_the_engine_does(code, antigen, product):
    routine = load_profile(code, PROFILES).routine
    series_length = len(birth_series(routine, antigen, 1).doses)
    checked = 0
    for size in range(1, 5):
        for ages in itertools.combinations(AGES, size):
            if any(b - a < 31 for a, b in zip(ages, ages[1:])):
                continue  # intervals kept (the rule does not check them)
            filled = _engine_filled(routine, antigen, product, ages)
            for number in range(1, series_length + 1):
                rule = place_rule(routine, antigen, number)
                assert satisfies(rule, {antigen: list(ages)}) == (number in filled), (
                    ages, number, filled)
                checked += 1
    assert checked > 200


def test_known_difference_doses_too_close_together():
    """Documented: two doses less than the minimum interval apart both count in the report."""
    uip = load_profile("in", PROFILES).routine
    ages = [42, 75, 98]  # Penta 3 23 days after Penta 2: too soon for the engine
    assert _engine_filled(uip, "hib", "penta", ages) == (1, 2)
    assert satisfies(place_rule(uip, "hib", 3), {"hib": ages})


def test_known_difference_a_month_at_its_shortest():
    """Documented: four months is counted as 120 days (its shortest); from 1 January it is 121."""
    peru = load_profile("pe", PROFILES).routine
    assert _engine_filled(peru, "polio", "ipv", [61, 120]) == (1,)
    assert satisfies(place_rule(peru, "polio", 2), {"polio": [61, 120]})
