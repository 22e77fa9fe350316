"""Wire reporting into the app: counter hook, dashboard and report pages, FHIR API, nav."""

from __future__ import annotations

import importlib.util

from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.extensions import register_api_blueprint
from cowin_kit.reporting import api, counters, staff_views, views
from cowin_kit.web.context import add_home_block, add_nav


def init_app(app: Flask) -> None:
    counters.install()
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
    add_nav(app, "reporting.dashboard_page", _l("Dashboard"), "public", order=40)
    add_home_block(app, "reporting/_home_figures.html", views.home_figures, order=40)
    # Ministry report pages need staff sign-in (accounts domain).
    if importlib.util.find_spec("cowin_kit.accounts.staff_permissions") is not None:
        app.register_blueprint(staff_views.bp)
        add_nav(app, "reporting_staff.index", _l("Reports"), "staff", order=60,
                roles=staff_views.REPORT_ROLES)
