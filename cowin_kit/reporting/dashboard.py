"""Turn dashboard figures into what the page shows: labelled, locale-formatted, charted."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from cowin_kit.areas.models import Area
from cowin_kit.core.cache import get_cache, make_key
from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound
from cowin_kit.core.i18n import localize_digits, text_direction
from cowin_kit.profiles import get_profile
from cowin_kit.reporting import charts
from cowin_kit.reporting.bands import age_bands
from cowin_kit.reporting.labels import (area_name, dose_label, gender_label, language, number,
                                        vaccine_name)
from cowin_kit.reporting.queries import (Figures, child_areas, counter_figures,
                                         figures_from_json, figures_to_json)


def ancestors(area: Area | None) -> list[Area]:
    """Return the areas above ``area``, top first (for the breadcrumb)."""
    if area is None:
        return []
    ids = [int(part) for part in area.path.strip("/").split("/")[:-1] if part]
    found = {a.id: a for a in db.session.scalars(sa.select(Area).where(Area.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _dose_order(key: str) -> tuple[int, int]:
    return (1, 0) if key == "booster" else (0, int(key))


#: Days of history the dashboard's charts show.
DAYS = 90


def _today_text(today: dt.date) -> str:
    return localize_digits(format_date(today, "long"))


def headline(today: dt.date) -> dict:
    """The country's key figures and their date (the home page's block)."""
    return {"figures": cached_figures(None, today, DAYS), "today_text": _today_text(today)}


def build(area: Area | None, today: dt.date, days: int = DAYS) -> dict:
    """Collect the template context of the public dashboard for an area (None = the country)."""
    figures = cached_figures(area, today, days)
    rtl = text_direction() == "rtl"
    profile = get_profile()

    def rows(items):
        return [(label, value, number(value)) for label, value in items]

    by_dose = sorted(figures.by_dose.items(), key=lambda kv: _dose_order(kv[0]))
    dose_chart = charts.bar_chart(rows([(dose_label(k), v) for k, v in by_dose]), rtl=rtl)
    vaccine_chart = charts.bar_chart(rows(
        [(vaccine_name(k), v) for k, v in sorted(figures.by_vaccine.items(),
                                                 key=lambda kv: -kv[1])]), rtl=rtl)
    genders = [g.code for g in profile.genders] or sorted({g for _b, g in figures.by_band_gender})
    bands = [b.label for b in age_bands(profile)]
    bands += sorted({b for b, _g in figures.by_band_gender} - set(bands))
    band_rows = [(localize_digits(band), [(figures.by_band_gender.get((band, g), 0),
                          number(figures.by_band_gender.get((band, g), 0))) for g in genders])
                 for band in bands if any(figures.by_band_gender.get((band, g)) for g in genders)]
    band_chart = charts.stacked_chart(band_rows, [gender_label(g) for g in genders], rtl=rtl)
    children = child_areas(area)
    child_items = sorted(((c, figures.by_child.get(c.id, 0)) for c in children),
                         key=lambda cv: -cv[1])  # ties keep child_areas' collation order
    has_grandchildren = _with_children({c.id for c in children})
    area_chart = charts.bar_chart(rows([(area_name(c), v) for c, v in child_items]), rtl=rtl)
    series = []
    for i in range(days):
        day = today - dt.timedelta(days=days - 1 - i)
        value = figures.daily.get(day, 0)
        series.append((localize_digits(format_date(day, "medium")), value, number(value)))
    peak = max((v for _l, v, _t in series), default=0)
    daily_chart = charts.line_chart(series, peak_text=number(peak), rtl=rtl)
    return {
        "area": area,
        "area_title": area_name(area),
        "breadcrumb": [(area_name(a), url_for("reporting.dashboard_page", code=a.code))
                       for a in ancestors(area)],
        "figures": figures,
        "today": today,
        "today_text": _today_text(today),
        "level_label": _level_label(children),
        "dose_chart": dose_chart,
        "vaccine_chart": vaccine_chart,
        "band_chart": band_chart,
        "band_table": (bands, genders, [gender_label(g) for g in genders]),
        "area_rows": [(c, area_name(c), v, figures.by_child_today.get(c.id, 0),
                       c.id in has_grandchildren) for c, v in child_items],
        "area_chart": area_chart,
        "daily_chart": daily_chart,
        "daily_rows": [row for row in reversed(series) if row[1]],
        "days": days,
        "number": number,
    }


def cached_figures(area: Area | None, today: dt.date, days: int) -> Figures:
    """Figures from the counters, shared for DASHBOARD_CACHE_SECONDS (default 30) between
    requests and, with Redis, between workers; 0 turns the cache off."""
    ttl = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 30))
    if ttl <= 0:
        return FIGURES(area, today, days=days)
    key = make_key("dashboard", area=area.id if area else 0, today=today, days=days)
    data = get_cache().get_or_set(key, ttl, lambda: figures_to_json(
        FIGURES(area, today, days=days)))
    return figures_from_json(data)


#: How the page computes its figures (the benchmark swaps in the full-scan oracle).
FIGURES = counter_figures


def _with_children(ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Area.parent_id).distinct()
                                  .where(Area.parent_id.in_(ids))))


def _level_label(children: list[Area]) -> str:
    if not children:
        return ""
    try:
        return get_profile().level(children[0].level_key).label(language())
    except NotFound:
        return _("Area")
