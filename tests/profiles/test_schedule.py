"""The schedule engine: India's real policy changes, and invariants over every shipped profile
(hypothesis): never before the minimum interval, booster products respected, dated rules
applied by the date of the dose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.durations import add
from cowin_kit.profiles.schedule import (DoseGiven, DueDose, NotEligible, NotEligibleError,
                                         Person, age_on, check_dose, next_dose)

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
SHIPPED = sorted(p.parent.name for p in PROFILES.glob("*/profile.yaml"))
D = dt.date
ADULT = Person(birth_year=1980)


@pytest.fixture(scope="module")
def india():
    return load_profile("in", PROFILES)


def covishield(*dates):
    return [DoseGiven("covishield", n, day) for n, day in enumerate(dates, start=1)]


def test_covishield_before_13_may_2021_is_28_to_42_days(india):
    due = next_dose(india, ADULT, covishield(D(2021, 3, 20)), D(2021, 3, 21))
    assert isinstance(due, DueDose)
    assert (due.dose_number, due.dose_kind, due.allowed_vaccines) == (2, "2", ("covishield",))
    assert (due.earliest, due.latest) == (D(2021, 4, 17), D(2021, 5, 1))  # days 28 and 42
    due = next_dose(india, ADULT, covishield(D(2021, 4, 1)), D(2021, 4, 2))
    assert due.earliest == D(2021, 4, 29)  # day 28
    # Day 42 is 13 May, when the 84-day rule took effect: the window closes the day before.
    assert due.latest == D(2021, 5, 12)


def test_covishield_from_13_may_2021_is_84_to_112_days(india):
    due = next_dose(india, ADULT, covishield(D(2021, 6, 1)), D(2021, 6, 2))
    assert (due.earliest, due.latest) == (D(2021, 8, 24), D(2021, 9, 21))
    # A dose 1 of 1 April whose dose 2 was not given by 12 May now waits for day 84.
    due = next_dose(india, ADULT, covishield(D(2021, 4, 1)), D(2021, 5, 20))
    assert (due.earliest, due.latest) == (D(2021, 6, 24), D(2021, 7, 22))
    with pytest.raises(NotEligibleError) as info:
        check_dose(india, ADULT, covishield(D(2021, 4, 1)), "covishield", D(2021, 5, 20))
    assert info.value.code == "TOO_EARLY" and info.value.available_from == D(2021, 6, 24)
    assert check_dose(india, ADULT, covishield(D(2021, 4, 1)), "covishield",
                      D(2021, 5, 10)).dose_number == 2


def test_second_dose_must_be_the_same_product(india):
    with pytest.raises(NotEligibleError) as info:
        check_dose(india, ADULT, covishield(D(2021, 6, 1)), "covaxin", D(2021, 9, 1))
    assert info.value.code == "PRODUCT_NOT_ALLOWED"


def test_precaution_dose_39_weeks_before_6_july_2022_and_26_weeks_after(india):
    history = covishield(D(2021, 4, 1), D(2021, 8, 1))
    due = next_dose(india, ADULT, history, D(2022, 4, 15))
    assert isinstance(due, DueDose) and due.is_booster and due.dose_kind == "booster"
    assert (due.dose_number, due.series_total) == (3, 2)
    assert due.earliest == add(D(2021, 8, 1), dt.timedelta(weeks=39)) == D(2022, 5, 1)
    # Dose 2 on 1 Jan 2022: 26 weeks is 2 July, still under the 39-week rule; 6 July opens it.
    history = covishield(D(2021, 9, 1), D(2022, 1, 1))
    assert next_dose(india, ADULT, history, D(2022, 6, 1)).earliest == D(2022, 7, 6)
    # Dose 2 on 20 Jan 2022: after 6 July, 26 weeks apply (21 July).
    history = covishield(D(2021, 10, 1), D(2022, 1, 20))
    assert next_dose(india, ADULT, history, D(2022, 7, 10)).earliest == D(2022, 7, 21)


def test_precaution_dose_first_only_for_60_plus_and_workers(india):
    history = covishield(D(2021, 2, 1), D(2021, 3, 15))
    young = next_dose(india, ADULT, history, D(2022, 1, 15))
    assert young.earliest == D(2022, 4, 10)  # opened to 18+ on 10 April 2022
    worker = Person(birth_year=1980, groups=("health_worker",))
    assert next_dose(india, worker, history, D(2022, 1, 15)).earliest == D(2022, 1, 15)
    senior = Person(birth_year=1950)
    assert next_dose(india, senior, history, D(2022, 1, 5)).earliest == D(2022, 1, 10)


def test_heterologous_corbevax_precaution_from_12_august_2022(india):
    history = covishield(D(2021, 6, 1), D(2021, 9, 1))
    assert next_dose(india, ADULT, history, D(2022, 8, 1)).allowed_vaccines == ("covishield",)
    with pytest.raises(NotEligibleError) as info:
        check_dose(india, ADULT, history, "corbevax", D(2022, 8, 1))
    assert info.value.code == "PRODUCT_NOT_ALLOWED"
    due = check_dose(india, ADULT, history, "corbevax", D(2022, 8, 12))
    assert set(due.allowed_vaccines) == {"covishield", "corbevax"}
    with pytest.raises(NotEligibleError) as info:
        check_dose(india, ADULT, history, "sputnik_v", D(2022, 9, 1))
    assert info.value.code == "PRODUCT_NOT_ALLOWED"
    # Messages name products as people know them (#17), never the profile's ids.
    message = str(info.value.text())
    assert message.startswith("SPUTNIK V cannot be given") and "COVISHIELD, CORBEVAX" in message
    assert "sputnik_v" not in message and "covishield" not in message
    done = history + [DoseGiven("corbevax", 3, D(2022, 9, 1), is_booster=True)]
    assert next_dose(india, ADULT, done, D(2023, 6, 1)).code == "SERIES_COMPLETE"


def test_first_dose_follows_the_dated_phases(india):
    fifty = Person(birth_year=1971)
    result = next_dose(india, fifty, [], D(2021, 3, 15))
    assert isinstance(result, NotEligible)
    assert (result.code, result.available_from) == ("NOT_YET_ELIGIBLE", D(2021, 4, 1))
    assert "Apr 1, 2021" in result.message
    sick = Person(birth_year=1971, groups=("comorbidity",))
    due = next_dose(india, sick, [], D(2021, 3, 15))
    assert (due.dose_number, due.dose_kind, due.earliest) == (1, "1", D(2021, 3, 15))
    assert set(due.allowed_vaccines) == {"covishield", "covaxin"}
    assert next_dose(india, ADULT, [], D(2021, 6, 1)).allowed_vaccines == (
        "covishield", "covaxin", "sputnik_v")
    teen = Person(birth_year=2009)
    result = next_dose(india, teen, [], D(2022, 2, 1))
    assert (result.code, result.available_from) == ("NOT_YET_ELIGIBLE", D(2022, 3, 16))
    assert next_dose(india, teen, [], D(2022, 3, 16)).allowed_vaccines == ("corbevax",)
    child = Person(birth_year=2012)
    result = next_dose(india, child, [], D(2022, 6, 1))
    assert (result.code, result.available_from) == ("TOO_YOUNG", D(2024, 1, 1))
    with pytest.raises(NotEligibleError) as info:
        check_dose(india, child, [], "corbevax", D(2022, 6, 1))
    assert info.value.code == "TOO_YOUNG" and info.value.status == 422


def test_age_on():
    person = Person(birth_year=2000, birth_date=D(2000, 6, 15))
    assert age_on(person, D(2018, 6, 14)) == 17
    assert age_on(person, D(2018, 6, 15)) == 18
    assert age_on(person, D(2018, 1, 1), "year_end") == 18
    assert age_on(Person(birth_year=2000), D(2018, 1, 1)) == 18


# -- invariants over every shipped profile ----------------------------------------------------
LOADED = {code: load_profile(code, PROFILES) for code in SHIPPED}
DAYS = st.dates(min_value=D(2020, 12, 1), max_value=D(2024, 12, 31))


def interval_in_force(schedule, index, day):
    for rule in schedule.rules:
        if rule.period.contains(day):
            return rule.intervals[index]
    return schedule.intervals[index]


def booster_terms_in_force(booster, day):
    for terms in booster.rules:
        if terms.period.contains(day):
            return terms
    return booster.base


@st.composite
def primary_case(draw, codes=tuple(SHIPPED), days=DAYS):
    code = draw(st.sampled_from(codes))
    profile = LOADED[code]
    multi = [s for s in profile.schedules if s.doses >= 2]
    schedule = draw(st.sampled_from(multi or profile.schedules))
    given_count = draw(st.integers(1, max(1, schedule.doses - 1)))
    day = draw(days)
    history = []
    for number in range(1, given_count + 1):
        history.append(DoseGiven(schedule.vaccine, number, day))
        day = day + dt.timedelta(days=draw(st.integers(0, 200)))
    on = history[-1].date + dt.timedelta(days=draw(st.integers(0, 400)))
    return profile, schedule, history, on


#: India around its rule change of 13 May 2021, where a wrong reading of "dated" shows.
AROUND_RULE_CHANGE = st.dates(min_value=D(2021, 2, 1), max_value=D(2021, 7, 31))


@settings(max_examples=300, deadline=None)
@given(st.one_of(primary_case(), primary_case(("in",), AROUND_RULE_CHANGE)))
def test_never_before_the_minimum_interval_in_force_on_the_dose_date(case):
    profile, schedule, history, on = case
    due = next_dose(profile, ADULT, history, on)
    if len(history) >= schedule.doses:
        return
    assert isinstance(due, DueDose)
    index, last = len(history) - 1, history[-1].date
    assert due.earliest >= on
    # The rule in force on the proposed date is respected…
    assert due.earliest >= add(last, interval_in_force(schedule, index, due.earliest).min)
    # …and the proposal is the first such date: the day before was not allowed.
    before = due.earliest - dt.timedelta(days=1)
    if before >= on:
        assert before < add(last, interval_in_force(schedule, index, before).min)
    assert schedule.vaccine in due.allowed_vaccines
    assert check_dose(profile, ADULT, history, schedule.vaccine, due.earliest) == \
        next_dose(profile, ADULT, history, due.earliest)
    if due.earliest > on:
        with pytest.raises(NotEligibleError) as info:
            check_dose(profile, ADULT, history, schedule.vaccine, on)
        assert info.value.code == "TOO_EARLY" and info.value.available_from == due.earliest


@st.composite
def booster_case(draw, codes=tuple(SHIPPED), days=DAYS):
    options = [(p, b, s) for p in LOADED.values() for b in p.boosters for s in p.schedules
               if s.vaccine in b.after and p.code in codes]
    profile, booster, schedule = draw(st.sampled_from(options))
    day = draw(days)
    history = []
    for number in range(1, schedule.doses + 1):
        history.append(DoseGiven(schedule.vaccine, number, day))
        day = day + dt.timedelta(days=draw(st.integers(21, 120)))
    on = history[-1].date + dt.timedelta(days=draw(st.integers(0, 500)))
    product = draw(st.sampled_from([v.id for v in profile.vaccines]))
    person = Person(birth_year=draw(st.integers(1930, 2004)))
    return profile, booster, history, on, product, person


@settings(max_examples=300, deadline=None)
@given(st.one_of(booster_case(), booster_case(("in",), st.dates(min_value=D(2021, 1, 16),
                                                                max_value=D(2022, 3, 31)))))
def test_boosters_only_from_allowed_products_and_after_the_interval(case):
    profile, booster, history, on, product, person = case
    due = next_dose(profile, person, history, on)
    assert isinstance(due, DueDose) and due.is_booster
    terms = booster_terms_in_force(booster, due.earliest)
    assert due.earliest >= max(on, booster.base.period.start)
    assert due.earliest >= add(history[-1].date, terms.min_interval)
    assert set(due.allowed_vaccines) == set(terms.products)
    try:
        confirmed = check_dose(profile, person, history, product, due.earliest)
    except NotEligibleError as exc:
        assert exc.code == "PRODUCT_NOT_ALLOWED" and product not in terms.products
    else:
        assert product in terms.products and confirmed.dose_number == len(history) + 1
