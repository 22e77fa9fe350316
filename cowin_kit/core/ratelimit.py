"""Rate limits per client address, shared across workers and pods through Redis when
COWIN_KIT_REDIS_URL is set (in-process otherwise). Built on the ``limits`` library."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from cowin_kit.core.errors import RateLimited

_KEY = "cowin_ratelimiter"


def _limiter(app: Flask) -> MovingWindowRateLimiter:
    limiter = app.extensions.get(_KEY)
    if limiter is None:
        url = app.config.get("REDIS_URL") or "memory://"
        limiter = MovingWindowRateLimiter(storage_from_string(url))
        app.extensions[_KEY] = limiter
    return limiter


def client_address() -> str:
    """The client's address (behind a proxy, ProxyFix-style trusted X-Forwarded-For is applied
    by the WSGI server configuration, so remote_addr is already the client)."""
    return request.remote_addr or "unknown"


def hit(scope: str, limit: str | None = None, key: str | None = None) -> None:
    """Count one call of ``scope`` for this client; raise RateLimited when over the limit."""
    app = current_app._get_current_object()
    item = parse(limit or app.config["RATE_LIMIT_PUBLIC"])
    identity = key or client_address()
    limiter = _limiter(app)
    # Instances sharing one Redis keep apart by their prefix (CACHE_PREFIX, like the cache).
    namespace = app.config.get("CACHE_PREFIX") or "cowin-kit"
    if not limiter.hit(item, namespace, scope, identity):
        stats = limiter.get_window_stats(item, namespace, scope, identity)
        error = RateLimited()
        error.retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise error
