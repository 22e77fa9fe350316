"""The routine schedule engine on Peru's completed schedule (polio, infant influenza, dTpa in
pregnancy), and on Iraq's, Panama's and the Dominican Republic's: a child on time, a late
child catching up, and a dose given too early."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.routine import (COMPLETE, DUE, NO_LONGER_DUE, OVERDUE, TOO_EARLY_AGE,
                                        TOO_SOON, UPCOMING, Pregnancy, by_antigen,
                                        next_doses)

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
D = dt.date


def plan(routine, birth, on, history=(), pregnancy=None, programme_suffix="children"):
    return by_antigen(d for d in next_doses(routine, birth, on, history, pregnancy)
                      if d.programme.endswith(programme_suffix))


def routine_of(code):
    return load_profile(code, PROFILES).routine


@pytest.fixture(scope="module")
def pe():
    return routine_of("pe")


def test_peru_polio_ipv_twice_then_oral_drops_and_boosters(pe):
    birth = D(2025, 1, 10)
    on_time = [("ipv", D(2025, 3, 10)), ("ipv", D(2025, 5, 10))]
    polio = plan(pe, birth, D(2025, 7, 10), on_time)["polio"]
    assert (polio.name, polio.status, polio.products) == ("APO 3ra dosis", DUE, ("apo",))
    done = on_time + [("apo", D(2025, 7, 10))]
    polio = plan(pe, birth, D(2026, 7, 10), done)["polio"]
    assert (polio.name, polio.due, polio.status) == ("APO 1er refuerzo", D(2026, 7, 10), DUE)
    # Late: a private hexavalent at 5 months counts for polio; IPV three weeks later does not.
    late = plan(pe, birth, D(2025, 9, 1), [("hexavalent", D(2025, 6, 10)),
                                            ("ipv", D(2025, 7, 1))])["polio"]
    assert late.counted == 1 and late.rejected[0].reason == TOO_SOON
    assert (late.name, late.status, late.products) == ("IPV 2", OVERDUE, ("ipv",))
    assert late.earliest == D(2025, 7, 29)       # four weeks after the dose that was too soon


def test_peru_infant_influenza_two_doses_a_month_apart_started_before_one_year(pe):
    birth = D(2025, 1, 10)
    flu = plan(pe, birth, D(2025, 7, 10))["influenza"]
    assert (flu.name, flu.status, flu.last_day) == ("Influenza pediátrica 1", DUE, D(2026, 1, 9))
    flu = plan(pe, birth, D(2025, 7, 20), [("influenza_ped", D(2025, 7, 15))])["influenza"]
    assert (flu.name, flu.earliest, flu.due) == (
        "Influenza pediátrica 2", D(2025, 8, 12), D(2025, 8, 12))
    early = plan(pe, birth, D(2025, 7, 20), [("influenza_ped", D(2025, 6, 1))])["influenza"]
    assert early.counted == 0 and early.rejected[0].reason == TOO_EARLY_AGE
    assert plan(pe, birth, D(2026, 2, 1))["influenza"].status == NO_LONGER_DUE


def test_peru_dtpa_from_week_twenty_of_each_pregnancy(pe):
    mother, now = D(1995, 8, 1), Pregnancy(start=D(2026, 1, 5))
    dtpa = plan(pe, mother, D(2026, 3, 1), [("dtpa", D(2024, 6, 1))], now, "pregnancy")
    assert (dtpa["pertussis"].status, dtpa["pertussis"].due) == (UPCOMING, D(2026, 5, 25))
    given = plan(pe, mother, D(2026, 6, 1), [("dtpa", D(2026, 5, 26))], now, "pregnancy")
    assert given["pertussis"].status == COMPLETE
    assert plan(pe, mother, D(2026, 3, 1), [], None, "pregnancy") == {}



def test_peru_hepatitis_a_one_dose_at_fifteen_months(pe):
    birth = D(2025, 1, 10)
    hepa = plan(pe, birth, D(2026, 4, 10))["hepa"]           # 15 months today
    assert (hepa.name, hepa.status, hepa.due, hepa.products) == (
        "Hepatitis A", DUE, D(2026, 4, 10), ("hva",))
    assert plan(pe, birth, D(2026, 1, 10))["hepa"].status == UPCOMING    # at 12 months
    early = plan(pe, birth, D(2026, 4, 20), [("hva", D(2026, 3, 1))])["hepa"]
    assert early.counted == 0 and early.rejected[0].reason == TOO_EARLY_AGE
    assert plan(pe, birth, D(2026, 5, 1), [("hva", D(2026, 4, 10))])["hepa"].status == COMPLETE


def test_peru_hpv_one_dose_for_girls_and_boys_from_nine_until_fourteen(pe):
    birth = D(2015, 3, 1)
    hpv = plan(pe, birth, D(2025, 3, 1))["hpv"]              # ten years old, either sex
    assert (hpv.name, hpv.status, hpv.products, hpv.last_day) == (
        "VPH", OVERDUE, ("vph",), D(2029, 2, 28))
    assert plan(pe, birth, D(2023, 3, 1))["hpv"].status == UPCOMING       # at eight
    assert plan(pe, birth, D(2025, 3, 1), [("vph", D(2024, 5, 1))])["hpv"].status == COMPLETE
    assert plan(pe, birth, D(2029, 3, 1))["hpv"].status == NO_LONGER_DUE  # fourteen

def test_panama_on_time_hexavalent_and_the_birth_dose_only_on_the_first_days():
    pa = routine_of("pa")
    birth = D(2026, 1, 15)
    due = plan(pa, birth, D(2026, 3, 15), [("bcg", birth), ("hepb", birth)])
    assert (due["hepb"].name, due["hepb"].number, due["hepb"].status) == (
        "Hexavalente 1", 2, DUE)
    assert due["polio"].products == ("hexavalent",) and due["rota"].status == DUE
    assert plan(pa, birth, D(2026, 1, 16))["hepb"].name == "Hepatitis B recién nacido"
    assert plan(pa, birth, D(2026, 1, 18))["hepb"].name == "Hexavalente 1"   # missed: skipped
    # Hexavalente 2 a month after the first is valid, but eight weeks is the recommendation.
    due = plan(pa, birth, D(2026, 5, 20), [("hexavalent", D(2026, 4, 15))])
    assert (due["hib"].earliest, due["hib"].due) == (D(2026, 5, 15), D(2026, 6, 10))


def test_panama_late_child_catches_up_without_rotavirus_and_mmr_too_early():
    pa = routine_of("pa")
    birth = D(2025, 1, 10)
    due = plan(pa, birth, D(2026, 2, 1), [("mmr", D(2025, 12, 20))])   # MMR at 11 months
    assert due["rota"].status == NO_LONGER_DUE and due["rota"].last_day == D(2026, 1, 9)
    assert (due["diphtheria"].name, due["diphtheria"].status) == ("Hexavalente 1", OVERDUE)
    measles = due["measles"]
    assert measles.counted == 0 and measles.rejected[0].reason == TOO_EARLY_AGE
    assert (measles.name, measles.earliest) == ("MMR 1", D(2026, 1, 17))
    assert due["influenza"].status == NO_LONGER_DUE     # not started before one year
    assert (due["hepa"].name, due["hepa"].status) == ("Hepatitis A 1", DUE)  # overdue from 7 Feb
    three = plan(pa, birth, D(2028, 2, 1))
    assert three["pertussis"].status == OVERDUE and three["pertussis"].products == ()
    assert three["hepb"].products == ()                   # hexavalent only until 3 years


def test_dominican_republic_on_time_pentavalent_ipv_and_oral_polio_boosters():
    do = routine_of("do")
    birth = D(2025, 3, 1)
    history = [("bcg", birth), ("hepb", birth), ("penta", D(2025, 5, 1)), ("ipv", D(2025, 5, 1)),
               ("penta", D(2025, 7, 1)), ("ipv", D(2025, 7, 1))]
    due = plan(do, birth, D(2025, 9, 1), history)
    assert (due["hepb"].name, due["hepb"].number, due["hepb"].status) == (
        "Pentavalente 3", 4, DUE)
    assert due["polio"].products == ("ipv", "bopv")      # the 6-month dose: either
    history += [("penta", D(2025, 9, 1)), ("bopv", D(2025, 9, 1)), ("pcv", D(2026, 3, 1))]
    due = plan(do, birth, D(2026, 9, 1), history)
    assert (due["polio"].name, due["polio"].products) == ("bOPV 1er refuerzo", ("bopv",))
    assert (due["pertussis"].name, due["pertussis"].products) == ("DPT 1er refuerzo", ("dpt",))
    assert due["hib"].status == COMPLETE and due["hepb"].status == COMPLETE


def test_dominican_republic_late_start_rotavirus_limits_and_an_early_srp():
    do = routine_of("do")
    birth = D(2025, 3, 1)
    late = plan(do, birth, D(2025, 6, 1))               # nothing yet at three months
    assert late["rota"].name == "Rotavirus 1" and late["rota"].last_day == D(2025, 6, 13)
    assert late["hepb"].name == "Pentavalente 1" and late["hepb"].status == OVERDUE
    too_late = plan(do, birth, D(2025, 6, 20))
    assert too_late["rota"].status == NO_LONGER_DUE
    # A child abroad had a private hexavalent at 2 and 4 months: it counts here.
    abroad = plan(do, birth, D(2025, 9, 5), [("hexavalent", D(2025, 5, 2)),
                                             ("hexavalent", D(2025, 7, 2))])
    assert abroad["polio"].counted == 2 and abroad["diphtheria"].name == "Pentavalente 3"
    early = plan(do, birth, D(2026, 3, 10), [("srp", D(2026, 2, 20))])["measles"]
    assert early.counted == 0 and early.rejected[0].reason == TOO_EARLY_AGE
    # Repeated four weeks after the invalid dose, not on the first birthday.
    assert (early.name, early.status, early.earliest) == ("SRP 1", UPCOMING, D(2026, 3, 20))


def test_iraq_birth_doses_then_primary_series_with_either_combination_vaccine():
    iq = routine_of("iq")
    birth = D(2026, 2, 1)
    due = plan(iq, birth, D(2026, 2, 1))
    assert {due[a].name for a in ("bcg", "hepb", "opv")} == {
        "BCG", "Hepatitis B birth dose", "OPV 0"}
    assert due["opv"].last_day == D(2026, 2, 14)
    on_time = [("bcg", birth), ("hepb", birth), ("opv", birth), ("penta", D(2026, 4, 1)),
               ("opv", D(2026, 4, 1)), ("hexavalent", D(2026, 6, 1)), ("opv", D(2026, 6, 1))]
    due = plan(iq, birth, D(2026, 8, 1), on_time)
    assert (due["hib"].name, due["hib"].status) == ("DTP-HepB-Hib 3", DUE)
    assert due["diphtheria"].products == ("penta", "hexavalent") and due["hepb"].counted == 3
    assert due["opv"].name == "OPV 3"


def test_iraq_late_child_skips_the_birth_doses_and_measles_too_early():
    iq = routine_of("iq")
    birth = D(2025, 6, 10)
    late = plan(iq, birth, D(2025, 9, 1))                     # first seen at 12 weeks
    assert late["opv"].name == "OPV 1" and late["opv"].number == 2
    assert late["hepb"].name == "DTP-HepB-Hib 1" and late["hepb"].status == DUE
    assert late["bcg"].status == OVERDUE
    caught_up = plan(iq, birth, D(2025, 10, 1), [("penta", D(2025, 9, 1))])["pertussis"]
    assert (caught_up.name, caught_up.earliest) == ("DTP-HepB-Hib 2", D(2025, 10, 10))
    early = plan(iq, birth, D(2026, 3, 20), [("measles", D(2026, 2, 20))])["measles"]
    assert early.counted == 0 and early.rejected[0].reason == TOO_EARLY_AGE
    mmr = plan(iq, birth, D(2026, 4, 1), [("mmr", D(2026, 3, 15))])["measles"]
    assert mmr.status == COMPLETE                             # MMR counts for measles
