"""Rate limits are counted in leases (core.ratelimit._Leases on Redis, _MemoryLeases in
process): a client well under its limit costs one trip to the store per lease, not per call, and
the limit still holds exactly, across processes sharing Redis too (two apps here, as two
gunicorn workers or pods)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from cowin_kit.core import ratelimit
from cowin_kit.core.errors import RateLimited


@pytest.fixture
def redis_apps(make_app, redis_url, monkeypatch):
    """Two apps (two processes' limiters) on one Redis and one key prefix; leases live as long
    as a test needs (no dependence on how fast this machine is)."""
    monkeypatch.setattr(ratelimit, "LEASE_SECONDS", 600.0)
    prefix = f"test-{uuid.uuid4().hex}:"

    def build(limit: str):
        return [make_app(REDIS_URL=redis_url, CACHE_PREFIX=prefix, RATE_LIMIT_PUBLIC=limit)
                for _ in range(2)]

    return build


@pytest.fixture(params=["redis", "in process"])
def lease_app(request, make_app, monkeypatch):
    """One app whose limits are counted in leases on Redis or, without it, in process."""
    monkeypatch.setattr(ratelimit, "LEASE_SECONDS", 600.0)
    on_redis = request.param == "redis"
    redis_url = request.getfixturevalue("redis_url") if on_redis else ""

    def build(limit: str):
        app = make_app(REDIS_URL=redis_url, CACHE_PREFIX=f"test-{uuid.uuid4().hex}:",
                       RATE_LIMIT_PUBLIC=limit)
        leases = app.extensions[ratelimit._KEY].leases
        assert isinstance(leases, ratelimit._Leases)
        assert isinstance(leases, ratelimit._MemoryLeases) is not on_redis
        return app

    return build


def _hit(app, address: str = "127.0.3.1") -> bool:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
        try:
            ratelimit.hit("lease-test")
            return True
        except RateLimited:
            return False


def _count_round_trips(app, monkeypatch) -> list[int]:
    """How many calls each lease took (0: refused), one entry per trip to the store (a Redis
    round trip; a visit to the in-process store for ``_MemoryLeases``)."""
    leases = app.extensions[ratelimit._KEY].leases
    taken: list[int] = []
    take = leases._take

    def counted(*args):
        taken.append(take(*args))
        return taken[-1]

    monkeypatch.setattr(leases, "_take", counted)
    return taken


def test_a_busy_client_costs_one_round_trip_per_lease(lease_app, monkeypatch):
    app = lease_app("1000000 per hour")
    taken = _count_round_trips(app, monkeypatch)
    assert all(_hit(app) for _ in range(1000))
    # Leases of 1, 2, 4 ... 64: 1000 calls in 21 round trips (one per call before).
    assert taken[:8] == [1, 2, 4, 8, 16, 32, 64, 64]
    assert sum(taken) >= 1000 and len(taken) == 21


def test_a_lease_that_lapses_while_the_client_calls_is_followed_by_one_as_used(
        redis_apps, monkeypatch):
    """With a one-second window a lease lives 1/16 s: a busy client outlives its leases. The
    next lease is as large as the share of the lapsed one the client used (twice as large if it
    used it up), not one call again; a client that paused for longer starts again at one."""
    app, _ = redis_apps("1000000 per 1 second")
    taken = _count_round_trips(app, monkeypatch)
    now = [1000.0]
    monkeypatch.setattr(ratelimit, "time", type("Clock", (), {
        "monotonic": staticmethod(lambda: now[0]), "time": staticmethod(time.time)}))
    assert all(_hit(app) for _ in range(1 + 2 + 4 + 8 + 16 + 10))
    assert taken == [1, 2, 4, 8, 16, 32]  # the last one: 10 of 32 used
    now[0] += 0.1  # lapsed (1/16 s), the client still calling
    assert _hit(app)
    assert taken[-1] == 10
    assert all(_hit(app) for _ in range(9))  # used up in time...
    now[0] += 0.1
    assert _hit(app)
    assert taken[-1] == 20  # ...so the next is twice as large
    now[0] += ratelimit.LEASE_SECONDS + 1
    assert _hit(app)
    assert taken[-1] == 1


def test_threads_of_a_process_wait_for_one_round_trip_instead_of_each_taking_a_lease(
        redis_apps, monkeypatch):
    app, _ = redis_apps("1000000 per hour")
    leases = app.extensions[ratelimit._KEY].leases
    script, taken = leases._script, []

    def slow(**kwargs):  # every thread arrives while the first round trip is under way
        time.sleep(0.2 if not taken else 0)
        taken.append(int(script(**kwargs)))
        return taken[-1]

    monkeypatch.setattr(leases, "_script", slow)
    barrier, outcomes = threading.Barrier(8), []

    def work():
        barrier.wait()
        outcomes.append(_hit(app))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == [True] * 8
    assert taken == [1, 2, 4, 8]  # one after the other, each twice the last (8 before: 1 each)


@pytest.mark.parametrize("limit", [5, 100, 1000])
def test_leases_never_take_more_than_a_share_of_what_is_left(lease_app, monkeypatch, limit):
    app = lease_app(f"{limit} per hour")
    taken = _count_round_trips(app, monkeypatch)
    outcomes = [_hit(app) for _ in range(limit + 30)]
    assert outcomes == [True] * limit + [False] * 30
    # Never more than a sixteenth of what was left: under 2 x 16 left, one call per round trip.
    left = limit
    for lease in taken[:taken.index(0)]:
        assert 1 <= lease <= max(1, left // ratelimit.LEASE_SHARE)
        left -= lease
    assert left == 0 and set(taken[taken.index(0):]) == {0}  # each refusal asks the store again


@pytest.mark.parametrize("limit", [30, 100, 1000])
def test_two_processes_taking_turns_share_the_limit_exactly(redis_apps, limit):
    first, second = redis_apps(f"{limit} per hour")
    outcomes = [_hit(first if i % 2 else second) for i in range(limit + 130)]
    assert outcomes == [True] * limit + [False] * 130


def _hits_under_threads(apps: list, threads: int, calls: int) -> list[bool]:
    """``calls`` calls of one client from ``threads`` threads started together, spread over
    ``apps`` (processes) in turn; the outcome of each."""
    outcomes: list[bool] = []
    barrier = threading.Barrier(threads)

    def work(i):
        barrier.wait()
        for _ in range(calls // threads + 1):
            outcomes.append(_hit(apps[i % len(apps)]))

    started = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    return outcomes


def test_two_processes_under_concurrency_never_exceed_the_limit(redis_apps):
    """Sixteen threads in each of two processes, one client, 3,000 calls in each against 2,000:
    every leased call is served (a process refuses only with its lease used up), none beyond.
    Each process alone calls more than the limit, so each ends refused, holding no lease: with
    1,500 calls each, one that finished early could keep leased calls it never served (counted,
    not served: the module's trade-off) and the count fell short (1,998 seen)."""
    outcomes = _hits_under_threads(redis_apps("2000 per hour"), 32, 6000)
    assert outcomes.count(True) == 2000
    assert outcomes.count(False) == len(outcomes) - 2000


def test_threads_of_one_process_never_exceed_the_limit(lease_app):
    outcomes = _hits_under_threads([lease_app("2000 per hour")], 16, 3000)
    assert outcomes.count(True) == 2000
    assert outcomes.count(False) == len(outcomes) - 2000


def test_limits_reads_what_the_leases_counted(lease_app):
    """The leases write limits' own sliding-window counters: its ``test`` and window stats (the
    Retry-After of a refusal, ``core.ratelimit.check``) see every call leased."""
    app = lease_app("50 per hour")
    assert all(_hit(app) for _ in range(20))
    limits = app.extensions[ratelimit._KEY]
    item = ratelimit.parse("50 per hour")
    identifiers = (limits.namespace, "lease-test", "127.0.3.1")
    stats = limits.strategy.get_window_stats(item, *identifiers)
    leased = 50 - stats.remaining
    assert 20 <= leased <= 20 + 50 // ratelimit.LEASE_SHARE
    assert all(_hit(app) for _ in range(30))
    assert not limits.strategy.test(item, *identifiers)
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.3.1"}):
        with pytest.raises(RateLimited) as refused:
            ratelimit.hit("lease-test")
        with pytest.raises(RateLimited):
            ratelimit.check("lease-test")
    assert 0 < refused.value.retry_after <= 3600


def test_a_client_at_its_limit_on_another_address_is_not_affected(lease_app):
    app = lease_app("5 per hour")
    assert [_hit(app, "127.0.4.1") for _ in range(7)] == [True] * 5 + [False] * 2
    assert _hit(app, "127.0.4.2")
