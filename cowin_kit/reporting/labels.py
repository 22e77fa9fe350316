"""Names shown in reports, in the reader's language: vaccines, genders, doses, areas, dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from cowin_kit.core.errors import NotFound
from cowin_kit.profiles import get_profile


def language() -> str:
    return str(get_locale() or "en").split("_")[0]


def local_today() -> dt.date:
    """Today in the country's time zone (a dose 'today' means the ministry's today)."""
    return dt.datetime.now(ZoneInfo(get_profile().timezone)).date()


def vaccine_name(vaccine_id: str) -> str:
    try:
        return get_profile().vaccine(vaccine_id).name
    except NotFound:
        return vaccine_id


def gender_label(code: str) -> str:
    try:
        return get_profile().gender(code).label(language())
    except NotFound:
        return code


def dose_label(key: str) -> str:
    """Label a dose key of the dashboard: "1", "2", … or "booster"."""
    if key == "booster":
        return _("Booster")
    return _("Dose %(number)s", number=int(key))  # a number: written in the locale's digits


def area_name(area) -> str:
    if area is None:
        return get_profile().country_name(language())
    return area.display_name(language())


#: Native digits of the numbering systems profiles may ask for (Babel formats Latin digits).
DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹", "deva": "०१२३४५६७८९",
          "beng": "০১২৩৪৫৬৭৮৯", "thai": "๐๑๒๓๔๕๖๗๘๙"}


def number(value: int | float, format: str | None = None) -> str:
    """Format a number for the reader: locale separators and the profile's digits."""
    locale = get_locale()
    system = get_profile().locale_info(str(locale)).digits if locale else "latn"
    if system not in DIGITS:
        return format_decimal(value, format=format)
    text = babel_format_decimal(value, format=format, locale=locale, numbering_system=system)
    return text.translate(str.maketrans("0123456789", DIGITS[system]))


def percent(part: float, whole: float) -> float | None:
    """A share in percent with one decimal (None without a whole): numbers stay numbers in
    spreadsheets; pages format them."""
    if not whole:
        return None
    return round(100 * part / whole, 1)
