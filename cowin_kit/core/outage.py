"""What each path does when Redis or the database is down (docs/security.md, "Outages").

- Database down, or read-only (a failover in progress, a standby, ``default_transaction_read_only``):
  every path answers 503 with ``Retry-After`` (``UNAVAILABLE_RETRY_SECONDS``) in its own shape,
  never a 500 (``describe_outage`` classifies the exception; ``core.errors`` renders it).
- Redis down: the cache and the rate limits fall back to this process's memory, so public reads,
  certificate verification and desk look-ups go on (a limit then counts per process, not per
  instance). The OTP request fails closed (``when_redis_down="closed"``): a limit counted per
  process would let one client send texts from every worker, and each text costs the ministry.
- After a Redis failure the process leaves Redis alone for ``REDIS_RETRY_SECONDS`` (a dead or
  unreachable server then costs one timed-out call per interval, not one per request).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

from cowin_kit.core.errors import RateLimited, ServiceUnavailable
from cowin_kit.core.ratelimit import hit, hit_in_process

log = logging.getLogger(__name__)

#: Database errors (SQLSTATE classes/codes) that mean "not now", not "this request is wrong":
#: 08 connection exception, 25006 read-only transaction, 53 insufficient resources (too many
#: connections, disk full), 57P operator intervention (shutdown, cannot connect now), 40001/40P01
#: serialization failure and deadlock are NOT here: the operations retry or report those.
_UNAVAILABLE_SQLSTATES = ("08", "25006", "53", "57P")


def redis_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a Redis client raises when the server is unreachable or refuses work."""
    import redis

    return (redis.exceptions.RedisError,)


def describe_outage(exc: BaseException) -> tuple[str, str] | None:
    """``(dependency, detail)`` when ``exc`` means the database or Redis is unavailable or
    read-only, else None. The detail names the error class and code, never the URL, the
    statement or its parameters (they may hold personal data)."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return "database", "connection pool exhausted"
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        sqlstate = str(getattr(orig, "sqlstate", None) or "")
        name = type(orig).__name__
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATES) or exc.connection_invalidated:
            return "database", f"{name} (SQLSTATE {sqlstate or 'none'})"
        if isinstance(exc, sa_exc.OperationalError):
            # psycopg: connection refused or lost (no SQLSTATE), statement timeout; SQLite:
            # locked, read-only file, I/O error.
            return "database", (f"{name} (SQLSTATE {sqlstate})" if sqlstate
                                else f"{name}: {_first_line(orig)}")
        return None
    if isinstance(exc, redis_errors()):
        return "redis", type(exc).__name__
    return None


def _first_line(orig: BaseException | None) -> str:
    """The driver's own first line (SQLite: "database is locked"); psycopg's connection errors
    carry host and port, so only their class is kept."""
    if orig is None or type(orig).__module__.startswith("psycopg"):
        return "connection failed"
    return str(orig).strip().splitlines()[0][:120] if str(orig).strip() else "no message"


class RedisCircuit:
    """Remembers that Redis failed; Redis is tried again after ``retry_seconds``."""

    def __init__(self, retry_seconds: float) -> None:
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        """True while Redis is left alone after a failure."""
        return time.monotonic() < self._down_until

    def failed(self, what: str, exc: BaseException) -> None:
        with self._lock:
            first = not self.open
            self._down_until = time.monotonic() + self.retry_seconds
        if first:
            log.warning("Redis unavailable (%s: %s); %s falls back for %ss", type(exc).__name__,
                        what, "this process", self.retry_seconds)


def redis_circuit(app: Flask, name: str) -> RedisCircuit:
    """The app's circuit for one Redis use (``cache``, ``limits``)."""
    key = f"cowin_redis_circuit_{name}"
    circuit = app.extensions.get(key)
    if circuit is None:
        seconds = float(app.config.get("REDIS_RETRY_SECONDS", 5))
        circuit = app.extensions.setdefault(key, RedisCircuit(seconds))
    return circuit


# -- rate limits -------------------------------------------------------------------------------

def limit(scope: str, limit: str | None = None, key: str | None = None, *,
          when_redis_down: str = "memory", error: type[RateLimited] = RateLimited) -> None:
    """Count one call through ``core.ratelimit.hit``; when its Redis is unreachable, either count
    in this process (``"memory"``) or refuse with 503 + Retry-After (``"closed"``)."""
    app = current_app._get_current_object()
    circuit = redis_circuit(app, "limits")
    if not (app.config.get("REDIS_URL") and circuit.open):
        try:
            hit(scope, limit, key, error=error)
            return
        except RateLimited:
            raise
        except redis_errors() as exc:
            circuit.failed(f"rate limit {scope}", exc)
    if when_redis_down == "closed":
        raise ServiceUnavailable()
    hit_in_process(scope, limit, key, error=error)
