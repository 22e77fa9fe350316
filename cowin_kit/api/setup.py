"""Register the CoWIN-compatible API under /api/v2."""

from __future__ import annotations

from flask import Flask

from cowin_kit.api.cowin_v2 import blueprint
from cowin_kit.api.cowin_v2.common import cowin_error_body
from cowin_kit.core.errors import register_json_error_shape


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint.bp, url_prefix="/api/v2")
    register_json_error_shape(app, "/api/v2/", cowin_error_body)
