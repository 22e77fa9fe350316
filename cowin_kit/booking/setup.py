"""Wire booking into the app: pages, native API, navigation, template helpers."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.booking import fair_views  # lotteries, standby lists, priority checks (#21)
from cowin_kit.booking import labels, messages, scopes  # noqa: F401 - messages: the SMS texts
from cowin_kit.booking.api import bp as api_bp
from cowin_kit.booking.views import bp
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.web.context import add_home_block, add_nav


def init_app(app: Flask) -> None:
    app.add_template_filter(dt.date.fromisoformat, "isodate")
    labels.init_app(app)
    scopes.register()  # facilities, sessions, appointments: places for staff permissions
    app.register_blueprint(bp)
    register_api_blueprint(app, api_bp)
    add_nav(app, "booking.find", _l("Find a centre"), "public", order=20)
    add_home_block(app, "booking/_home_find.html", order=20)

    fair_views.init_app(app)
