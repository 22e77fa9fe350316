"""Ready public responses: JSON bytes and their gzip with an ETag, one rebuild per key per TTL
across every worker and pod, kept on the key/value cache's backend (``core.cache``).
``core.ready_hits`` answers a repeated URL from its entry before the app.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app

from cowin_kit.core.cache import KeyLocks, get_cache
from cowin_kit.core.metrics import count_cache
from cowin_kit.core.outage import redis_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedResponse:
    """A public answer as it goes on the wire: JSON bytes and their gzip, built together, with
    an ETag; ``expires`` is this process's ``time.monotonic()`` at which it stops being fresh
    (``TTL`` after the data was read, whichever process read it); ``took``: seconds the build
    took (its successor's rebuild starts at least twice that long before ``expires``)."""

    body: bytes
    gzipped: bytes
    etag: str
    expires: float
    refresh_at: float
    status: int = 200
    took: float = 0.0

    @classmethod
    def build(cls, body: bytes, read_at: float, ttl: float, status: int = 200) -> CachedResponse:
        """Compress and tag ``body`` whose data was read at monotonic time ``read_at``."""
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        took = time.monotonic() - read_at
        return cls(body, gzipped, f'"{digest}"', read_at + ttl,
                   read_at + ttl - refresh_lead(ttl, took), status, took)

    def pack(self) -> bytes:
        head = json.dumps([self.etag, len(self.body), self.status, round(self.took, 4)]).encode()
        return b"%d\n%s%s%s" % (len(head), head, self.body, self.gzipped)

    @classmethod
    def unpack(cls, data: bytes, remaining: float, ttl: float) -> CachedResponse:
        size, rest = data.split(b"\n", 1)
        etag, length, status, *more = json.loads(rest[:int(size)])
        took = float(more[0]) if more else 0.0
        rest = rest[int(size):]
        now = time.monotonic()
        return cls(rest[:length], rest[length:], etag, now + remaining,
                   now + remaining - refresh_lead(ttl, took), status, took)

    def max_age(self, now: float | None = None) -> int:
        return max(0, int(self.expires - (time.monotonic() if now is None else now)))

    def respond(self, request, *, mimetype: str = "application/json"):
        """The response for ``request``: 304 when its If-None-Match names this entry, gzip when
        it accepts gzip; Cache-Control says how long the entry stays fresh."""
        from werkzeug.wrappers import Response

        headers = {"Vary": "Accept-Encoding", "ETag": self.etag,
                   "Cache-Control": f"public, max-age={self.max_age()}"}
        environ = request.environ
        tags = environ.get("HTTP_IF_NONE_MATCH")
        if tags and self.status == 200 and (tags.strip() == "*" or self.etag[1:-1] in tags):
            return Response(status=304, headers=headers)
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        if "gzip" in accept and (";" not in accept or request.accept_encodings["gzip"] > 0):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, self.status, headers, mimetype=mimetype)
        return Response(self.body, self.status, headers, mimetype=mimetype)


#: The last share of an entry's TTL in which one caller rebuilds it while all others keep
#: answering with it (no caller ever waits for a rebuild while traffic flows)...
#: The environ key by which a cached answer tells ``core.ready_hits`` its entry and limit.
READY_NOTE = "cowin_kit.ready_response"

REFRESH_SHARE = 0.25
#: ...or a longer share, up to this one, when the last build took more than half of that time
#: (a loaded machine): the rebuild must be done before the entry expires, or every caller waits.
MAX_REFRESH_SHARE = 0.5


def refresh_lead(ttl: float, took: float) -> float:
    """Seconds before expiry at which an entry whose build took ``took`` seconds is rebuilt."""
    return min(ttl * MAX_REFRESH_SHARE, max(ttl * REFRESH_SHARE, 2 * took))
#: How long a rebuild may hold the instance-wide lock (a crashed holder frees it after this).
LOCK_SECONDS = 10.0
#: How often a caller with nothing fresh looks in Redis for another process's rebuild.
POLL_SECONDS = 0.02


