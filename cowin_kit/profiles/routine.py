"""Routine schedule engine: pure functions from a person's history to the next dose due for
each antigen of each programme (docs/routine-immunisation.md, "How the engine decides").

History is a list of (product id, date) pairs from any source: this programme, another one, a
campaign, or abroad. A product counts for every antigen it contains. A dose given before its
minimum age or interval (less the profile's grace days) does not count, and the repeat dose is
spaced from it by the minimum interval."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from .ages import after
from .routine_model import Dose, Programme, Routine, Series

DAY = dt.timedelta(days=1)

#: Status of an antigen's next dose on the day asked about.
UPCOMING, DUE, OVERDUE, COMPLETE, NO_LONGER_DUE = (
    "upcoming", "due", "overdue", "complete", "no_longer_due")

#: Why a given dose does not count.
TOO_EARLY_AGE, TOO_SOON, EXTRA, UNKNOWN_PRODUCT, LIVE_TOO_SOON = (
    "before_minimum_age", "before_minimum_interval", "beyond_series", "unknown_product",
    "live_vaccine_spacing")


@dataclass(frozen=True)
class Pregnancy:
    """A pregnancy: ``start`` is the first day of the last menstrual period (gestational age
    counts from it); ``end`` the day it ended, if it has."""

    start: dt.date
    end: dt.date | None = None

    @classmethod
    def at_week(cls, week: int, on: dt.date, end: dt.date | None = None) -> "Pregnancy":
        """A pregnancy known by its gestational week on a day (as registers record it)."""
        return cls(on - dt.timedelta(weeks=week), end)

    @classmethod
    def from_due_date(cls, due: dt.date, end: dt.date | None = None) -> "Pregnancy":
        """A pregnancy known by its expected delivery date (40 weeks after the start)."""
        return cls(due - dt.timedelta(weeks=40), end)


@dataclass(frozen=True)
class Rejected:
    product: str
    day: dt.date
    reason: str
    antigen: str | None = None
    dose_name: str | None = None


@dataclass(frozen=True)
class NextDose:
    """The state of one antigen's series: its next dose, or complete / no longer due."""

    programme: str
    antigen: str
    status: str
    counted: int                        # valid doses of the series given so far
    number: int | None = None           # 1-based position of the next dose in the series
    name: str | None = None
    due: dt.date | None = None          # recommended date
    earliest: dt.date | None = None     # first valid date (minimum age and interval)
    overdue_from: dt.date | None = None
    last_day: dt.date | None = None     # last day it is still given (None: no limit)
    products: tuple[str, ...] = ()      # this programme's products that may give it then
    rejected: tuple[Rejected, ...] = ()
    filled: tuple[int, ...] = ()        # the positions in the series the counted doses took

    @property
    def can_give(self) -> bool:
        return self.status in (UPCOMING, DUE, OVERDUE) and self.earliest is not None


def _sorted(history: Iterable[tuple[str, dt.date]]) -> list[tuple[dt.date, str]]:
    return sorted((day, product) for product, day in history)


def _last_day(anchor: dt.date, dose: Dose) -> dt.date | None:
    end = after(anchor, dose.max_age)
    return None if end is None else end - DAY


def _earliest(anchor: dt.date | None, doses: tuple[Dose, ...], slot: int,
              counted: dt.date | None, invalid: dt.date | None) -> tuple[dt.date, str]:
    """The first valid day for ``doses[slot]``: its minimum age (none for a dose from before
    this pregnancy: ``anchor`` None), its minimum interval after the last counted dose, and
    (ACIP) the series' interval after a dose that did not count."""
    dose = doses[slot]
    found, why = (dt.date.min if anchor is None else after(anchor, dose.min_age)), TOO_EARLY_AGE
    spacing = dose.min_interval or next((d.min_interval for d in doses[slot + 1:slot + 2]), None)
    for previous, gap in ((counted, dose.min_interval), (invalid, spacing)):
        if previous is not None and gap is not None and after(previous, gap) > found:
            found, why = after(previous, gap), TOO_SOON
    return found, why


def _series_doses(series: Series, anchor: dt.date, earlier: list[dt.date],
                  start: dt.date) -> tuple[Dose, ...]:
    """The doses to follow: ``if_recent`` replaces them after enough recent doses, a
    ``catch_up`` when the series starts (``start``: its first dose, or today) late."""
    recent = series.if_recent
    if recent is None:
        late = [c for c in series.catch_up if after(anchor, c.from_age) <= start]
        return late[-1].doses if late else series.doses
    window = after(anchor, -recent.within)
    return recent.doses if sum(window <= d < anchor for d in earlier) >= recent.count \
        else series.doses


def _live_block(routine: Routine, live: list[tuple[dt.date, str]], day: dt.date,
                offered: tuple[str, ...]) -> dt.date | None:
    """The first day a live vaccine of ``offered`` may follow the other live vaccines given
    before ``day`` (``live_spacing`` after the last; the same day does not count)."""
    if routine.live_spacing is None:
        return None
    ends = [after(d, routine.live_spacing) for d, p in live if d < day and p not in offered]
    return max(ends) if ends else None


