"""Dates, times, numbers and percentages in the reader's locale and the profile's digits.

Registered for every template as globals (``format_date(d, "long")``) and as filters
(``{{ d|date("long") }}``, ``{{ n|number }}``). They wrap Flask-Babel (current locale and the
profile's time zone) and then write the digits the profile sets for the locale (``digits: arab``
gives ١٢٣). Python code (SMS texts, certificates) can import them too.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_skeleton
from babel.numbers import UnsupportedNumberingSystemError
from babel.numbers import format_decimal as babel_decimal
from babel.numbers import format_percent as babel_percent
from flask import Flask
from flask_babel import format_currency as babel_currency_fmt
from flask_babel import format_date as babel_date
from flask_babel import format_datetime as babel_datetime
from flask_babel import format_time as babel_time
from flask_babel import format_timedelta as babel_timedelta
from flask_babel import get_locale

from cowin_kit.core.i18n import digit_system, localize_digits


def _numbers(fn, value, fmt=None):
    """Format a number with the locale's separators for its numbering system, then its digits."""
    locale = get_locale()
    system = digit_system(str(locale))
    try:
        text = fn(value, fmt, locale=locale, numbering_system=system)
    except UnsupportedNumberingSystemError:  # e.g. Latin-script locale asked for arab digits
        text = fn(value, fmt, locale=locale)
    return localize_digits(text, system)


def format_decimal(number, format: str | None = None) -> str:
    """``12345.5`` -> ``12,345.5`` / ``١٢٬٣٤٥٫٥``."""
    return _numbers(babel_decimal, number, format)


def format_number(number) -> str:
    return format_decimal(number)


def format_percent(number, format: str | None = None) -> str:
    """A ratio (``0.25``) as a percentage in the locale: ``25%`` / ``٢٥٪``."""
    return _numbers(babel_percent, number, format)


def format_currency(number, currency: str, format: str | None = None, **kwargs) -> str:
    return localize_digits(babel_currency_fmt(number, currency, format, **kwargs))


def format_date(date=None, format: str | None = None, rebase: bool = True) -> str:
    """A date in the locale's words and digits (``13 May 2021`` / ``١٣ أيار ٢٠٢١``)."""
    return localize_digits(babel_date(date, format, rebase))


def format_partial_date(value, format: str = "long") -> str:
    """An ISO 8601 date that may be partial, as certificates carry birth dates: ``1950-03-04``
    -> ``4 March 1950``, ``1950-03`` -> ``Mar 1950``, ``1950`` -> ``1950`` (in the locale's
    words and digits). Anything else comes back as it was."""
    text = str(value or "")
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 3:
            return format_date(dt.date(*parts), format)
        if len(parts) == 2:
            return localize_digits(format_skeleton("yMMM", dt.date(parts[0], parts[1], 1),
                                                   locale=get_locale()))
        if len(parts) == 1 and len(text) == 4:
            return localize_digits(text)
    except ValueError:
        pass
    return text


def format_country(code) -> str:
    """A country code (ISO 3166 alpha-2 or alpha-3, as certificates carry it) as the country's
    name in the reader's language: ``IN`` / ``IND`` -> ``India`` / ``भारत``; unknown codes as given."""
    text = str(code or "").strip()
    alpha2 = text.upper()
    if len(alpha2) == 3:
        import pycountry

        found = pycountry.countries.get(alpha_3=alpha2)
        alpha2 = found.alpha_2 if found else alpha2
    return get_locale().territories.get(alpha2, text)


def format_time(time=None, format: str | None = None, rebase: bool = True) -> str:
    return localize_digits(babel_time(time, format, rebase))


def format_datetime(datetime=None, format: str | None = None, rebase: bool = True) -> str:
    """A moment in the profile's time zone, the locale's words and digits."""
    return localize_digits(babel_datetime(datetime, format, rebase))


def format_timedelta(delta, granularity: str = "second", add_direction: bool = False,
                     threshold: float = 0.85) -> str:
    return localize_digits(babel_timedelta(delta, granularity, add_direction=add_direction,
                                           threshold=threshold))


GLOBALS = {
    "format_date": format_date, "format_time": format_time, "format_datetime": format_datetime,
    "format_decimal": format_decimal, "format_number": format_number,
    "format_percent": format_percent, "format_currency": format_currency,
    "format_timedelta": format_timedelta, "localize_digits": localize_digits,
}
FILTERS = {
    "date": format_date, "partial_date": format_partial_date, "country": format_country,
    "time": format_time, "datetime": format_datetime,
    "number": format_decimal, "percent": format_percent, "digits": localize_digits,
    # Flask-Babel's own filter names, so templates using them get the profile's digits too.
    "dateformat": format_date, "timeformat": format_time, "datetimeformat": format_datetime,
    "decimalformat": format_decimal, "numberformat": format_number,
    "percentformat": format_percent, "currencyformat": format_currency,
    "timedeltaformat": format_timedelta,
}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(GLOBALS)
    app.jinja_env.filters.update(FILTERS)
