"""Without Redis the limits are counted in leases too (core.ratelimit._MemoryLeases): a busy
client's calls reach the in-process store once per lease, never beyond its limit, and the
store's window stats (Retry-After) see every leased call."""

from __future__ import annotations

import threading

import pytest

from cowin_kit.core import ratelimit
from cowin_kit.core.errors import RateLimited
from tests.test_ratelimit_leases import _count_round_trips, _hit


@pytest.fixture
def memory_app(make_app, monkeypatch):
    monkeypatch.setattr(ratelimit, "LEASE_SECONDS", 600.0)  # leases outlive a slow machine

    def build(limit: str):
        app = make_app(RATE_LIMIT_PUBLIC=limit)
        assert isinstance(app.extensions[ratelimit._KEY].leases, ratelimit._MemoryLeases)
        return app

    return build


def test_a_busy_client_reaches_the_store_once_per_lease(memory_app, monkeypatch):
    app = memory_app("1000000 per hour")
    taken = _count_round_trips(app, monkeypatch)
    assert all(_hit(app) for _ in range(1000))
    assert taken[:8] == [1, 2, 4, 8, 16, 32, 64, 64]
    assert sum(taken) >= 1000 and len(taken) == 21


@pytest.mark.parametrize("limit", [5, 100, 1000])
def test_the_limit_holds_exactly(memory_app, monkeypatch, limit):
    app = memory_app(f"{limit} per hour")
    taken = _count_round_trips(app, monkeypatch)
    assert [_hit(app) for _ in range(limit + 30)] == [True] * limit + [False] * 30
    left = limit
    for lease in taken[:taken.index(0)]:  # never more than a share of what was left
        assert 1 <= lease <= max(1, left // ratelimit.LEASE_SHARE)
        left -= lease
    assert left == 0
    # Another address has its own count.
    assert _hit(app, "127.0.3.2")


def test_threads_never_exceed_the_limit(memory_app):
    app = memory_app("2000 per hour")
    outcomes: list[bool] = []
    barrier = threading.Barrier(16)

    def work():
        barrier.wait()
        for _ in range(3000 // 16 + 1):
            outcomes.append(_hit(app))

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count(True) == 2000
    assert outcomes.count(False) == len(outcomes) - 2000


def test_the_store_sees_every_leased_call(memory_app):
    app = memory_app("50 per hour")
    assert all(_hit(app) for _ in range(20))
    limits = app.extensions[ratelimit._KEY]
    item = ratelimit.parse("50 per hour")
    identifiers = (limits.namespace, "lease-test", "127.0.3.1")
    stats = limits.strategy.get_window_stats(item, *identifiers)
    assert 20 <= 50 - stats.remaining <= 20 + 50 // ratelimit.LEASE_SHARE
    assert all(_hit(app) for _ in range(30))
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.3.1"}):
        with pytest.raises(RateLimited) as refused:
            ratelimit.hit("lease-test")
        with pytest.raises(RateLimited):
            ratelimit.check("lease-test")
    assert 0 < refused.value.retry_after <= 3600