class ResponseCache:
    """Ready public responses, one rebuild per key per TTL across every worker and pod.

    Each process keeps entries in memory with their own expiry (so no worker ever answers with
    data older than the TTL, and a hit is one dictionary look-up); Redis (when configured)
    shares them between processes with the remaining TTL (``PTTL``, so clocks need not agree).
    In the last ``REFRESH_SHARE`` of an entry's life (more if builds are slow: ``refresh_lead``)
    one caller rebuilds it under a Redis lock
    (``SET NX PX``, redis-py's ``Lock``) while the others answer with the entry; a process whose
    entry expired takes another process's rebuild from Redis instead of rebuilding. While Redis
    is down each process rebuilds for itself (public reads keep answering)."""

    def __init__(self, backend, max_bytes: int = 64 * 2**20) -> None:
        self.backend = backend
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._size = 0
        self._guard = threading.Lock()
        self._key_lock = KeyLocks()
        self._retry_at: dict[str, float] = {}

    # The hot path: no lock, no Redis, no database.
    def get(self, key: str, ttl: float, build: Callable[[], bytes]) -> CachedResponse:
        """The fresh entry for ``key``; ``build()`` returns the JSON body (read from the database
        when called) and runs at most once per TTL per key across the instance."""
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and now < entry.refresh_at:
            count_cache("response", "hit")
            return entry
        if entry is not None and now < entry.expires:
            count_cache("response", "hit")  # answered with it; one caller also rebuilds it
            return self._refresh_ahead(key, ttl, build, entry, now)
        with self._key_lock(key):  # one caller of this process fetches; the others wait for it
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() < entry.expires:
                count_cache("response", "hit")
                return entry
            return self._fetch(key, ttl, build)

    def peek(self, key: str) -> CachedResponse | None:
        """The entry for ``key`` if it is fresh and either not yet due for its rebuild or being
        rebuilt already (by a thread of this process, or by another process this one waits
        for), else None: the caller then goes through ``get``, which starts the rebuild."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = time.monotonic()
        if now < entry.refresh_at or (now < entry.expires and (
                now < self._retry_at.get(key, 0) or self._key_lock.busy(key))):
            return entry
        return None

    def answer(self, key: str, ttl: float, build: Callable[[], bytes], request, *,
               rate_limit: str | None = None):
        """``get`` and respond to ``request``; the exact URL is remembered for ``ReadyHits``
        (which answers it again from this entry, counting ``rate_limit`` if given)."""
        entry = self.get(key, ttl, build)
        request.environ[READY_NOTE] = (key, rate_limit)
        return entry.respond(request)

    def _refresh_ahead(self, key, ttl, build, entry, now) -> CachedResponse:
        lock = self._key_lock(key)
        if now < self._retry_at.get(key, 0) or not lock.acquire(blocking=False):
            return entry
        try:
            shared = self._redis()
            if shared is None:
                return self._store(key, self._build(build, ttl))
            newer = self._shared_entry(shared, key, ttl, newer_than=entry)
            if newer is not None:
                return self._store(key, newer)
            made = self._build_locked(shared, key, ttl, build, newer_than=entry)
            if made is not None:
                return made[0]
            # Another process is rebuilding: ask Redis again shortly, answer with ours now.
            self._retry_at[key] = time.monotonic() + POLL_SECONDS * 5
            return entry
        except self._redis_errors() as exc:
            self._redis_failed(exc)  # the entry is still fresh: answer with it
            return entry
        except Exception:  # noqa: BLE001 - the entry is still fresh: answer with it
            log.warning("response cache refresh failed for %s", key, exc_info=True)
            self._retry_at[key] = time.monotonic() + POLL_SECONDS * 5
            return entry
        finally:
            lock.release()

    def _fetch(self, key, ttl, build) -> CachedResponse:
        """Nothing fresh here: take another process's entry from Redis, or rebuild under the
        lock, or wait for the process that holds it (at most LOCK_SECONDS)."""
        shared = self._redis()
        deadline = time.monotonic() + LOCK_SECONDS + 1
        while shared is not None and time.monotonic() < deadline:
            try:
                found = self._shared_entry(shared, key, ttl)
                if found is not None:
                    count_cache("response", "shared")  # another process's rebuild, from Redis
                    return self._store(key, found)
                made = self._build_locked(shared, key, ttl, build)
                if made is not None:
                    count_cache("response", "miss" if made[1] else "shared")
                    return made[0]
            except self._redis_errors() as exc:
                self._redis_failed(exc)
                break
            time.sleep(POLL_SECONDS)
        count_cache("response", "miss")
        return self._store(key, self._build(build, ttl))

    def _build(self, build, ttl) -> CachedResponse:
        read_at = time.monotonic()
        return CachedResponse.build(build(), read_at, ttl)

    def _build_locked(self, client, key, ttl, build, newer_than: CachedResponse | None = None
                      ) -> tuple[CachedResponse, bool] | None:
        """Rebuild and share the entry if this caller gets the instance-wide lock, else None:
        ``(entry, True)`` when this caller built it, ``(entry, False)`` when, once holding the
        lock, it found in Redis the build its previous holder had just shared."""
        from redis.exceptions import LockError

        lock = client.lock(self.backend.prefix + "lock:" + key, timeout=LOCK_SECONDS,
                           blocking=False)
        if not lock.acquire():
            return None
        try:
            # Between this caller's look in Redis and its lock, the holder may have shared its
            # build and let go (a loaded machine stretches that gap): take it, or this key
            # would be built twice in one TTL.
            shared = self._shared_entry(client, key, ttl, newer_than=newer_than)
            if shared is not None:
                return self._store(key, shared), False
            made = self._build(build, ttl)
            remaining = made.expires - time.monotonic()
            if remaining > 0.001:
                client.set(self.backend.prefix + "r:" + key, made.pack(),
                           px=int(remaining * 1000))
            return self._store(key, made), True
        finally:
            try:
                lock.release()
            except LockError:  # held longer than LOCK_SECONDS: it expired by itself
                pass

    def _shared_entry(self, client, key, ttl, newer_than: CachedResponse | None = None):
        name = self.backend.prefix + "r:" + key
        if newer_than is not None:
            remaining = client.pttl(name) / 1000
            if remaining <= newer_than.expires - time.monotonic() + POLL_SECONDS:
                return None  # nothing newer than what this process has
        with client.pipeline(transaction=False) as pipe:
            data, remaining_ms = pipe.get(name).pttl(name).execute()
        if data is None or remaining_ms is None or remaining_ms <= 0:
            return None
        return CachedResponse.unpack(data, remaining_ms / 1000, ttl)

    def _store(self, key: str, entry: CachedResponse) -> CachedResponse:
        size = len(entry.body) + len(entry.gzipped)
        with self._guard:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body) + len(old.gzipped)
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body) + len(dropped.gzipped)
            self._retry_at.pop(key, None)
        return entry

    def _redis(self):
        """The Redis client when Redis is configured and not known to be down, else None."""
        circuit = getattr(self.backend, "circuit", None)
        if circuit is None or circuit.open:
            return None
        return self.backend.primary.client

    @staticmethod
    def _redis_errors():
        return redis_errors()

    def _redis_failed(self, exc: BaseException) -> None:
        self.backend.circuit.failed("response cache", exc)

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
            self._size = 0


def get_response_cache(app: Flask | None = None) -> ResponseCache:
    """The app's cache of ready public responses (on the same backend as ``get_cache``)."""
    cache = get_cache(app)
    responses = cache.responses
    if responses is None:
        app = app or current_app
        with _responses_guard:
            if cache.responses is None:
                cache.responses = ResponseCache(
                    cache.backend, int(float(app.config.get("RESPONSE_CACHE_MB", 64)) * 2**20))
            responses = cache.responses
    return responses


_responses_guard = threading.Lock()
