"""What a repeated public read costs before the app (``core.ready_hits``, issue #15): a call
counted ahead in this process's lease (on Redis, or in process without it) is served without an
app context, and the public limit still holds exactly on both."""

from __future__ import annotations

import uuid

import pytest

from cowin_kit.core import ratelimit


def _find_by_pin(today) -> str:
    return ("/api/v2/appointment/sessions/public/findByPin?pincode=411001&date="
            + today.strftime("%d-%m-%Y"))


@pytest.fixture(params=["redis", "in process"])
def limited_app(request, make_app, monkeypatch):
    """An app whose public limit is counted on Redis or, without it, in process (both in
    leases: ``_Leases``, ``_MemoryLeases``)."""
    monkeypatch.setattr(ratelimit, "LEASE_SECONDS", 600.0)  # leases outlive a slow machine
    on_redis = request.param == "redis"
    redis_url = request.getfixturevalue("redis_url") if on_redis else ""

    def build(limit: str):
        return make_app(REDIS_URL=redis_url, CACHE_PREFIX=f"test-{uuid.uuid4().hex}:",
                        RATE_LIMIT_PUBLIC=limit)

    return build


def test_a_ready_hit_on_a_held_lease_pushes_no_app_context(limited_app, make_session, today,
                                                            monkeypatch):
    app = limited_app("1000000 per hour")
    make_session(days=0)
    client = app.test_client()
    for _ in range(8):  # leases of 1, 2, 4, 8 calls: 7 left after the eighth call
        assert client.get(_find_by_pin(today)).status_code == 200
    pushed: list[int] = []
    context = app.app_context
    monkeypatch.setattr(app, "app_context", lambda: pushed.append(1) or context())
    answers = [client.get(_find_by_pin(today)) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5 and pushed == []
    leases = app.extensions[ratelimit._KEY].leases
    assert [lease.left for lease in leases._held.values()] == [2]  # the five were counted


def test_the_public_limit_holds_exactly_for_ready_hits(limited_app, make_session, today):
    app = limited_app("3 per minute")
    make_session(days=0)
    client = app.test_client()
    statuses = [client.get(_find_by_pin(today)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
