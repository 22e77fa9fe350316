"""Wire booking into the app: pages, native API, navigation, template helpers."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.booking import fair_views  # lotteries, standby lists, priority checks (#21)
from cowin_kit.booking import labels, lottery, messages, scopes, standby  # noqa: F401 - SMS texts
from cowin_kit.booking import refusals
from cowin_kit.booking.signals import dose_freed, dose_released
from cowin_kit.booking.api import bp as api_bp
from cowin_kit.booking.views import bp
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.web.context import add_home_block, add_nav


def init_app(app: Flask) -> None:
    app.add_template_filter(dt.date.fromisoformat, "isodate")
    labels.init_app(app)
    scopes.register()  # facilities, sessions, appointments: places for staff permissions
    # a cancelled dose goes down the standby list or the lottery draw; weak=False: module-level
    # functions, connected once per process (blinker ignores repeats)
    dose_freed.connect(standby.on_dose_freed, weak=False)
    dose_released.connect(lottery.on_dose_released, weak=False)
    app.register_blueprint(bp)
    register_api_blueprint(app, api_bp)
    add_nav(app, "booking.find", _l("Find a centre"), "public", order=20)
    add_home_block(app, "booking/_home_find.html", order=20)

    fair_views.init_app(app)
    refusals.init_app(app)  # attempts for sessions known full, refused before the app
