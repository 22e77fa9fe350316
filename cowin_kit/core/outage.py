"""What each path does when Redis or the database is down (docs/security.md, "Outages").

- Database down, or read-only (a failover in progress, a standby, ``default_transaction_read_only``):
  every path answers 503 with ``Retry-After`` (``UNAVAILABLE_RETRY_SECONDS``) in its own shape,
  never a 500 (``core.unavailable.describe_outage`` classifies the exception; ``core.errors``
  renders it).
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
from cowin_kit.core.unavailable import describe_outage, redis_errors  # noqa: F401 - re-exported

log = logging.getLogger(__name__)

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
