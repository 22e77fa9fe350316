"""Rate limits per client address or per account, shared across workers and pods through Redis
when COWIN_KIT_REDIS_URL is set (in-process otherwise).

The ``limits`` library owns the storage and the sliding-window-counter strategy (two counters
per key, the previous window weighted by how much of it is still inside the period). They are
built once, in ``init_app`` while the app is created (each gunicorn worker builds its app before it serves),
never lazily by the first requests: building the Redis storage imports ``redis``, and threads
racing through that import read a half-imported module ("redis ... Found version: 0.0.0", a
burst of 500s after every worker start). The in-process store of ``limits`` is not thread-safe
(two threads can start its expiry timer twice: "threads can only be started once"), so calls to
it are serialised; Redis does its own atomic counting.

Domains count with ``hit(scope, limit, key)`` from any code path (views, operations, before
request hooks), which is why the limits are applied here rather than with Flask-Limiter's route
decorators (its before/after-request hooks cost every request of the kit, limited or not).
Behind proxies, the client address is the one ProxyFix takes from the trusted hops of
X-Forwarded-For (``cowin_kit.core.proxies``, COWIN_KIT_TRUSTED_PROXIES).

A process takes its counts in leases (``_Leases``; ``_MemoryLeases`` in process, the same
arithmetic on limits' in-process store). On Redis one Lua call adds ``n`` hits to the
shared counter and the process answers the next ``n - 1`` hits of that client from memory. A lease
grows (doubling, at most ``LEASE_MAX``) only while the client keeps using each one up within
``LEASE_SECONDS`` (a lease that lapses while the client is still calling is followed by one as
large as the share of it the client used, not by a lease of one), and is never more than ``1/LEASE_SHARE`` of what is left of the limit, so a
client well under its limit costs one Redis round trip per ``n`` calls, while near the limit every
call is counted in Redis one by one: the limit is never exceeded across workers and pods, and at
most a fraction of what is left may sit unused in another process's lease (counted, not served)
when the client stops. A client polling a few times a minute gets leases of one: one round trip
per call, as before.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, storage_from_string
from limits.strategies import RateLimiter, SlidingWindowCounterRateLimiter

from cowin_kit.core.errors import RateLimited

_KEY = "cowin_ratelimits"
_FALLBACK_KEY = "cowin_ratelimits_in_process"


@dataclass(frozen=True)
class _Limits:
    """One app's limiter: the strategy on its storage, the key namespace and the storage guard."""

    strategy: RateLimiter
    namespace: str
    guard: contextlib.AbstractContextManager
    leases: _Leases | None = None


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
    storage = storage_from_string(url, **_storage_options(url))
    guard = threading.Lock() if isinstance(storage, MemoryStorage) else contextlib.nullcontext()
    strategy = SlidingWindowCounterRateLimiter(storage)
    if isinstance(storage, RedisStorage):
        leases: _Leases | None = _Leases(storage)
    elif isinstance(storage, MemoryStorage):
        leases = _MemoryLeases(strategy, guard)
    else:
        leases = None
    app.extensions[_KEY] = _Limits(strategy, namespace, guard, leases)
    # The same limits counted in this process while Redis is unreachable (core.outage).
    app.extensions[_FALLBACK_KEY] = _Limits(SlidingWindowCounterRateLimiter(MemoryStorage()),
                                            namespace, threading.Lock())


#: "100 per 5 minutes" parsed once, not on every counted call (limits' parser is regular
#: expressions and lookups; the items are immutable).
_parse = functools.lru_cache(maxsize=256)(parse)


def _limits(app: Flask, key: str = _KEY) -> _Limits:
    try:
        return app.extensions[key]
    except KeyError:
        raise RuntimeError("rate limits are not set up: build the app with create_app()") from None


def _apply(scope: str, limit: str | None, key: str | None, error: type[RateLimited], *,
           count: bool, store: str = _KEY) -> None:
    app = current_app._get_current_object()
    limits = _limits(app, store)
    item = _parse(limit or app.config["RATE_LIMIT_PUBLIC"])
    identifiers = (limits.namespace, scope, key or client_address())
    if limits.leases is not None:  # the leases take the storage's guard themselves
        allowed = (limits.leases.hit if count else limits.leases.test)(
            limits.strategy, item, identifiers)
    else:
        with limits.guard:
            allowed = (limits.strategy.hit if count else limits.strategy.test)(item, *identifiers)
    if allowed:
        return
    with limits.guard:
        stats = limits.strategy.get_window_stats(item, *identifiers)
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


