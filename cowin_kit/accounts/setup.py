"""Wire citizen sign-in into the app: web pages, native API, navigation."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts import api, views
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.web.context import add_nav


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    spec = app.extensions["kit_api"].spec
    if "citizenBearer" not in spec.components.security_schemes:
        spec.components.security_scheme("citizenBearer", {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "Token from POST /api/kit/v1/auth/otp/confirm"})
    register_api_blueprint(app, api.bp)
    add_nav(app, "accounts.my", _l("My account"), "citizen", order=20)
