"""ISO 8601 durations (P28D, P12W, P6M, PT2H) and date arithmetic with them."""

from __future__ import annotations

import datetime as dt

import isodate

Duration = dt.timedelta | isodate.Duration


class DurationError(ValueError):
    """Not an ISO 8601 duration."""


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration; raise DurationError when it is not one or is negative."""
    if not isinstance(text, str) or not text.startswith("P"):
        raise DurationError(f"not an ISO 8601 duration: {text!r}")
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise DurationError(f"not an ISO 8601 duration: {text!r}") from exc
    if add(dt.date(2000, 1, 1), value) < dt.date(2000, 1, 1):
        raise DurationError(f"negative duration: {text!r}")
    return value


def add(day: dt.date, duration: Duration) -> dt.date:
    """Return ``day`` plus ``duration`` (calendar months and years respected)."""
    result = day + duration
    return result.date() if isinstance(result, dt.datetime) else result


def to_timedelta(duration: Duration) -> dt.timedelta:
    """Approximate a calendar duration as a timedelta (a year = 365 days, a month = 30)."""
    if isinstance(duration, dt.timedelta):
        return duration
    return duration.tdelta + dt.timedelta(days=int(duration.years) * 365
                                          + int(duration.months) * 30)
