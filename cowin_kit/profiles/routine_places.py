"""Where a dose of a series is placed, as conditions a report can count in SQL (the FIC and
dropout reports, docs/routine-immunisation.md "Doses in their place").

The engine (routine.py) walks a child's doses in date order and places each in the next slot
of the series when it is old enough and far enough from the one before. A report over a
whole birth cohort cannot walk; it counts doses by age instead. ``place_rule`` turns "the
series' n-th dose was given" into such counts, from the same series data the engine reads:

- a birth dose skipped when missed (OPV-0, the Hep B birth dose: ``if_missed: skip``) is
  only a dose given within its window, and a later dose never takes its place;
- a later slot needs, for each slot i up to n, enough doses at or after slot i's minimum age
  (less ``grace_days``): the same slots the engine's date-order walk fills when minimum
  intervals are kept.

Approximations (tests/reporting/test_routine_places.py compares them with the engine): the
minimum interval between doses is not checked (two doses a week apart count as two), nor the
28-day rule between live vaccines, nor a ``catch_up`` schedule; and an age in months is
taken at its shortest (two months from 31 December is 59 days), so a dose up to three days
before a minimum age in months may count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from .ages import after
from .durations import Duration
from .routine_model import Routine, Series


@dataclass(frozen=True)
class Count:
    """At least ``count`` doses of ``antigen`` given at an age of ``from_days`` days or more
    (and under ``until_days``, when set)."""

    antigen: str
    from_days: int
    until_days: int | None
    count: int


@lru_cache(maxsize=256)
def shortest_days(age: Duration) -> int:
    """The fewest days ``age`` can last from any birth date (months of 28 days, years of 365)."""
    start = dt.date(2001, 1, 1)
    return min((after(day, age) - day).days
               for day in (start + dt.timedelta(days=i) for i in range(4 * 365 + 1)))


def birth_series(routine: Routine, antigen: str, number: int) -> Series | None:
    """The series of a programme from birth that has the antigen's ``number``-th dose."""
    for programme in routine.programmes:
        for series in programme.series:
            if (programme.anchor == "birth" and series.antigen == antigen
                    and number <= len(series.doses)):
                return series
    return None


def place_rule(routine: Routine, antigen: str, number: int) -> tuple[Count, ...]:
    """The counts that together mean "the series' ``number``-th dose was given"."""
    series = birth_series(routine, antigen, number)
    if series is None:
        return (Count(antigen, 0, None, number),)
    doses, grace = series.doses, routine.grace.days
    skipped = 0
    while skipped < len(doses) and doses[skipped].skip_if_missed:
        skipped += 1
    if number <= skipped:  # a birth dose: one given within its window
        dose = doses[number - 1]
        return (Count(antigen, max(shortest_days(dose.min_age) - grace, 0),
                      shortest_days(dose.max_age), 1),)
    needed = number - skipped
    return tuple(Count(antigen, max(shortest_days(doses[skipped + i].min_age) - grace, 0),
                       None, needed - i)
                 for i in range(needed))


def satisfies(rule: tuple[Count, ...], ages: dict[str, list[int]]) -> bool:
    """The rule on one child's doses (age in days by antigen): what the report's SQL counts."""
    return all(sum(c.from_days <= a and (c.until_days is None or a < c.until_days)
                   for a in ages.get(c.antigen, ())) >= c.count for c in rule)
