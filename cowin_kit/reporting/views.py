"""Public dashboard pages (no login)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from cowin_kit.areas.models import Area
from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound
from cowin_kit.reporting import dashboard
from cowin_kit.reporting.labels import date_text, local_today, number

bp = Blueprint("reporting", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/reporting")


def home_figures() -> dict:
    """The country's key figures for the home page (the dashboard's cached counters)."""
    return dashboard.headline(local_today())


@bp.get("/dashboard", defaults={"code": None})
@bp.get("/dashboard/<code>")
def dashboard_page(code: str | None):
    """Show doses given in the country, or in one area, from the counters."""
    area = None
    if code:
        area = db.session.scalar(sa.select(Area).where(Area.code == code))
        if area is None:
            raise NotFound()
    context = dashboard.build(area, local_today())
    response = render_template("reporting/dashboard.html", **context)
    # Public figures: let browsers and proxies reuse them briefly (per language and session,
    # since the page is rendered in the reader's language).
    return response, 200, {"Cache-Control": "public, max-age=60",
                           "Vary": "Accept-Language, Cookie"}


@bp.app_template_filter("report_number")
def report_number(value) -> str:
    """Format a number for the reader's locale."""
    return number(value)


@bp.app_template_filter("report_date")
def report_date(value) -> str:
    """Format a date for the reader's locale."""
    return date_text(value)