def leased(app: Flask, scope: str, key: str) -> bool:
    """One call of ``scope`` (at RATE_LIMIT_PUBLIC) for ``key`` served from a lease this process
    holds, without an app context (``core.ready_hits``: a repeated public read); False when
    there is none left: count it with ``hit``."""
    limits = app.extensions.get(_KEY)
    if limits is None or limits.leases is None:
        return False
    return limits.leases.take(_parse(app.config["RATE_LIMIT_PUBLIC"]),
                              (limits.namespace, scope, key))


def hit_in_process(scope: str, limit: str | None = None, key: str | None = None, *,
                   error: type[RateLimited] = RateLimited) -> None:
    """``hit``, counted in this process only: the fallback while Redis is away (core.outage)."""
    _apply(scope, limit, key, error, count=True, store=_FALLBACK_KEY)


# -- leases on Redis -------------------------------------------------------------------------

#: A lease never holds more than this many calls, nor more than 1/LEASE_SHARE of what is left.
LEASE_MAX = 64
LEASE_SHARE = 16
#: A lease not used up within this time is dropped (its calls stay counted) and the next is 1.
LEASE_SECONDS = 1.0
#: Leases a process remembers before it forgets the expired ones.
LEASES_KEPT = 10_000

#: limits' sliding-window acquire (``acquire_sliding_window.lua``, same keys and arithmetic),
#: except that it takes up to ARGV[3] calls, never more than 1/ARGV[4] of what is left (at least
#: one), and answers how many it took (0: the limit is reached).
_LEASE_SCRIPT = """
local limit = tonumber(ARGV[1])
local expiry = tonumber(ARGV[2]) * 1000
local wanted = tonumber(ARGV[3])
local share = tonumber(ARGV[4])
local current_ttl = tonumber(redis.call('pttl', KEYS[2]))
if current_ttl > 0 and current_ttl < expiry then
    redis.call('rename', KEYS[2], KEYS[1])
    redis.call('set', KEYS[2], 0, 'PX', current_ttl + expiry)
end
local previous_count = tonumber(redis.call('get', KEYS[1])) or 0
local previous_ttl = tonumber(redis.call('pttl', KEYS[1])) or 0
local current_count = tonumber(redis.call('get', KEYS[2])) or 0
if previous_ttl <= 0 then
    previous_ttl = 0
end
local left = limit - (math.floor(previous_count * previous_ttl / expiry) + current_count)
if left < 1 then
    return 0
end
local taken = math.max(1, math.min(wanted, math.floor(left / share)))
if redis.call('exists', KEYS[2]) == 1 then
    redis.call('incrby', KEYS[2], taken)
else
    redis.call('set', KEYS[2], taken, 'PX', expiry * 2)
end
return taken
"""


class _Lease:
    __slots__ = ("left", "size", "until")

    def __init__(self, left: int, size: int, until: float) -> None:
        self.left, self.size, self.until = left, size, until


