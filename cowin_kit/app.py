"""Application factory: config -> extensions -> domains (blueprints, API) -> error handlers."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

from flask import Flask

from cowin_kit import __version__
from cowin_kit.config import load_config
from cowin_kit.core.errors import register_error_handlers
from cowin_kit.core.i18n import select_locale, select_timezone
from cowin_kit.extensions import db, init_api, init_babel
from cowin_kit.web.requests import install_converters

#: Domains in the order they are wired. Each may ship ``<domain>/setup.py`` with ``init_app(app)``
#: (blueprints, API routes, template globals), ``<domain>/models.py`` and ``<domain>/cli.py``.
DOMAINS = (
    "core",
    "profiles",
    "areas",
    "accounts",
    "registration",
    "booking",
    "vaccination",
    "certificates",
    "reminders",
    "reporting",
    "stock",
    "api",
    "web",
)


def domain_modules(name: str) -> list:
    """Import ``cowin_kit.<domain>.<name>`` for every domain that has one."""
    found = []
    for domain in DOMAINS:
        module_name = f"cowin_kit.{domain}.{name}"
        if importlib.util.find_spec(module_name) is not None:
            found.append(importlib.import_module(module_name))
    return found


def import_models() -> None:
    """Import every domain's models so the metadata is complete (migrations, create_all)."""
    domain_modules("models")


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Create a cowin-kit app. Does no database work: safe before gunicorn forks."""
    instance_path = instance_path or os.environ.get("COWIN_KIT_INSTANCE_DIR") or None
    if instance_path:
        instance_path = str(Path(instance_path).resolve())
    app = Flask("cowin_kit", instance_path=instance_path, instance_relative_config=True)
    load_config(app, config)

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", app.config["LOCALES_DIR"])
    app.config.setdefault("API_TITLE", "cowin-kit native API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/kit/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_REDOC_PATH", "docs")
    # Bundled, never from a CDN (air-gapped ministries): web/static/vendor/redoc/README.md.
    app.config.setdefault("OPENAPI_REDOC_URL", "/static/web/vendor/redoc/redoc.standalone.js")
    app.config["COWIN_KIT_VERSION"] = __version__

    install_converters(app)  # before any blueprint adds a rule with <int:…>
    import_models()
    db.init_app(app)

    init_babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    init_api(app)
    for module in domain_modules("setup"):
        module.init_app(app)
    register_error_handlers(app)
    return app
