"""Wire the web shell into the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from cowin_kit.core.i18n import init_catalog_overrides, init_digits
    from cowin_kit.web import context, formatting, health, metrics, requests, security_headers, views

    requests.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    app.register_blueprint(views.bp)
    context.init_app(app)
    formatting.init_app(app)
    init_catalog_overrides(app)
    init_digits(app)
    security_headers.init_app(app)
