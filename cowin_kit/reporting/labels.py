"""Names shown in reports, in the reader's language: vaccines, genders, doses, areas, dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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
    return _("Dose %(number)s", number=key)


def area_name(area) -> str:
    if area is None:
        return get_profile().country_name(language())
    return area.display_name(language())


def number(value: int | float) -> str:
    return format_decimal(value)


def percent(part: float, whole: float) -> str:
    """A share as a locale-formatted percentage with one decimal ("–" without a whole)."""
    if not whole:
        return "–"
    return format_decimal(100 * part / whole, format="#,##0.0") + " %"
