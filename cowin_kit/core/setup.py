"""Wire the shared kernel into the app: trusted proxies, rate limits, CSRF protection, SMS
delivery after commit."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from cowin_kit.core import proxies, ratelimit, sms
    from cowin_kit.core.security import init_csrf

    proxies.init_app(app)
    ratelimit.init_app(app)
    init_csrf(app)
    sms.install()
