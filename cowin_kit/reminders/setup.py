"""Wire the reminders domain: the citizen's reminder setting page."""

from __future__ import annotations

from flask import Flask

from cowin_kit.reminders import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
