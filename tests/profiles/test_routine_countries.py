"""The routine schedule engine on Viet Nam's EPI and Uganda's UNEPI schedules, the five-dose
Td schedule across pregnancies, and a campaign programme."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.routine import (COMPLETE, DUE, NO_LONGER_DUE, OVERDUE, TOO_EARLY_AGE,
                                        UPCOMING, Pregnancy, by_antigen, next_doses)
from cowin_kit.profiles.routine_model import build_routine

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
D = dt.date


def plan(routine, birth, on, history=(), pregnancy=None, programme_suffix="children"):
    return by_antigen(d for d in next_doses(routine, birth, on, history, pregnancy)
                      if d.programme.endswith(programme_suffix))


@pytest.fixture(scope="module")
def vn():
    return load_profile("vn", PROFILES).routine


@pytest.fixture(scope="module")
def ug():
    return load_profile("ug", PROFILES).routine


def test_vietnam_five_in_one_at_two_months_without_grace(vn):
    birth = D(2026, 1, 15)
    due = plan(vn, birth, D(2026, 3, 15), [("hepb", birth), ("bcg", D(2026, 1, 20))])
    assert due["hepb"].name == "DPT-VGB-Hib 1" and due["hepb"].status == DUE
    assert due["bcg"].status == COMPLETE
    early = plan(vn, birth, D(2026, 3, 16), [("penta", D(2026, 3, 12))])  # 3 days early
    assert early["pertussis"].counted == 0
    assert early["pertussis"].rejected[0].reason == TOO_EARLY_AGE


def test_vietnam_japanese_encephalitis_two_weeks_then_a_year(vn):
    birth = D(2025, 1, 10)
    je = plan(vn, birth, D(2026, 1, 12), [("je", D(2026, 1, 10))])["je"]
    assert (je.name, je.earliest, je.due) == ("VNNB 2", D(2026, 1, 17), D(2026, 1, 24))
    je = plan(vn, birth, D(2026, 2, 1), [("je", D(2026, 1, 10)), ("je", D(2026, 1, 24))])["je"]
    assert (je.name, je.earliest, je.status) == ("VNNB 3", D(2027, 1, 24), UPCOMING)


def test_vietnam_private_hexavalent_counts_but_not_for_polio_drops(vn):
    birth = D(2026, 1, 15)
    history = [("hexavalent", D(2026, 3, 16)), ("hexavalent", D(2026, 4, 16))]
    due = plan(vn, birth, D(2026, 5, 1), history)
    assert due["hib"].counted == 2 and due["hib"].name == "DPT-VGB-Hib 3"
    ipv = due["ipv"]  # IPV is in the hexavalent, but the EPI's one IPV dose is at 5 months
    assert ipv.counted == 0 and [r.reason for r in ipv.rejected] == [TOO_EARLY_AGE] * 2
    assert due["opv"].counted == 0 and due["opv"].status == OVERDUE


def test_tetanus_doses_of_earlier_pregnancies_count_five_dose_schedule(vn):
    woman = D(1996, 4, 1)
    earlier = [("td", D(2023, 5, 1)), ("td", D(2023, 6, 10))]    # doses 1 and 2, 2023
    now = Pregnancy(start=D(2026, 1, 1))
    td = plan(vn, woman, D(2026, 3, 1), earlier, now, "pregnancy")["tetanus"]
    assert (td.number, td.name, td.due) == (3, "Uốn ván 3", D(2026, 1, 1))
    done = earlier + [("td", D(2026, 3, 1))]
    td = plan(vn, woman, D(2026, 3, 5), done, now, "pregnancy")["tetanus"]
    assert td.name == "Uốn ván 4" and td.status == NO_LONGER_DUE   # a year on: next pregnancy
    later = Pregnancy(start=D(2027, 6, 1))
    td = plan(vn, woman, D(2027, 8, 1), done, later, "pregnancy")["tetanus"]
    assert td.name == "Uốn ván 4" and td.status == OVERDUE


def test_uganda_polio_zero_only_in_the_first_two_weeks(ug):
    birth = D(2026, 1, 1)
    due = plan(ug, birth, D(2026, 1, 10))
    assert due["opv"].name == "Polio 0" and due["opv"].last_day == D(2026, 1, 14)
    due = plan(ug, birth, D(2026, 1, 20))
    assert due["opv"].name == "Polio 1" and due["opv"].number == 2


def test_uganda_rota_two_doses_and_nine_month_visit(ug):
    birth = D(2025, 6, 1)
    history = [("rota", D(2025, 7, 13)), ("rota", D(2025, 8, 10)), ("mr", D(2026, 3, 1))]
    due = plan(ug, birth, D(2026, 3, 2), history)
    assert due["rota"].status == COMPLETE
    # MR the day before without yellow fever: two live vaccines, 28 days apart (WHO)
    assert due["yf"].status == UPCOMING and due["yf"].due == D(2026, 3, 29)
    assert plan(ug, birth, D(2026, 3, 1), history)["yf"].status == DUE  # or the same day
    assert due["measles"].name == "Measles-Rubella 2" and due["measles"].due == D(2026, 12, 1)
    assert due["diphtheria"].products == ("penta",)


def test_uganda_pregnant_woman_td2_four_weeks_after_td1(ug):
    woman, now = D(2000, 1, 1), Pregnancy(start=D(2026, 2, 1))
    td = plan(ug, woman, D(2026, 4, 10), [("td", D(2026, 4, 1))], now, "pregnancy")["tetanus"]
    assert (td.name, td.earliest, td.status) == ("Td2", D(2026, 4, 29), UPCOMING)
    five = [("tt", D(2015, 1, 1)), ("tt", D(2015, 2, 1)), ("td", D(2016, 1, 1)),
            ("td", D(2018, 1, 1)), ("td", D(2020, 1, 1))]
    assert plan(ug, woman, D(2026, 4, 10), five, now, "pregnancy")["tetanus"].status == COMPLETE


CAMPAIGN = {
    "source": {"document": "test", "publisher": "test", "edition": "1",
               "checked": D(2026, 1, 1)},
    "antigens": [{"id": "measles", "name": "Measles"}, {"id": "rubella", "name": "Rubella"}],
    "products": [{"id": "mr", "name": "MR", "antigens": ["measles", "rubella"]}],
    "programmes": [{"id": "mr_campaign", "name": "MR catch-up campaign", "kind": "campaign",
                    "from": D(2026, 3, 1), "until": D(2026, 3, 31),
                    "series": [{"antigen": "measles", "max_age": "15y",
                                "doses": [{"name": "MR campaign dose", "age": "9m"}]}]}],
}


def test_a_campaign_runs_on_its_dates_and_counts_only_its_own_doses():
    routine = build_routine(CAMPAIGN)
    child = D(2020, 5, 1)
    assert next_doses(routine, child, D(2026, 2, 28), [("mr", D(2021, 2, 1))]) == []
    dose = next_doses(routine, child, D(2026, 3, 2), [("mr", D(2021, 2, 1))])[0]
    assert dose.status == OVERDUE and dose.counted == 0 and dose.last_day == D(2026, 3, 31)
    dose = next_doses(routine, child, D(2026, 3, 9), [("mr", D(2026, 3, 5))])[0]
    assert dose.status == COMPLETE
    too_old = next_doses(routine, D(2010, 1, 1), D(2026, 3, 2), [])[0]
    assert too_old.status == NO_LONGER_DUE


def test_ukraine_hexavalent_abroad_counts_except_the_early_hib_booster():
    ua = load_profile("ua", PROFILES).routine
    birth = D(2019, 3, 1)
    abroad = [("hexavalent", D(2019, 5, 1)), ("hexavalent", D(2019, 7, 1)),
              ("hexavalent", D(2019, 9, 1))]
    due = plan(ua, birth, D(2020, 1, 15), abroad)
    assert due["hepb"].status == COMPLETE and due["polio"].counted == 3
    hib = due["hib"]  # the third dose at 6 months is before the booster's 12 months
    assert hib.counted == 2 and hib.rejected[0].reason == TOO_EARLY_AGE
    assert (hib.name, hib.earliest, hib.status) == ("Hib-3 (booster)", D(2020, 3, 1), UPCOMING)
    assert due["polio"].name == "ОПВ-4" and due["polio"].products == ("opv",)
    assert plan(ua, birth, D(2019, 4, 1))["polio"].products == ("ipv",)
    seven = plan(ua, birth, D(2026, 3, 1), abroad)
    assert seven["pertussis"].status == NO_LONGER_DUE          # DTP only before 7 years
    assert seven["diphtheria"].products == ("dt", "td") and seven["hib"].status == NO_LONGER_DUE


def test_nigeria_hpv_for_girls_only_until_fifteen():
    ng = load_profile("ng", PROFILES).routine
    birth = D(2015, 6, 1)

    def hpv(on, sex):
        return [d for d in next_doses(ng, birth, on, [], sex=sex) if d.antigen == "hpv"]

    assert hpv(D(2026, 3, 1), "M") == []
    girl = hpv(D(2026, 3, 1), "F")[0]
    assert girl.status == OVERDUE and girl.last_day == D(2030, 5, 31)
    assert hpv(D(2030, 6, 1), "F")[0].status == NO_LONGER_DUE
    measles = plan(ng, birth, D(2016, 3, 10), [("mr", D(2016, 3, 1))])["measles"]
    assert measles.counted == 1 and measles.name == "Measles 2"   # MR from a campaign counts


def test_mexico_rotavirus_not_started_after_fifteen_weeks_and_tdpa_in_each_pregnancy():
    mx = load_profile("mx", PROFILES).routine
    birth = D(2025, 12, 1)
    history = [("bcg", birth), ("hepb", birth), ("hexavalent", D(2026, 2, 1))]
    due = plan(mx, birth, D(2026, 4, 10), history)
    assert due["rota"].status == NO_LONGER_DUE and due["rota"].last_day == D(2026, 3, 15)
    assert due["hepb"].name == "Hexavalente 2" and due["hepb"].number == 3
    assert due["diphtheria"].products == ("hexavalent",)
    booster = plan(mx, birth, D(2029, 12, 1), history + [
        ("hexavalent", D(2026, 4, 1)), ("hexavalent", D(2026, 6, 1)),
        ("hexavalent", D(2027, 6, 1))])["pertussis"]
    assert (booster.name, booster.status, booster.products) == (
        "DPT (refuerzo 4 años)", DUE, ("dpt",))
    mother = D(1994, 3, 3)
    earlier = [("tdpa", D(2024, 5, 1))]            # a previous pregnancy's dose
    tdpa = [d for d in next_doses(mx, mother, D(2026, 4, 1), earlier, Pregnancy(D(2026, 1, 5)))
            if d.programme == "evu_pregnancy"][0]
    assert (tdpa.status, tdpa.due, tdpa.products) == (UPCOMING, D(2026, 5, 25), ("tdpa",))


def test_peru_dpt_boosters_after_pentavalent_and_rotavirus_limit():
    pe = load_profile("pe", PROFILES).routine
    birth = D(2024, 1, 10)
    history = [("bcg", birth), ("hvb", birth), ("penta", D(2024, 3, 10)),
               ("penta", D(2024, 5, 10)), ("penta", D(2024, 7, 10)), ("spr", D(2025, 1, 10))]
    due = plan(pe, birth, D(2025, 7, 15), history)
    assert due["hepb"].status == COMPLETE and due["hib"].status == COMPLETE
    assert (due["pertussis"].name, due["pertussis"].products) == ("DPT 1er refuerzo", ("dpt",))
    assert due["measles"].name == "SPR 2" and due["measles"].status == DUE
    assert due["rota"].status == NO_LONGER_DUE
