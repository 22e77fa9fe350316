"""Wire the ministry side: staff sign-in, facility and session admin, desk, AEFI, audit log."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts import audit_views, staff_views, staff_web
from cowin_kit.booking import admin_views
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.vaccination import api, newborn, offline_views, routine_desk, scopes, views
from cowin_kit.web.context import add_nav


def init_app(app: Flask) -> None:
    scopes.register()  # doses and AEFI reports: places for staff permissions
    app.config.setdefault("STAFF_MAX_FAILED_LOGINS", 5)
    app.config.setdefault("STAFF_LOCKOUT_MINUTES", 15)
    app.config.setdefault("DOSE_CORRECTION_HOURS", 24)
    app.config.setdefault("DESK_PACK_HOURS", 12)  # offline desk pack lifetime (#22)
    app.config.setdefault("DESK_PACK_PBKDF2_ITERATIONS", 20000)
    app.config.setdefault("STAFF_IDLE_MINUTES", 120)
    app.config.setdefault("STAFF_LOOKUP_LIMIT", "600 per hour")
    for blueprint in (staff_views.bp, admin_views.bp, views.bp, views.aefi_bp, audit_views.bp,
                      offline_views.bp, newborn.bp, routine_desk.bp):
        app.register_blueprint(blueprint)
    register_api_blueprint(app, api.blp)
    add_nav(app, "staff.home", _l("Staff"), section="staff", order=90)
    staff_web.init_header(app)
