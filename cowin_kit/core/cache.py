"""A small TTL cache for hot public reads: Redis when REDIS_URL is set, in-process otherwise.

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
from typing import Any, Callable

from flask import Flask, current_app

log = logging.getLogger(__name__)

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


class MemoryBackend:
    """Per-process TTL cache with a size bound; one computation per key at a time.

    Values are kept as objects (hits cost no decoding): treat what ``get`` returns as read-only.
    """

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, key: str) -> tuple[bool, Any]:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return False, None
            expires, value = item
            if expires <= time.monotonic():
                del self._data[key]
                return False, None
        return True, value

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(key)
            if lock is None:
                if len(self._key_locks) > self.max_entries:
                    self._key_locks.clear()
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def delete_all(self) -> None:
        with self._lock:
            self._data.clear()


class RedisBackend:
    """Shared TTL cache in Redis (JSON values) for several workers and pods."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self._local = threading.Lock()

    def get(self, key: str) -> tuple[bool, Any]:
        raw = self.client.get(self.prefix + key)
        if raw is None:
            return False, None
        return True, json.loads(raw)

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.client.set(self.prefix + key, json.dumps(value), px=max(int(ttl * 1000), 1))

    def key_lock(self, key: str) -> threading.Lock:
        # Workers recompute independently; within a few seconds of TTL that is cheap enough.
        return self._local

    def delete_all(self) -> None:
        """Delete this cache's keys only (never FLUSHDB: the database may be shared)."""
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=500))
        if keys:
            self.client.delete(*keys)


class Cache:
    """Front of a backend; a broken Redis degrades to computing the value, never to an error."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def get_or_set(self, key: str, ttl: float, fn: Callable[[], Any]) -> Any:
        """Return the value cached under ``key`` or compute, store and return ``fn()``."""
        if ttl <= 0:
            return fn()
        hit, value = self._get(key)
        if hit:
            return value
        with self.backend.key_lock(key):
            hit, value = self._get(key)
            if hit:
                return value
            value = fn()
            # Store what a later hit would return (JSON round trip), so both paths agree.
            value = json.loads(json.dumps(value))
            try:
                self.backend.set(key, value, ttl)
            except Exception:  # noqa: BLE001 - a cache outage must not fail the request
                log.warning("cache set failed for %s", key, exc_info=True)
            return value

    def _get(self, key: str) -> tuple[bool, Any]:
        try:
            return self.backend.get(key)
        except Exception:  # noqa: BLE001
            log.warning("cache get failed for %s", key, exc_info=True)
            return False, None

    def clear(self) -> None:
        self.backend.delete_all()


def create_cache(redis_url: str = "", prefix: str = DEFAULT_PREFIX) -> Cache:
    """Build a cache on Redis when a URL is given, else in this process."""
    if redis_url:
        return Cache(RedisBackend(redis_url, prefix))
    return Cache(MemoryBackend())


def get_cache(app: Flask | None = None) -> Cache:
    """Return the app's cache, created on first use from REDIS_URL."""
    app = app or current_app._get_current_object()
    cache = app.extensions.get(EXTENSION_KEY)
    if cache is None:
        cache = create_cache(app.config.get("REDIS_URL") or "",
                             app.config.get("CACHE_PREFIX") or DEFAULT_PREFIX)
        cache = app.extensions.setdefault(EXTENSION_KEY, cache)
    return cache


def public_ttl(app: Flask | None = None) -> float:
    """Seconds a public response may be stale (PUBLIC_CACHE_SECONDS)."""
    app = app or current_app
    return float(app.config.get("PUBLIC_CACHE_SECONDS", 5))
