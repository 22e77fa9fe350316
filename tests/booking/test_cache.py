"""The public cache: normalised keys, TTL, and the Redis backend against a real Redis."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from cowin_kit.core.cache import (Cache, FallbackBackend, MemoryBackend, RedisBackend, create_cache,
                                  make_key)

REDIS_URL = os.environ.get("COWIN_KIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_reformatted_dates_share_one_entry(app):
    from cowin_kit.booking.queries import availability_query

    keys = {availability_query(date=d, area_id=7, vaccine="Covishield ").cache_key()
            for d in ("8-6-2021", "08-06-2021", "2021-06-08", "08/06/2021", " 2021-6-8 ")}
    assert len(keys) == 1
    # Parameter order and string vs number do not matter; other values do.
    a = availability_query(area_id="7", age="45", date="2021-06-08")
    b = availability_query(date="8-6-2021", age=45, area_id=7)
    assert a.cache_key() == b.cache_key()
    assert availability_query(date="9-6-2021", area_id=7).cache_key() != a.cache_key()


def test_bad_query_values_are_refused(app):
    from cowin_kit.booking.queries import availability_query
    from cowin_kit.core.errors import ValidationFailed

    for bad in ({"date": "31-02-2021"}, {"date": "tomorrow"}, {"age": "-3"}, {"days": "9"},
                {"dose_kind": "3"}, {"fee_type": "cheap"}, {"postal_code": "<script>"}):
        with pytest.raises(ValidationFailed) as info:
            availability_query(**bad)
        assert set(info.value.fields) == set(bad)


def test_make_key_sorts_and_drops_empty_values():
    assert make_key("x", b=2, a=1, c=None, d="") == make_key("x", a=1, b=2) == "x?a=1&b=2"


def test_get_or_set_computes_once_per_ttl():
    cache = Cache(MemoryBackend())
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert cache.get_or_set("k", 0.3, compute) == {"n": 1}
    assert cache.get_or_set("k", 0.3, compute) == {"n": 1}
    assert len(calls) == 1
    time.sleep(0.35)
    assert cache.get_or_set("k", 0.3, compute) == {"n": 2}
    assert len(calls) == 2


def test_one_thread_recomputes_while_others_get_the_value_that_just_expired():
    cache = Cache(MemoryBackend())
    cache.get_or_set("k", 0.2, lambda: "old")
    time.sleep(0.25)
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "new"

    worker = threading.Thread(target=lambda: cache.get_or_set("k", 0.2, slow))
    worker.start()
    started.wait(5)
    assert cache.get_or_set("k", 0.2, lambda: "unexpected") == "old"
    release.set()
    worker.join()
    assert cache.get_or_set("k", 0.2, lambda: "unexpected") == "new"
    # Past twice the TTL nothing stale is served any more.
    time.sleep(0.45)
    assert cache.get_or_set("k", 0.2, lambda: "fresh") == "fresh"


def test_bytes_are_kept_as_they_are(redis_cache):
    for cache in (Cache(MemoryBackend()), redis_cache):
        body = cache.get_or_set_bytes("doc", 5, lambda: b'{"centers":[]}\xff')
        assert body == cache.get_or_set_bytes("doc", 5, lambda: b"other") == b'{"centers":[]}\xff'


def test_memory_backend_is_bounded():
    backend = MemoryBackend(max_entries=3)
    cache = Cache(backend)
    for i in range(5):
        cache.get_or_set(f"k{i}", 10, lambda i=i: i)
    assert [backend.get(f"k{i}")[0] for i in range(5)] == [False, False, True, True, True]


def test_first_result_and_hits_are_the_same_json_value():
    cache = Cache(MemoryBackend())
    first = cache.get_or_set("k", 5, lambda: {"t": (1, 2)})
    assert first == cache.get_or_set("k", 5, lambda: None) == {"t": [1, 2]}


@pytest.fixture
def redis_cache():
    cache = create_cache(REDIS_URL, prefix=f"cowin-kit-test:{uuid.uuid4().hex}:")
    try:
        cache.backend.client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield cache
    cache.clear()
    assert not list(cache.backend.client.scan_iter(match=cache.backend.prefix + "*"))


def test_redis_backend_shares_values_and_expires(redis_cache):
    assert isinstance(redis_cache.backend, FallbackBackend)
    assert isinstance(redis_cache.backend.primary, RedisBackend)
    calls = []
    value = redis_cache.get_or_set("avail?a=1", 0.5, lambda: calls.append(1) or {"c": [1, "x"]})
    assert value == {"c": [1, "x"]}
    # A second process (another cache object on the same Redis) sees the same entry.
    other = create_cache(REDIS_URL, prefix=redis_cache.backend.prefix)
    assert other.get_or_set("avail?a=1", 0.5, lambda: {"c": "recomputed"}) == {"c": [1, "x"]}
    ttl_ms = redis_cache.backend.client.pttl(redis_cache.backend.prefix + "avail?a=1")
    assert 0 < ttl_ms <= 500
    time.sleep(0.6)
    assert redis_cache.get_or_set("avail?a=1", 0.5, lambda: {"c": "fresh"}) == {"c": "fresh"}
    assert len(calls) == 1


def test_unreachable_redis_degrades_to_computing():
    cache = create_cache("redis://127.0.0.1:1/0")
    assert cache.get_or_set("k", 5, lambda: [1]) == [1]


def test_unreachable_redis_falls_back_to_this_process_cache():
    """Redis down: values are still cached (in this process), so a hot read does not turn into
    one database query per request; the captcha's direct backend use works too."""
    cache = create_cache("redis://127.0.0.1:1/0")
    calls = []
    for _ in range(3):
        assert cache.get_or_set("avail?a=1", 5, lambda: calls.append(1) or {"c": 1}) == {"c": 1}
    assert calls == [1]
    cache.backend.set("captcha:1", "answer", 60)
    assert cache.backend.get("captcha:1") == (True, "answer")
    assert cache.backend.ping() is False


def test_app_uses_redis_when_configured(make_app):
    from cowin_kit.core.cache import get_cache

    app = make_app(REDIS_URL=REDIS_URL, CACHE_PREFIX=f"cowin-kit-test:{uuid.uuid4().hex}:")
    with app.app_context():
        cache = get_cache()
        assert isinstance(cache.backend.primary, RedisBackend) and cache.backend.ping()
        assert get_cache() is cache
        cache.clear()
