"""Wire the shared kernel into the app: CSRF protection, SMS delivery after commit."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from cowin_kit.core import sms
    from cowin_kit.core.security import init_csrf

    init_csrf(app)
    sms.install()
