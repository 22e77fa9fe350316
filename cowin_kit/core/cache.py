"""A small TTL cache for hot public reads: Redis when REDIS_URL is set, in-process otherwise.
Ready public responses (bytes, gzip, ETag) are cached on top of it by ``core.response_cache``.

While Redis is unreachable the cache keeps answering from this process's memory (and tries
Redis again after REDIS_RETRY_SECONDS): public reads never fail because Redis did.

``get_cache().get_or_set(key, ttl, fn)`` returns the cached value for ``key`` or computes it
with ``fn()``, stores it for ``ttl`` seconds and returns it. Values must be JSON-serialisable
(the Redis backend stores JSON, and the in-process backend round-trips the same way so that
callers see identical values whichever backend runs). Keys come from ``make_key``, which sorts
the parameters, so the same query always maps to the same entry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable

from flask import Flask, current_app

from cowin_kit.core.metrics import count_cache
from cowin_kit.core.outage import RedisCircuit, redis_errors

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the ready-response cache (core.response_cache) is built on this one
    from cowin_kit.core.response_cache import ResponseCache

EXTENSION_KEY = "cowin_cache"
DEFAULT_PREFIX = "cowin-kit:cache:"


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(sorted(_scalar(v) for v in value))
    return str(value)


def make_key(namespace: str, **params: Any) -> str:
    """Build a cache key from already-normalised parameters, sorted by name; None is dropped."""
    parts = [f"{name}={_scalar(value)}" for name, value in sorted(params.items())
             if value is not None and value != ""]
    return f"{namespace}?{'&'.join(parts)}"


class KeyLocks:
    """One lock per key (bounded), so only one thread of a process computes a given entry."""

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, key: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                if len(self._locks) > self.max_entries:
                    self._locks = {k: v for k, v in self._locks.items() if v.locked()}
                lock = self._locks[key] = threading.Lock()
            return lock

    def busy(self, key: str) -> bool:
        """True while some thread holds ``key``'s lock (never creates one)."""
        lock = self._locks.get(key)
        return lock is not None and lock.locked()


class MemoryBackend:
    """Per-process TTL cache with a size bound.

    Values are kept as objects (hits cost no decoding): treat what ``get`` returns as read-only.
    An expired value is kept one more TTL so that ``stale`` can serve it while one thread
    recomputes (the others do not queue behind the computation).
    """

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.key_lock = KeyLocks(max_entries)

    def _lookup(self, key: str, stale: bool) -> tuple[bool, Any]:
        now = time.monotonic()
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return False, None
            fresh_until, keep_until, value = item
            if now >= keep_until:
                del self._data[key]
                return False, None
        return (now < fresh_until or stale), value

    def get(self, key: str, raw: bool = False) -> tuple[bool, Any]:
        return self._lookup(key, stale=False)

    def stale(self, key: str, raw: bool = False) -> tuple[bool, Any]:
        return self._lookup(key, stale=True)

    def set(self, key: str, value: Any, ttl: float, raw: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            self._data[key] = (now + ttl, now + 2 * ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def delete_all(self) -> None:
        with self._lock:
            self._data.clear()


class RedisBackend:
    """Shared TTL cache in Redis (JSON values) for several workers and pods."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.key_lock = KeyLocks()

    def get(self, key: str, raw: bool = False) -> tuple[bool, Any]:
        value = self.client.get(self.prefix + key)
        if value is None:
            return False, None
        return True, value if raw else json.loads(value)

    def set(self, key: str, value: Any, ttl: float, raw: bool = False) -> None:
        self.client.set(self.prefix + key, value if raw else json.dumps(value),
                        px=max(int(ttl * 1000), 1))

    def stale(self, key: str, raw: bool = False) -> tuple[bool, Any]:
        return False, None  # Redis drops expired keys; other workers may refill it first

    def delete_all(self) -> None:
        """Delete this cache's keys only (never FLUSHDB: the database may be shared)."""
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=500))
        if keys:
            self.client.delete(*keys)


