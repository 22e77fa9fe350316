"""Names shown in reports, in the reader's language: vaccines, genders, doses, areas, dates."""

from __future__ import annotations

import datetime as dt
from numbers import Number
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from cowin_kit.core.errors import NotFound
from cowin_kit.core.i18n import localize_digits
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


def date_text(value: dt.date) -> str:
    """A date for the reader: the locale's medium form in the profile's digits."""
    from flask_babel import format_date

    return localize_digits(format_date(value, "medium"))


class PageCells:
    """The text of a report page's cells in the reader's language.

    Each distinct number or date is formatted once per page: a due list repeats a few dozen
    dates and small numbers over its 200 rows, and Babel's formatting was most of the page's
    time. Years of birth are written without a thousands separator (1988, not 1,988).
    """

    def __init__(self, columns) -> None:
        self.keys = [key for key, _label in columns]
        self._text: dict[tuple, str] = {}

    def row(self, values) -> list[str]:
        return [self.cell(key, value) for key, value in zip(self.keys, values)]

    def cell(self, key: str, value) -> str:
        if value is None:
            return "–"
        if isinstance(value, Number):
            how = "year" if key == "birth_year" else "number"
        elif isinstance(value, dt.date):
            how = "date"
        elif key == "age_band":
            how = "digits"
        else:
            return value if isinstance(value, str) else str(value)
        memo = (how, type(value), value)
        text = self._text.get(memo)
        if text is None:
            text = self._text[memo] = self._format(how, value)
        return text

    @staticmethod
    def _format(how: str, value) -> str:
        if how == "year":
            return number(value, format="0")
        if how == "number":
            return number(value)
        if how == "date":
            return date_text(value)

        return localize_digits(value)


def percent(part: float, whole: float) -> float | None:
    """A share in percent with one decimal (None without a whole): numbers stay numbers in
    spreadsheets; pages format them."""
    if not whole:
        return None
    return round(100 * part / whole, 1)
