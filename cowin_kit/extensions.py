"""Flask extensions, created unbound and attached in create_app()."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_smorest import Api, Blueprint

from cowin_kit.core.db import db
from cowin_kit.core.errors import ErrorBodySchema

__all__ = ["db", "init_babel", "init_api", "register_api_blueprint"]


def init_babel(app: Flask, **selectors) -> Babel:
    """Attach Flask-Babel (one per app: its translation cache lives on the instance)."""
    return Babel(app, **selectors)


class KitApi(Api):
    """flask-smorest's Api documenting the kit's real error body ({"error": {code, message}})."""

    ERROR_SCHEMA = ErrorBodySchema


def init_api(app: Flask) -> Api:
    """Attach a flask-smorest Api to this app (one per app: its OpenAPI spec is per app)."""
    api = KitApi(app)
    app.extensions["kit_api"] = api
    return api


def register_api_blueprint(app: Flask, blueprint: Blueprint, **options) -> None:
    """Register a flask-smorest blueprint of the native API, so it appears in the OpenAPI doc."""
    app.extensions["kit_api"].register_blueprint(blueprint, **options)
