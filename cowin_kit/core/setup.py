"""Wire the shared kernel into the app: ready public answers, trusted proxies, rate limits, CSRF
protection, SMS delivery after commit."""

from __future__ import annotations

from flask import Flask

from cowin_kit.core import keys, proxies, ratelimit, ready_hits, sms
from cowin_kit.core.db import init_replica
from cowin_kit.core.security import init_csrf


def init_app(app: Flask) -> None:
    ready_hits.init_app(app)  # before proxies: ProxyFix wraps it, so it sees the client's address
    proxies.init_app(app)
    ratelimit.init_app(app)
    keys.init_app(app)  # session cookie and CSRF tokens keyed with their purpose keys
    init_csrf(app)
    sms.install()
    init_replica(app)  # public availability and dashboard reads from DATABASE_REPLICA_URL
