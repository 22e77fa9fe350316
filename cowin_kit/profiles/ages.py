"""Ages and intervals in routine schedules: "0d", "6w", "9m", "16y" or combined ("1y6m").

A value is kept as an isodate/timedelta duration so that dates move by calendar months and
years (9 months after 31 May is 28 or 29 February), the same arithmetic as ``durations.add``."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

import isodate

from .durations import Duration
from .spec import Spec

_AGE = re.compile(r"(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?")
EXPECTED = 'a duration like "0d", "6w", "9m", "16y" or "1y6m" (years, months, weeks, days)'


class AgeError(ValueError):
    """Not a schedule duration."""


def parse_age(text: object) -> Duration:
    """Parse "6w", "9m", "16y", "0d", "1y6m"…; raise AgeError otherwise."""
    if not isinstance(text, str):
        raise AgeError(f"not a schedule duration: {text!r}")
    return _parse(text)


@lru_cache(maxsize=512)
def _parse(text: str) -> Duration:
    """Cached: a schedule repeats a few values many times (the result must not be changed)."""
    match = _AGE.fullmatch(text) if text else None
    if match is None:
        raise AgeError(f"not a schedule duration: {text!r}")
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    delta = dt.timedelta(weeks=weeks, days=days)
    return isodate.Duration(days=delta.days, years=years, months=months) if years or months \
        else delta


@lru_cache(maxsize=1 << 16)
def after(day: dt.date, duration: Duration | None) -> dt.date | None:
    """``day`` plus ``duration`` (None stays None; dates past year 9999 are capped).

    The same calendar arithmetic as isodate (months and years first, the day clamped to the
    month's last, then the days), written out: the schedule engine calls it for every dose."""
    if duration is None:
        return None
    try:
        if isinstance(duration, dt.timedelta):
            return day + duration
        months = day.month - 1 + int(duration.years) * 12 + int(duration.months)
        year, month = day.year + months // 12, months % 12 + 1
        moved = day.replace(year=year, month=month,
                            day=min(day.day, calendar.monthrange(year, month)[1]))
        return moved + duration.tdelta
    except (OverflowError, ValueError):
        return dt.date.max


#: A fixed day to compare two durations on (a month is 28-31 days, so "1m" vs "30d" depends
#: on the day; profiles are checked with this one).
REFERENCE = dt.date(2001, 1, 1)


def longer(a: Duration, b: Duration) -> bool:
    """Whether ``a`` is strictly longer than ``b`` counted from the reference day."""
    return after(REFERENCE, a) > after(REFERENCE, b)


class Age(Spec):
    """Schema spec for a schedule duration."""

    expected = EXPECTED

    def check(self, value, path, src):
        try:
            parse_age(value)
        except AgeError:
            self.fail(value, path, src)
