"""The routine schedule engine on India's UIP (country_profiles/in/routine.yaml): real cases
of children on time, late, past catch-up, with doses too early, doses given abroad, and a
pregnant woman's Td."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.routine import (COMPLETE, DUE, EXTRA, NO_LONGER_DUE, OVERDUE,
                                        TOO_EARLY_AGE, TOO_SOON, UPCOMING, Pregnancy,
                                        by_antigen, next_doses, unknown_products)

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
D = dt.date


@pytest.fixture(scope="module")
def uip():
    return load_profile("in", PROFILES).routine


def children(routine, birth, on, history=()):
    return by_antigen(d for d in next_doses(routine, birth, on, history)
                      if d.programme == "uip_children")


BIRTH = D(2026, 1, 1)
AT_BIRTH = [("bcg", BIRTH), ("opv", BIRTH), ("hepb", BIRTH)]


def test_newborn_with_birth_doses_is_due_the_six_week_visit(uip):
    plan = children(uip, BIRTH, D(2026, 2, 12), AT_BIRTH)
    assert plan["bcg"].status == COMPLETE
    penta = plan["pertussis"]
    assert (penta.status, penta.number, penta.name) == (DUE, 1, "Pentavalent 1")
    assert penta.due == penta.earliest == D(2026, 2, 12)  # 6 weeks
    assert penta.overdue_from == D(2026, 3, 12)           # 4 weeks later
    assert penta.products == ("penta",)                   # DPT only from one year
    hepb = plan["hepb"]
    assert (hepb.counted, hepb.number, hepb.name) == (1, 2, "Pentavalent 1")
    assert (plan["opv"].counted, plan["opv"].name) == (1, "OPV-1")
    assert plan["measles"].status == UPCOMING and plan["measles"].due == D(2026, 10, 1)


def test_on_time_child_follows_the_ten_and_fourteen_week_visits(uip):
    six, ten = D(2026, 2, 12), D(2026, 3, 12)
    given = AT_BIRTH + [(p, six) for p in ("penta", "opv", "rvv", "pcv", "fipv")]
    plan = children(uip, BIRTH, D(2026, 3, 1), given)
    assert plan["pertussis"].status == UPCOMING
    assert plan["pertussis"].due == plan["pertussis"].earliest == ten
    assert plan["pcv"].name == "PCV-2" and plan["pcv"].due == D(2026, 4, 9)  # 14 weeks
    assert plan["ipv"].due == D(2026, 4, 9)
    given += [(p, ten) for p in ("penta", "opv", "rvv")]
    plan = children(uip, BIRTH, D(2026, 4, 9), given)
    assert plan["rota"].name == "RVV-3" and plan["rota"].status == DUE


def test_late_child_skips_missed_birth_doses_and_is_overdue(uip):
    birth = D(2025, 1, 1)
    plan = children(uip, birth, D(2025, 9, 1), [("bcg", D(2025, 1, 3))])
    assert plan["opv"].name == "OPV-1" and plan["opv"].number == 2   # OPV-0 only to 15 days
    assert plan["hepb"].name == "Pentavalent 1"                      # birth dose: 24 hours
    assert plan["opv"].status == OVERDUE and plan["opv"].overdue_from == D(2025, 3, 12)
    assert plan["rota"].last_day == D(2024 + 1, 12, 31)              # till one year of age
    assert plan["measles"].status == UPCOMING and plan["measles"].due == D(2025, 10, 1)


def test_catch_up_ends_at_the_profile_limits(uip):
    birth = D(2024, 1, 1)
    plan = children(uip, birth, D(2025, 2, 1), [("bcg", birth)])
    assert plan["rota"].status == NO_LONGER_DUE    # RVV till one year
    assert plan["hib"].status == NO_LONGER_DUE     # Hib only in Pentavalent, till one year
    dtp = plan["pertussis"]
    assert dtp.status == OVERDUE and dtp.products == ("dpt",)   # DPT catch-up till 7 years
    assert plan["measles"].status == OVERDUE and plan["measles"].last_day == D(2028, 12, 31)
    later = children(uip, birth, D(2029, 1, 1), [("bcg", birth)])
    assert later["measles"].status == NO_LONGER_DUE and later["opv"].status == NO_LONGER_DUE


def test_a_dose_before_the_minimum_age_does_not_count_and_is_repeated(uip):
    early = D(2026, 2, 5)                           # 35 days: a week before 6 weeks
    plan = children(uip, BIRTH, D(2026, 2, 20), [("penta", early)])
    dtp = plan["pertussis"]
    assert dtp.counted == 0 and dtp.name == "Pentavalent 1"
    assert [(r.day, r.reason) for r in dtp.rejected] == [(early, TOO_EARLY_AGE)]
    assert dtp.earliest == dtp.due == D(2026, 3, 5)  # the repeat: 4 weeks after the bad dose
    assert dtp.status == UPCOMING


def test_four_days_grace_counts_a_dose_just_before_the_minimum_age(uip):
    plan = children(uip, BIRTH, D(2026, 2, 20), [("penta", D(2026, 2, 8))])  # 4 days early
    assert plan["pertussis"].counted == 1 and plan["pertussis"].name == "Pentavalent 2"
    plan = children(uip, BIRTH, D(2026, 2, 20), [("penta", D(2026, 2, 7))])  # 5 days early
    assert plan["pertussis"].counted == 0


def test_a_dose_too_soon_after_the_previous_one_is_repeated(uip):
    history = [("penta", D(2026, 2, 26)), ("penta", D(2026, 3, 16))]   # 18 days apart
    plan = children(uip, BIRTH, D(2026, 3, 20), history)
    dtp = plan["pertussis"]
    assert dtp.counted == 1 and [r.reason for r in dtp.rejected] == [TOO_SOON]
    assert dtp.name == "Pentavalent 2"
    assert dtp.earliest == D(2026, 4, 13)       # 4 weeks after the dose that did not count


def test_products_given_abroad_count_for_each_of_their_antigens(uip):
    abroad = [("hexavalent", D(2026, 3, 1)), ("hexavalent", D(2026, 5, 1))]
    plan = children(uip, BIRTH, D(2026, 6, 1), abroad + [("mmr", D(2026, 5, 20))])
    for antigen in ("diphtheria", "tetanus", "pertussis", "hib"):
        assert plan[antigen].counted == 2 and plan[antigen].name == "Pentavalent 3"
    assert plan["hepb"].counted == 2 and plan["hepb"].number == 4   # birth dose skipped
    assert plan["ipv"].counted == 2 and plan["ipv"].name == "fIPV-3"
    # MMR at 4.5 months is before MR-1's minimum age of 9 months: it does not count
    assert plan["measles"].counted == 0 and plan["measles"].rejected[0].product == "mmr"
    assert plan["opv"].counted == 0                                   # hexavalent has IPV only


def test_a_completed_series_and_an_extra_dose(uip):
    history = [("rvv", D(2026, 2, 12)), ("rvv", D(2026, 3, 12)), ("rvv", D(2026, 4, 9)),
               ("rvv", D(2026, 5, 9))]
    rota = children(uip, BIRTH, D(2026, 6, 1), history)["rota"]
    assert rota.status == COMPLETE and rota.counted == 3
    assert [r.reason for r in rota.rejected] == [EXTRA]


def test_doses_after_the_day_asked_about_and_unknown_products_are_left_out(uip):
    plan = children(uip, BIRTH, D(2026, 1, 2), [("bcg", D(2026, 3, 1))])
    assert plan["bcg"].status == DUE
    assert [r.product for r in unknown_products(uip, [("bcg", BIRTH), ("xyz", BIRTH)])] \
        == ["xyz"]


def test_months_are_calendar_months(uip):
    plan = children(uip, D(2025, 5, 31), D(2026, 1, 1))
    assert plan["measles"].due == D(2026, 2, 28)      # 9 months after 31 May


def test_pregnant_woman_td1_then_td2_four_weeks_later(uip):
    woman_birth, lmp = D(1998, 6, 1), D(2026, 1, 5)
    pregnancy = Pregnancy(start=lmp)
    assert not [d for d in next_doses(uip, woman_birth, D(2026, 3, 2), []) if
                d.programme == "uip_pregnancy"]             # no pregnancy, no Td series
    first = by_antigen(next_doses(uip, woman_birth, D(2026, 3, 2), [], pregnancy))
    assert first["tetanus"].programme == "uip_children"     # childhood series listed first
    td = {d.antigen: d for d in next_doses(uip, woman_birth, D(2026, 3, 2), [], pregnancy)
          if d.programme == "uip_pregnancy"}
    assert td["tetanus"].name == "Td-1" and td["tetanus"].status == DUE
    assert td["tetanus"].overdue_from == D(2026, 8, 17)     # 32 weeks
    assert td["tetanus"].products == ("td",)
    history = [("td", D(2026, 3, 2))]
    td2 = [d for d in next_doses(uip, woman_birth, D(2026, 3, 20), history, pregnancy)
           if d.programme == "uip_pregnancy" and d.antigen == "tetanus"][0]
    assert (td2.name, td2.status, td2.earliest) == ("Td-2", UPCOMING, D(2026, 3, 30))
    assert td2.overdue_from == D(2026, 9, 14)               # 36 weeks of pregnancy
    assert td2.last_day == D(2026, 10, 11)                  # until 40 weeks
    ended = Pregnancy(start=lmp, end=D(2026, 3, 10))
    assert not [d for d in next_doses(uip, woman_birth, D(2026, 3, 20), history, ended)
                if d.programme == "uip_pregnancy"]


def test_two_td_doses_in_a_pregnancy_within_three_years_need_one_booster(uip):
    woman_birth, lmp = D(1995, 2, 1), D(2026, 1, 5)
    before = [("tt", D(2023, 8, 1)), ("td", D(2023, 9, 1))]   # previous pregnancy, TT then Td
    td = [d for d in next_doses(uip, woman_birth, D(2026, 3, 1), before, Pregnancy(lmp))
          if d.programme == "uip_pregnancy" and d.antigen == "tetanus"][0]
    assert td.name == "Td booster" and td.status == DUE
    done = before + [("td", D(2026, 3, 1))]
    td = [d for d in next_doses(uip, woman_birth, D(2026, 3, 5), done, Pregnancy(lmp))
          if d.programme == "uip_pregnancy" and d.antigen == "tetanus"][0]
    assert td.status == COMPLETE
    long_ago = [("td", D(2021, 8, 1)), ("td", D(2021, 9, 1))]  # more than three years before
    td = [d for d in next_doses(uip, woman_birth, D(2026, 3, 1), long_ago, Pregnancy(lmp))
          if d.programme == "uip_pregnancy" and d.antigen == "tetanus"][0]
    assert td.name == "Td-1"


def test_a_pregnancy_by_gestational_week_or_due_date(uip):
    by_week = Pregnancy.at_week(20, D(2026, 5, 25))
    assert by_week == Pregnancy(D(2026, 1, 5)) == Pregnancy.from_due_date(D(2026, 10, 12))
    td = [d for d in next_doses(uip, D(1998, 6, 1), D(2026, 5, 25), [], by_week)
          if d.programme == "uip_pregnancy"][0]
    assert td.name == "Td-1" and td.last_day == D(2026, 10, 11)


def test_hep_b_birth_dose_the_day_after_birth_is_still_due(uip):
    assert children(uip, BIRTH, D(2026, 1, 2))["hepb"].name == "Hep B birth dose"
    assert children(uip, BIRTH, D(2026, 1, 2))["hepb"].products == ("hepb",)
    assert children(uip, BIRTH, D(2026, 1, 3))["hepb"].name == "Pentavalent 1"


def test_calendar_arithmetic_agrees_with_isodate():
    import random

    from cowin_kit.profiles.ages import after, parse_age
    from cowin_kit.profiles.durations import add

    rng = random.Random(3)
    for _ in range(3000):
        day = D(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 40000))
        age = parse_age(rng.choice(["0d", "6w", "9m", "16y", "1y2w", "18m", "2y6m3d", "13m"]))
        assert after(day, age) == add(day, age) and after(day, -age) == add(day, -age)
    assert after(D(2025, 5, 31), parse_age("9m")) == D(2026, 2, 28)
    assert after(D(2024, 2, 29), parse_age("1y")) == D(2025, 2, 28)