class FallbackBackend:
    """Redis first; while it fails, this process's memory (``RedisCircuit`` says when to retry).

    Callers that use the backend directly (the CoWIN captcha) get the same fallback."""

    def __init__(self, primary: RedisBackend, circuit) -> None:
        self.primary = primary
        self.client, self.prefix = primary.client, primary.prefix
        self.memory = MemoryBackend()
        self.circuit = circuit
        self.key_lock = primary.key_lock

    def _call(self, name: str, *args: Any) -> Any:
        if not self.circuit.open:
            try:
                return getattr(self.primary, name)(*args)
            except redis_errors() as exc:
                self.circuit.failed(f"cache {name}", exc)
        return getattr(self.memory, name)(*args)

    def get(self, key: str, raw: bool = False) -> tuple[bool, Any]:
        return self._call("get", key, raw)

    def stale(self, key: str, raw: bool = False) -> tuple[bool, Any]:
        return self._call("stale", key, raw)

    def set(self, key: str, value: Any, ttl: float, raw: bool = False) -> None:
        self._call("set", key, value, ttl, raw)

    def delete_all(self) -> None:
        self.memory.delete_all()
        self._call("delete_all")

    def ping(self) -> bool:
        """True when Redis answers now (the readiness check; the circuit is not consulted)."""
        try:
            return bool(self.primary.client.ping())
        except redis_errors():
            return False


class Cache:
    """Front of a backend; a broken Redis degrades to computing the value, never to an error."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.responses: ResponseCache | None = None  # made by get_response_cache

    def get_or_set(self, key: str, ttl: float, fn: Callable[[], Any]) -> Any:
        """Return the value cached under ``key`` or compute, store and return ``fn()``."""
        return self._get_or_set(key, ttl, fn, raw=False)

    def get_or_set_bytes(self, key: str, ttl: float, fn: Callable[[], bytes]) -> bytes:
        """Like get_or_set for a ready-made body (bytes kept as they are: hits cost nothing)."""
        return self._get_or_set("b:" + key, ttl, fn, raw=True)

    def _get_or_set(self, key: str, ttl: float, fn: Callable[[], Any], raw: bool) -> Any:
        if ttl <= 0:
            return fn()
        hit, value = self._get(key, raw)
        if hit:
            count_cache("value", "hit")
            return value
        lock = self.backend.key_lock(key)
        if not lock.acquire(blocking=False):
            # Someone in this process is already recomputing: answer with the value that just
            # expired (stale by at most the computation's duration), else wait for theirs.
            hit, value = self.backend.stale(key, raw)
            if hit:
                count_cache("value", "stale")
                return value
            lock.acquire()
        try:
            hit, value = self._get(key, raw)
            if hit:
                count_cache("value", "hit")
                return value
            count_cache("value", "miss")
            value = fn()
            if not raw:
                # Store what a later hit would return (JSON round trip), so both paths agree.
                value = json.loads(json.dumps(value))
            try:
                self.backend.set(key, value, ttl, raw)
            except Exception:  # noqa: BLE001 - a cache outage must not fail the request
                log.warning("cache set failed for %s", key, exc_info=True)
            return value
        finally:
            lock.release()

    def _get(self, key: str, raw: bool) -> tuple[bool, Any]:
        try:
            return self.backend.get(key, raw)
        except Exception:  # noqa: BLE001
            log.warning("cache get failed for %s", key, exc_info=True)
            return False, None

    def clear(self) -> None:
        self.backend.delete_all()
        if self.responses is not None:
            self.responses.clear()


def create_cache(redis_url: str = "", prefix: str = DEFAULT_PREFIX,
                 retry_seconds: float = 5) -> Cache:
    """Build a cache on Redis (with the in-process fallback) when a URL is given, else in this
    process."""
    if redis_url:
        return Cache(FallbackBackend(RedisBackend(redis_url, prefix), RedisCircuit(retry_seconds)))
    return Cache(MemoryBackend())


def get_cache(app: Flask | None = None) -> Cache:
    """Return the app's cache, created on first use from REDIS_URL."""
    app = app or current_app._get_current_object()
    cache = app.extensions.get(EXTENSION_KEY)
    if cache is None:
        cache = create_cache(app.config.get("REDIS_URL") or "",
                             app.config.get("CACHE_PREFIX") or DEFAULT_PREFIX,
                             float(app.config.get("REDIS_RETRY_SECONDS", 5)))
        cache = app.extensions.setdefault(EXTENSION_KEY, cache)
    return cache


def public_ttl(app: Flask | None = None) -> float:
    """Seconds a public response may be stale (PUBLIC_CACHE_SECONDS)."""
    app = app or current_app
    return float(app.config.get("PUBLIC_CACHE_SECONDS", 5))
