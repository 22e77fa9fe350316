"""Wire the web shell into the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from cowin_kit.web import context, health, views

    app.register_blueprint(health.bp)
    app.register_blueprint(views.bp)
    context.init_app(app)
