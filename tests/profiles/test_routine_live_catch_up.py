"""Issue #19 engine gaps, on shipped schedules: the 28-day rule between two live vaccines
(Peru's SPR, varicella and yellow fever; Uganda's MR and yellow fever), catch-up schedules for
a child who starts late (Ukraine's Hib: one dose from 12 months), and the place each counted
dose took in its series (India's OPV-0 is not one of OPV 1-3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.routine import (COMPLETE, DUE, LIVE_TOO_SOON, NO_LONGER_DUE, OVERDUE,
                                        TOO_EARLY_AGE, UPCOMING, by_antigen, next_doses)

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
D = dt.date


def routine_of(code):
    return load_profile(code, PROFILES).routine


def plan(routine, birth, on, history=()):
    return by_antigen(d for d in next_doses(routine, birth, on, history)
                      if d.programme.endswith("children"))


# Peru (NTS 196): SPR 1 and varicella at 12 months, yellow fever (AMA) at 15 months.
PE_BIRTH = D(2025, 1, 15)
ONE_YEAR = D(2026, 1, 15)


@pytest.fixture(scope="module")
def pe():
    return routine_of("pe")


def test_live_vaccines_the_same_day_both_count(pe):
    doses = plan(pe, PE_BIRTH, D(2026, 2, 1), [("spr", ONE_YEAR), ("varicela", ONE_YEAR)])
    assert doses["varicella"].status == COMPLETE and doses["varicella"].rejected == ()
    assert doses["measles"].counted == 1


def test_a_live_vaccine_after_another_waits_four_weeks(pe):
    doses = plan(pe, PE_BIRTH, D(2026, 1, 20), [("spr", ONE_YEAR)])
    varicella = doses["varicella"]
    assert varicella.earliest == varicella.due == D(2026, 2, 12)  # SPR + 28 days
    assert varicella.status == UPCOMING                            # not "due" at 12 months
    assert doses["yf"].due == D(2026, 4, 15)                       # 15 months: already apart
    # on the day of SPR itself the other live vaccines may still be given with it
    same_day = plan(pe, PE_BIRTH, ONE_YEAR, [("spr", ONE_YEAR)])["varicella"]
    assert (same_day.status, same_day.earliest) == (DUE, ONE_YEAR)


def test_a_live_vaccine_given_too_soon_is_refused_and_repeated_four_weeks_later(pe):
    given = [("spr", ONE_YEAR), ("varicela", D(2026, 1, 29))]
    varicella = plan(pe, PE_BIRTH, D(2026, 2, 5), given)["varicella"]
    assert varicella.counted == 0
    assert [(r.reason, r.day, r.dose_name) for r in varicella.rejected] == [
        (LIVE_TOO_SOON, D(2026, 1, 29), "Varicela")]
    assert varicella.earliest == D(2026, 2, 26)  # 28 days after the refused dose
    # 28 days after SPR it counts
    later = plan(pe, PE_BIRTH, D(2026, 3, 1), [("spr", ONE_YEAR), ("varicela", D(2026, 2, 12))])
    assert later["varicella"].status == COMPLETE


def test_the_second_dose_of_the_same_live_vaccine_keeps_its_own_interval(pe):
    # SPR 2 is spaced by its series interval, not refused as "another live vaccine"
    doses = plan(pe, PE_BIRTH, D(2026, 8, 1), [("spr", ONE_YEAR), ("spr", D(2026, 7, 15))])
    assert doses["measles"].status == COMPLETE and doses["measles"].rejected == ()


def test_uganda_yellow_fever_two_weeks_after_mr_is_refused():
    ug = routine_of("ug")
    birth = D(2025, 1, 1)
    given = [("mr", D(2025, 10, 1)), ("yf", D(2025, 10, 15))]
    yf = plan(ug, birth, D(2025, 10, 20), given)["yf"]
    assert [r.reason for r in yf.rejected] == [LIVE_TOO_SOON]
    assert yf.earliest == D(2025, 11, 12)
    # oral and inactivated vaccines are not live injectables: OPV the same week is fine
    opv = plan(ug, birth, D(2025, 10, 20), given + [("opv", D(2025, 10, 8))])["opv"]
    assert LIVE_TOO_SOON not in {r.reason for r in opv.rejected}


# Ukraine: Hib at 2, 4 and 12 months; a child who starts from 12 months has one dose (to 5y).
UA_BIRTH = D(2024, 1, 10)


@pytest.fixture(scope="module")
def ua():
    return routine_of("ua")


def test_hib_on_time_follows_the_three_dose_schedule(ua):
    hib = plan(ua, UA_BIRTH, D(2024, 6, 1), [("hib", D(2024, 3, 10)),
                                             ("hib", D(2024, 5, 10))])["hib"]
    assert (hib.status, hib.number, hib.name, hib.due) == (UPCOMING, 3, "Hib-3 (booster)",
                                                           D(2025, 1, 10))


def test_hib_started_late_needs_one_dose(ua):
    hib = plan(ua, UA_BIRTH, D(2025, 3, 1))["hib"]
    assert (hib.number, hib.name, hib.status) == (1, "Hib (from 12 months)", OVERDUE)
    assert hib.earliest == D(2025, 1, 10) and hib.last_day == D(2029, 1, 9)  # 12m to 5y
    done = plan(ua, UA_BIRTH, D(2025, 3, 2), [("hib", D(2025, 3, 1))])["hib"]
    assert (done.status, done.counted) == (COMPLETE, 1)


def test_hib_started_before_12_months_keeps_the_full_schedule(ua):
    hib = plan(ua, UA_BIRTH, D(2024, 9, 1), [("hib", D(2024, 8, 10))])["hib"]
    assert (hib.number, hib.name, hib.status) == (2, "Hib-2", UPCOMING)
    assert hib.earliest == D(2024, 9, 10)  # a month after Hib-1


def test_hib_too_early_and_too_late(ua):
    early = plan(ua, UA_BIRTH, D(2024, 3, 1), [("hib", D(2024, 2, 21))])["hib"]
    assert [r.reason for r in early.rejected] == [TOO_EARLY_AGE] and early.counted == 0
    assert plan(ua, UA_BIRTH, D(2029, 2, 1))["hib"].status == NO_LONGER_DUE  # past 5 years


# India: the place each counted dose took in its series.
IN_BIRTH = D(2026, 1, 1)


def test_filled_places_tell_opv0_from_opv1_to_3():
    uip = routine_of("in")
    visits = [D(2026, 2, 12), D(2026, 3, 12), D(2026, 4, 9)]
    with_birth_dose = plan(uip, IN_BIRTH, D(2026, 5, 1), [("opv", IN_BIRTH)]
                           + [("opv", d) for d in visits])["opv"]
    assert with_birth_dose.filled == (1, 2, 3, 4)
    late = plan(uip, IN_BIRTH, D(2026, 5, 1), [("opv", d) for d in visits])["opv"]
    assert late.filled == (2, 3, 4) and late.counted == 3  # OPV-0 stepped over
    two = plan(uip, IN_BIRTH, D(2026, 5, 1), [("opv", IN_BIRTH), ("opv", visits[0]),
                                              ("opv", visits[1])])["opv"]
    assert two.filled == (1, 2, 3) and two.status == DUE