class _Leases:
    """Calls counted in Redis ahead of use, per limit and client, in this process (see the
    module's docstring). The counters are limits' sliding-window counters, so ``test`` and
    ``get_window_stats`` of the strategy read what the leases wrote."""

    #: Redis counts atomically; the in-process store needs its lock (``_MemoryLeases``).
    _guard: contextlib.AbstractContextManager = contextlib.nullcontext()

    def __init__(self, storage: RedisStorage | None = None) -> None:
        self._storage = storage
        if storage is not None:
            self._script = storage.get_connection().register_script(_LEASE_SCRIPT)
        self._held: dict[tuple, _Lease] = {}
        self._fetching: dict[tuple, threading.Event] = {}  # one round trip per lease at a time
        self._lock = threading.Lock()

    def _keys(self, item: RateLimitItem, identifiers: tuple) -> list[str]:
        # The keys of limits' RedisStorage.acquire_sliding_window_entry for this item
        # (tests/test_ratelimit_leases.py checks that limits reads what the leases write).
        key = item.key_for(*identifiers)
        storage = self._storage
        return [storage.prefixed_key(storage._previous_window_key(key)),
                storage.prefixed_key(storage._current_window_key(key))]

    def take(self, item: RateLimitItem, identifiers: tuple) -> bool:
        """One call served from a lease this process holds (counted in Redis already); False
        when none is held or it is used up (``hit`` then takes the next one)."""
        name = (item.key_for(*identifiers), item.amount)
        with self._lock:
            lease = self._held.get(name)
            if lease is not None and time.monotonic() < lease.until and lease.left > 0:
                lease.left -= 1
                return True
        return False

    def hit(self, strategy: RateLimiter, item: RateLimitItem, identifiers: tuple) -> bool:
        name = (item.key_for(*identifiers), item.amount)
        while True:
            now = time.monotonic()
            with self._lock:
                lease = self._held.get(name)
                if lease is not None and now < lease.until and lease.left > 0:
                    lease.left -= 1
                    return True
                fetching = self._fetching.get(name)
                if fetching is None:
                    wanted = self._wanted(lease, now)
                    self._fetching[name] = fetching = threading.Event()
                    break
            # Another thread of this process is taking the next lease: wait for it rather than
            # take one more (a burst on every thread would take a lease per thread, each one
            # lapsing mostly unused, and start again from one).
            fetching.wait(REDIS_SOCKET_SECONDS)
        try:
            taken = self._take(item, identifiers, wanted)
            if not taken:
                return False
            with self._lock:
                if len(self._held) >= LEASES_KEPT:
                    self._forget_expired(now)
                lease = self._held.get(name)
                if lease is not None and now < lease.until:  # used up in time: add to it
                    lease.left += taken - 1
                    lease.size = max(lease.size, taken)
                else:
                    self._held[name] = _Lease(
                        taken - 1, taken, now + min(LEASE_SECONDS, item.get_expiry() / LEASE_SHARE))
            return True
        finally:
            with self._lock:
                self._fetching.pop(name, None)
            fetching.set()

    def _take(self, item: RateLimitItem, identifiers: tuple, wanted: int) -> int:
        """Count up to ``wanted`` calls in Redis (never more than a share of what is left):
        how many were taken, 0 at the limit."""
        return int(self._script(keys=self._keys(item, identifiers),
                                args=[item.amount, item.get_expiry(), wanted, LEASE_SHARE]))

    @staticmethod
    def _wanted(lease: _Lease | None, now: float) -> int:
        if lease is not None and now < lease.until:
            return min(LEASE_MAX, lease.size * 2)  # used up in time: a larger one
        if lease is not None and now < lease.until + LEASE_SECONDS:
            # Lapsed while the client keeps calling: as many as it used of this one (twice as
            # many if it used it up: calls are only served before ``until``), not one.
            used = max(1, lease.size - max(lease.left, 0))
            return min(LEASE_MAX, used * 2 if lease.left <= 0 else used)
        return 1

    def test(self, strategy: RateLimiter, item: RateLimitItem, identifiers: tuple) -> bool:
        with self._lock:
            lease = self._held.get((item.key_for(*identifiers), item.amount))
            if lease is not None and lease.left > 0 and time.monotonic() < lease.until:
                return True
        with self._guard:
            return strategy.test(item, *identifiers)

    def _forget_expired(self, now: float) -> None:
        for name in [name for name, lease in self._held.items() if lease.until <= now]:
            del self._held[name]


class _MemoryLeases(_Leases):
    """Leases on the in-process store: the same arithmetic (up to ``LEASE_MAX``, never more
    than 1/``LEASE_SHARE`` of what is left, one by one near the limit), counted in limits'
    ``MemoryStorage`` under its guard. A busy client's repeated public reads are then served
    from the lease (``leased``) without an app context and without the store's lock and expiry
    timer on every call, as on Redis; the limit holds exactly as before (calls of a lease are
    counted before they are served)."""

    def __init__(self, strategy: RateLimiter, guard) -> None:
        super().__init__()
        self._strategy = strategy
        self._guard = guard

    def _take(self, item: RateLimitItem, identifiers: tuple, wanted: int) -> int:
        with self._guard:
            left = self._strategy.get_window_stats(item, *identifiers).remaining
            if left < 1:
                return 0
            taken = max(1, min(wanted, left // LEASE_SHARE))
            return taken if self._strategy.hit(item, *identifiers, cost=taken) else 0
