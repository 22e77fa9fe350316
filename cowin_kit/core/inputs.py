"""Bounds of untrusted input: what the database columns hold and what date arithmetic survives.

Every integer and date that comes from outside is checked against these at the layer where it
enters (URL converters, marshmallow schemas, the CoWIN v2 parameter readers, form helpers), so a
value the database cannot store is a clear 400/404 rather than a driver error.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from flask_babel import lazy_gettext as _l
from marshmallow import validate

#: ``INTEGER`` columns (ids, counts, years) are 32-bit signed in PostgreSQL.
INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)
#: Dates accepted anywhere: wide enough for every birth date and plan, far from ``date.max``
#: (9999-12-31, where adding a day raises OverflowError).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

INT_RANGE_MESSAGE = _l("Must be a whole number between %(low)s and %(high)s.")
DATE_RANGE_MESSAGE = _l("Must be a date between %(low)s and %(high)s.")


def int_range(low: int = 0, high: int = INT32_MAX) -> validate.Range:
    """A marshmallow Range for an integer stored in an ``INTEGER`` column (documented in
    the OpenAPI document as minimum/maximum)."""
    return validate.Range(low, high, error=_RangeMessage(INT_RANGE_MESSAGE))


def date_range() -> validate.Range:
    """A marshmallow Range for a date between DATE_MIN and DATE_MAX."""
    return validate.Range(DATE_MIN, DATE_MAX, error=_RangeMessage(DATE_RANGE_MESSAGE))


def datetime_range() -> validate.Range:
    """A marshmallow Range for an aware datetime within DATE_MIN..DATE_MAX (UTC)."""
    low = dt.datetime.combine(DATE_MIN, dt.time(), dt.timezone.utc)
    high = dt.datetime.combine(DATE_MAX, dt.time.max, dt.timezone.utc)
    return validate.Range(low, high, error=_RangeMessage(DATE_RANGE_MESSAGE))


def int_out_of_range(value: int, low: int = INT32_MIN, high: int = INT32_MAX) -> str | None:
    """The localised refusal for an integer outside ``low..high``, or None when it fits."""
    if low <= value <= high:
        return None
    return str(INT_RANGE_MESSAGE) % {"low": low, "high": high}


def date_out_of_range(value: dt.date) -> str | None:
    """The localised refusal for a date outside DATE_MIN..DATE_MAX, or None when it fits."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if DATE_MIN <= day <= DATE_MAX:
        return None
    return str(DATE_RANGE_MESSAGE) % {"low": DATE_MIN.isoformat(), "high": DATE_MAX.isoformat()}


class _RangeMessage:
    """marshmallow formats Range errors with ``str.format(min=, max=)``; ours use %-style
    placeholders (Babel's), filled at validation time in the reader's language."""

    def __init__(self, message) -> None:
        self.message = message

    def format(self, *, input, min, max) -> str:  # noqa: A002 - marshmallow's keywords
        low, high = (v.date().isoformat() if isinstance(v, dt.datetime)
                     else v.isoformat() if isinstance(v, dt.date) else v for v in (min, max))
        return str(self.message) % {"low": low, "high": high}


@functools.cache
def known_timezones() -> frozenset[str]:
    """IANA time zone names (cached): what a profile's or an area's ``timezone`` may name."""
    return frozenset(zoneinfo.available_timezones())
