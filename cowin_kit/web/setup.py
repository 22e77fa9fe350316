"""Wire the web shell into the app."""

from __future__ import annotations

from flask import Flask

from cowin_kit.core.db import db
from cowin_kit.core.i18n import init_catalog_overrides, init_digits
from cowin_kit.core.logs import configure_logging
from cowin_kit.core.metrics import watch_pool
from cowin_kit.web import (context, formatting, health, metrics, observe, requests,
                           security_headers, views)


def init_app(app: Flask) -> None:
    configure_logging(app)  # JSON lines with the request id (docs/operations.md)
    requests.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    app.register_blueprint(views.bp)
    context.init_app(app)
    formatting.init_app(app)
    init_catalog_overrides(app)
    init_digits(app)
    security_headers.init_app(app)
    with app.app_context():
        for name, engine in db.engines.items():
            watch_pool(engine, name or "primary")
    observe.init_app(app)  # last: the outermost WSGI layer (web is the last domain wired)