def _walk(routine: Routine, programme: Programme, series: Series, birth: dt.date,
          anchor: dt.date, on: dt.date, given: list[tuple[dt.date, str]],
          doses: tuple[Dose, ...], close: dt.date | None,
          live: list[tuple[dt.date, str]]) -> NextDose:
    slot, invalid, last_counted, counted, rejected, filled = 0, None, None, 0, [], []

    def skip_missed(day: dt.date) -> None:
        nonlocal slot
        while slot < len(doses) and doses[slot].skip_if_missed:
            last = _last_day(anchor, doses[slot])
            if last is None or day <= last:
                return
            slot += 1

    for day, product in given:
        skip_missed(day)
        if slot >= len(doses):
            rejected.append(Rejected(product, day, EXTRA, series.antigen))
            continue
        earliest, why = _earliest(anchor if day >= anchor else None, doses, slot, last_counted,
                                  invalid)
        if earliest > dt.date.min + routine.grace and day < earliest - routine.grace:
            rejected.append(Rejected(product, day, why, series.antigen, doses[slot].name))
            invalid = day  # the repeat dose is spaced from this one
            continue
        block = _live_block(routine, live, day, (product,)) if routine.product(product).live \
            else None
        if block is not None and day < block:
            rejected.append(Rejected(product, day, LIVE_TOO_SOON, series.antigen,
                                     doses[slot].name))
            invalid = day
            continue
        filled.append(slot + 1)
        slot, counted, last_counted, invalid = slot + 1, counted + 1, day, None
    skip_missed(on)
    base = dict(programme=programme.id, antigen=series.antigen, counted=counted,
                rejected=tuple(rejected), filled=tuple(filled))
    if slot >= len(doses):
        return NextDose(status=COMPLETE, **base)
    dose = doses[slot]
    offered = dose.products or series.products
    earliest, _why = _earliest(anchor, doses, slot, last_counted, invalid)
    if offered and all(routine.product(p).live for p in offered):
        # spaced from the other live vaccines, and from a dose of its own refused for it
        again = [(r.day, "") for r in rejected[-1:] if r.reason == LIVE_TOO_SOON]
        earliest = max(earliest, _live_block(routine, live + again, on, offered) or earliest)
    due = after(anchor, dose.age)
    if last_counted is not None and dose.interval is not None:
        due = max(due, after(last_counted, dose.interval))
    due = max(due, earliest)
    late = after(anchor, dose.late_age)
    overdue = late if late is not None and late >= due else after(due, routine.overdue_after)
    last_day = _last_day(anchor, dose)
    if close is not None and (last_day is None or close < last_day):
        last_day = close
    if last_day is not None and (on > last_day or earliest > last_day):
        status = NO_LONGER_DUE
    else:
        status = OVERDUE if on >= overdue else DUE if on >= due else UPCOMING
    return NextDose(status=status, number=slot + 1, name=dose.name, due=due, earliest=earliest,
                    overdue_from=overdue, last_day=last_day,
                    products=_products(routine, offered, max(on, earliest), birth), **base)


def _products(routine: Routine, offered: tuple[str, ...], day: dt.date,
              birth: dt.date) -> tuple[str, ...]:
    """The products offered whose own age limits allow ``day`` (ages from birth)."""
    chosen = []
    for product_id in offered:
        product = routine.product(product_id)
        low, high = after(birth, product.min_age), after(birth, product.max_age)
        if (low is None or day >= low) and (high is None or day < high):
            chosen.append(product_id)
    return tuple(chosen)


def next_doses(routine: Routine, birth: dt.date, on: dt.date,
               history: Iterable[tuple[str, dt.date]], pregnancy: Pregnancy | None = None,
               sex: str | None = None) -> list[NextDose]:
    """The next dose of every antigen series that applies to the person on ``on``.

    ``history``: (product id, date) pairs, in any order, given anywhere. Doses dated after
    ``on`` are ignored. Pregnancy programmes apply only with ``pregnancy``; campaigns only on
    their dates; programmes for one sex only to that sex (when ``sex`` is given)."""
    by_antigen_given: dict[str, list[tuple[dt.date, str]]] = {}
    live: list[tuple[dt.date, str]] = []
    for day, product in _sorted((p, d) for p, d in history if d <= on):
        for antigen in routine.antigens_of(product):
            by_antigen_given.setdefault(antigen, []).append((day, product))
        if routine.antigens_of(product) and routine.product(product).live:
            live.append((day, product))
    result = []
    for programme in routine.programmes:
        if not programme.runs_on(on) or (sex and programme.sex and programme.sex != sex):
            continue
        anchor, close = birth, programme.until
        if programme.anchor == "pregnancy":
            if pregnancy is None or (pregnancy.end is not None and pregnancy.end < on):
                continue
            anchor, close = pregnancy.start, pregnancy.end
        since = programme.start if programme.kind == "campaign" else (
            anchor if programme.anchor == "pregnancy" and not programme.counts_earlier_doses
            else None)
        for series in programme.series:
            of_antigen = by_antigen_given.get(series.antigen, [])
            earlier = [d for d, _p in of_antigen]
            given = [(d, p) for d, p in of_antigen if since is None or d >= since]
            doses = _series_doses(series, anchor, earlier, given[0][0] if given else on)
            result.append(_walk(routine, programme, series, birth, anchor, on, given, doses,
                                close, live))
    return result


def unknown_products(routine: Routine, history: Iterable[tuple[str, dt.date]]) -> list[Rejected]:
    """Doses of products the profile does not know (they count for nothing: add the product
    to routine.yaml, with in_programme: false if it is given only elsewhere)."""
    return [Rejected(p, d, UNKNOWN_PRODUCT) for p, d in history if routine.product(p) is None]


def by_antigen(doses: Iterable[NextDose]) -> dict[str, NextDose]:
    """Index the result of ``next_doses`` by antigen (the first programme wins)."""
    found: dict[str, NextDose] = {}
    for dose in doses:
        found.setdefault(dose.antigen, dose)
    return found
