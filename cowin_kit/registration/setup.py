"""Wire beneficiary registration into the app: web pages and native API."""

from __future__ import annotations

from flask import Flask

from cowin_kit.extensions import register_api_blueprint
from cowin_kit.registration import api, next_due, views


def init_app(app: Flask) -> None:
    next_due.install()  # each person's next dose kept with every change to their doses
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.bp)
