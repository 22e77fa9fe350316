"""Register the CoWIN-compatible API under /api/v2."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from cowin_kit.api.cowin_v2 import blueprint

    app.register_blueprint(blueprint.bp, url_prefix="/api/v2")
