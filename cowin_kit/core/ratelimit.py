"""Rate limits per client address or per account, shared across workers and pods through Redis
when COWIN_KIT_REDIS_URL is set (in-process otherwise).

Flask-Limiter owns the storage and the moving-window strategy. They are built once, in
``init_app`` while the app is created (each gunicorn worker builds its app before it serves),
never lazily by the first requests: building the Redis storage imports ``redis``, and threads
racing through that import read a half-imported module ("redis ... Found version: 0.0.0", a
burst of 500s after every worker start). The in-process store of ``limits`` is not thread-safe
(two threads can start its expiry timer twice: "threads can only be started once"), so calls to
it are serialised; Redis does its own atomic counting.

Domains count with ``hit(scope, limit, key)`` from any code path (views, operations, before
request hooks), which is why the limits are applied here rather than with Flask-Limiter's route
decorators. Behind proxies, the client address is the one ProxyFix takes from the trusted hops of
X-Forwarded-For (``cowin_kit.core.proxies``, COWIN_KIT_TRUSTED_PROXIES).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from cowin_kit.core.errors import RateLimited

_KEY = "cowin_ratelimits"
_FALLBACK_KEY = "cowin_ratelimits_in_process"


@dataclass(frozen=True)
class _Limits:
    """One app's limiter: the strategy on its storage, the key namespace and the storage guard."""

    strategy: RateLimiter
    namespace: str
    guard: contextlib.AbstractContextManager


def client_address() -> str:
    """The client's address: the connecting peer, or the address the trusted proxies name."""
    return request.remote_addr or "unknown"


#: Redis connections one process keeps for its limits, and how long a request waits for a free
#: one (every gunicorn thread at once must never be answered "Too many connections").
REDIS_CONNECTIONS = 100
REDIS_WAIT_SECONDS = 5
#: A Redis that does not answer within this many seconds counts as down (core.outage).
REDIS_SOCKET_SECONDS = 1


def _storage_options(url: str) -> dict:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    import redis

    return {"connection_pool": redis.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_SECONDS,
        socket_timeout=REDIS_SOCKET_SECONDS, socket_connect_timeout=REDIS_SOCKET_SECONDS)}


def init_app(app: Flask) -> None:
    """Build this app's limiter storage now (Redis when REDIS_URL is set, else in-process)."""
    url = app.config.get("REDIS_URL") or "memory://"
    # Instances sharing one Redis keep apart by their prefix (CACHE_PREFIX, like the cache).
    namespace = app.config.get("CACHE_PREFIX") or "cowin-kit"
    limiter = Limiter(client_address, app=app, storage_uri=url, storage_options=_storage_options(url),
                      strategy="moving-window", key_prefix=namespace)
    guard = threading.Lock() if isinstance(limiter.storage, MemoryStorage) else contextlib.nullcontext()
    app.extensions[_KEY] = _Limits(limiter.limiter, namespace, guard)
    # The same limits counted in this process while Redis is unreachable (core.outage).
    app.extensions[_FALLBACK_KEY] = _Limits(MovingWindowRateLimiter(MemoryStorage()), namespace,
                                            threading.Lock())


def _limits(app: Flask, key: str = _KEY) -> _Limits:
    try:
        return app.extensions[key]
    except KeyError:
        raise RuntimeError("rate limits are not set up: build the app with create_app()") from None


def _apply(scope: str, limit: str | None, key: str | None, error: type[RateLimited], *,
           count: bool, store: str = _KEY) -> None:
    app = current_app._get_current_object()
    limits = _limits(app, store)
    item = parse(limit or app.config["RATE_LIMIT_PUBLIC"])
    identifiers = (limits.namespace, scope, key or client_address())
    with limits.guard:
        allowed = (limits.strategy.hit if count else limits.strategy.test)(item, *identifiers)
        stats = None if allowed else limits.strategy.get_window_stats(item, *identifiers)
    if stats is not None:
        refused = error()
        refused.retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise refused


def hit(scope: str, limit: str | None = None, key: str | None = None, *,
        error: type[RateLimited] = RateLimited) -> None:
    """Count one call of ``scope`` for this client (or ``key``); raise ``error`` (a RateLimited,
    with ``retry_after`` seconds) when over ``limit`` (default RATE_LIMIT_PUBLIC)."""
    _apply(scope, limit, key, error, count=True)


def check(scope: str, limit: str | None = None, key: str | None = None, *,
          error: type[RateLimited] = RateLimited) -> None:
    """Raise ``error`` when ``scope`` has no call left for this client (or ``key``); counts
    nothing (pair it with ``hit`` where only some outcomes count)."""
    _apply(scope, limit, key, error, count=False)


def hit_in_process(scope: str, limit: str | None = None, key: str | None = None, *,
                   error: type[RateLimited] = RateLimited) -> None:
    """``hit``, counted in this process only: the fallback while Redis is away (core.outage)."""
    _apply(scope, limit, key, error, count=True, store=_FALLBACK_KEY)
