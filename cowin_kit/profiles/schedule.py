"""The schedule engine: which dose is due next, with which products, from when, or why not.

Pure functions over a Profile (no database, no Flask needed). Dated rules apply by the date
of the dose being given: a second dose on 2021-05-20 follows the rule in force on 2021-05-20,
whenever the first dose was given. The maximum interval is a recommendation: a late dose is
still allowed (``DueDose.latest`` may then be before ``earliest``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import KitError

from .durations import add
from .model import Booster, BoosterTerms, Period, Profile, Schedule

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Person:
    birth_year: int
    birth_date: dt.date | None = None
    groups: tuple[str, ...] = ()
    gender: str | None = None


@dataclass(frozen=True)
class DoseGiven:
    vaccine: str
    dose_number: int
    date: dt.date
    is_booster: bool = False


@dataclass(frozen=True)
class DueDose:
    dose_number: int
    is_booster: bool
    dose_kind: str  # "1", "2" (any later primary dose) or "booster"
    allowed_vaccines: tuple[str, ...]
    earliest: dt.date
    latest: dt.date | None
    series_total: int

    @property
    def overdue(self) -> bool:
        """The recommended window has passed (the dose is still allowed)."""
        return self.latest is not None and self.latest < self.earliest


@dataclass(frozen=True)
class NotEligible:
    code: str
    message: str
    available_from: dt.date | None = None


class NotEligibleError(KitError):
    status = 422
    code = "NOT_ELIGIBLE"
    default_message = _l("This person is not eligible for this dose.")

    def __init__(self, reason: NotEligible) -> None:
        super().__init__(reason.message, code=reason.code)
        self.reason = reason
        self.available_from = reason.available_from


def _format_date(day: dt.date) -> str:
    from flask import has_app_context

    if has_app_context():
        from flask_babel import format_date

        return format_date(day, "medium")
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, "medium", locale="en")


# -- ages -------------------------------------------------------------------------------------
def age_on(person: Person, on: dt.date, rule: str = "date") -> int:
    """Age on a date: exact with a birth date and rule "date"; else by calendar year."""
    if rule == "year_end" or person.birth_date is None:
        return on.year - person.birth_year
    born = person.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def date_reaching(person: Person, age: int, rule: str = "date") -> dt.date:
    """The first date on which ``age_on`` is at least ``age``."""
    if rule == "year_end" or person.birth_date is None:
        return dt.date(person.birth_year + age, 1, 1)
    born = person.birth_date
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return dt.date(born.year + age, 3, 1)


# -- dated segments ---------------------------------------------------------------------------
Segment = tuple[dt.date, dt.date | None, Any]  # start, end (inclusive; None = open), value


def segments(rules: Iterable[tuple[Period, Any]], default: Any,
             start: dt.date = dt.date.min) -> list[Segment]:
    """Cover [start, ∞) with the value of the rule in force, ``default`` between rules."""
    out: list[Segment] = []
    cursor = start
    for period, value in sorted(rules, key=lambda r: r[0].start):
        if period.until is not None and period.until < cursor:
            continue
        if period.start > cursor:
            out.append((cursor, period.start - ONE_DAY, default))
        begin = max(period.start, cursor)
        out.append((begin, period.until, value))
        if period.until is None:
            return out
        cursor = period.until + ONE_DAY
    out.append((cursor, None, default))
    return out


def _window(segs: list[Segment], on: dt.date,
            start_in: Callable[[Segment], dt.date | None]) -> tuple[dt.date, int] | None:
    """First allowed date >= on: ``start_in(seg)`` gives the first allowed date in a segment
    (or None). Returns the date and the index of its segment."""
    for index, seg in enumerate(segs):
        begin, end, _value = seg
        if end is not None and end < on:
            continue
        first = start_in(seg)
        if first is None:
            continue
        first = max(first, on, begin)
        if end is None or first <= end:
            return first, index
    return None


def _run_end(segs: list[Segment], index: int,
             start_in: Callable[[Segment], dt.date | None]) -> dt.date | None:
    """Last day of the uninterrupted allowed run that starts in segment ``index``."""
    end = segs[index][1]
    for seg in segs[index + 1:]:
        if end is None:
            return None
        first = start_in(seg)
        if first is None or max(first, seg[0]) != seg[0]:
            return end
        end = seg[1]
    return end


def _latest(recommended: dt.date | None, run_end: dt.date | None, earliest: dt.date):
    if recommended is None:
        return run_end
    if run_end is None or recommended < earliest:
        return recommended
    return min(recommended, run_end)


# -- the engine -------------------------------------------------------------------------------
def next_dose(profile: Profile, person: Person, history: list[DoseGiven],
              on: dt.date) -> DueDose | NotEligible:
    """Say which dose is due next for a person, or why none is."""
    history = sorted(history, key=lambda d: (d.date, d.dose_number))
    primary = [d for d in history if not d.is_booster]
    if not primary:
        return _first_dose(profile, person, on)
    schedule = next((s for s in profile.schedules if s.vaccine == primary[0].vaccine), None)
    if schedule is None:
        return NotEligible("UNKNOWN_PRODUCT", _("The vaccine %(vaccine)s recorded for dose 1 "
                                                "is not in this country's schedules.",
                                                vaccine=primary[0].vaccine))
    if len(primary) < schedule.doses:
        return _later_primary(schedule, primary, len(history) + 1, on)
    return _booster(profile, person, schedule, history, on)


def product_name(profile: Profile, vaccine_id: str) -> str:
    """A product's display name (COVISHIELD, Sputnik V) for messages: never the profile's id."""
    return next((v.name for v in profile.vaccines if v.id == vaccine_id), vaccine_id)


def check_dose(profile: Profile, person: Person, history: list[DoseGiven], vaccine: str,
               on: dt.date) -> DueDose:
    """Confirm that ``vaccine`` may be given on ``on``; raise NotEligibleError saying why not."""
    due = next_dose(profile, person, history, on)
    if isinstance(due, NotEligible):
        raise NotEligibleError(due)
    if due.earliest > on:
        raise NotEligibleError(NotEligible(
            "TOO_EARLY", _("Dose %(number)s is due from %(date)s.", number=due.dose_number,
                           date=_format_date(due.earliest)), due.earliest))
    if vaccine not in due.allowed_vaccines:
        raise NotEligibleError(NotEligible(
            "PRODUCT_NOT_ALLOWED", _("%(vaccine)s cannot be given as dose %(number)s; allowed: "
                                     "%(allowed)s.", vaccine=product_name(profile, vaccine),
                                     number=due.dose_number,
                                     allowed=", ".join(product_name(profile, v)
                                                       for v in due.allowed_vaccines) or "—")))
    return due


def _first_dose(profile: Profile, person: Person, on: dt.date) -> DueDose | NotEligible:
    rule = profile.eligibility.age_on
    schedules = {s.vaccine: s for s in profile.schedules}

    def products(day: dt.date) -> tuple[str, ...]:
        age = age_on(person, day, rule)
        return tuple(v.id for v in profile.vaccines
                     if v.id in schedules and v.available_on(day)
                     and (v.min_age is None or age >= v.min_age)
                     and (v.max_age is None or age <= v.max_age))

    def admitted(day: dt.date) -> bool:
        if age_on(person, day, rule) < profile.eligibility.min_age:
            return False
        phases = profile.eligibility.phases
        return not phases or any(_phase_admits(p, person, day, rule) for p in phases)

    def due(day: dt.date) -> DueDose:
        allowed = products(day)
        return DueDose(1, False, "1", allowed, day, None, schedules[allowed[0]].doses)

    if admitted(on) and products(on):
        return due(on)
    # When will it open? Only these dates can change the answer.
    ages = {profile.eligibility.min_age, *(v.min_age for v in profile.vaccines if v.min_age),
            *(p.min_age for p in profile.eligibility.phases if p.min_age)}
    candidates = sorted({d for d in (*(date_reaching(person, a, rule) for a in ages),
                                     *(p.period.start for p in profile.eligibility.phases),
                                     *(v.available_from for v in profile.vaccines
                                       if v.available_from)) if d > on})
    opening = next((d for d in candidates if admitted(d) and products(d)), None)
    if age_on(person, on, rule) < profile.eligibility.min_age or (
            admitted(on) and opening is not None):
        when = _format_date(opening) if opening else None
        return NotEligible("TOO_YOUNG", _("Not yet old enough for vaccination; eligible from "
                                          "%(date)s.", date=when) if when else
                           _("Not old enough for vaccination."), opening)
    if opening is not None:
        return NotEligible("NOT_YET_ELIGIBLE", _("Vaccination is not yet open to this person; "
                                                 "eligible from %(date)s.",
                                                 date=_format_date(opening)), opening)
    return NotEligible("NOT_ELIGIBLE", _("No vaccine in this country's schedule is approved for "
                                         "this person."))


def _phase_admits(phase, person: Person, day: dt.date, rule: str) -> bool:
    if not phase.period.contains(day):
        return False
    if phase.groups and not set(phase.groups) & set(person.groups):
        return False
    age = age_on(person, day, rule)
    return (phase.min_age is None or age >= phase.min_age) and (
        phase.max_age is None or age <= phase.max_age)


def _later_primary(schedule: Schedule, primary: list[DoseGiven], number: int,
                   on: dt.date) -> DueDose:
    index = len(primary) - 1  # interval between dose len(primary) and the next one
    last = primary[-1].date
    segs = segments(((r.period, r.intervals[index]) for r in schedule.rules),
                    schedule.intervals[index])

    def start_in(seg: Segment) -> dt.date:
        return add(last, seg[2].min)

    earliest, seg_index = _window(segs, on, start_in)  # the last segment is open: never None
    interval = segs[seg_index][2]
    recommended = add(last, interval.max) if interval.max is not None else None
    latest = _latest(recommended, _run_end(segs, seg_index, start_in), earliest)
    return DueDose(number, False, "2",
                   (schedule.vaccine, *schedule.interchangeable_with), earliest, latest,
                   schedule.doses)


def _booster(profile: Profile, person: Person, schedule: Schedule, history: list[DoseGiven],
             on: dt.date) -> DueDose | NotEligible:
    booster: Booster | None = profile.booster_after(schedule.vaccine)
    given = sum(1 for d in history if d.is_booster)
    if booster is None or given >= booster.count:
        return NotEligible("SERIES_COMPLETE", _("The vaccination schedule is complete."))
    rule = profile.eligibility.age_on
    last = history[-1].date
    opens = booster.base.period.start
    segs = [s for s in segments(((t.period, t) for t in booster.rules), booster.base)
            if s[1] is None or s[1] >= opens]
    segs = [(max(s[0], opens), s[1], s[2]) for s in segs]

    def start_in(seg: Segment) -> dt.date:
        terms: BoosterTerms = seg[2]
        first = add(last, terms.min_interval)
        if not (terms.groups and set(terms.groups) & set(person.groups)):
            first = max(first, date_reaching(person, terms.min_age, rule))
        return first

    earliest, seg_index = _window(segs, on, start_in)
    terms = segs[seg_index][2]
    recommended = add(last, terms.max_interval) if terms.max_interval is not None else None
    latest = _latest(recommended, _run_end(segs, seg_index, start_in), earliest)
    return DueDose(len(history) + 1, True, "booster", terms.products, earliest, latest,
                   schedule.doses)
