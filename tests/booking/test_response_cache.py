"""Ready public availability responses: never older than the TTL (gzip or not, in every worker),
ETag and 304, one rebuild per key per TTL across processes sharing Redis."""

from __future__ import annotations

import gzip
import json
import math
import threading
import time
import uuid
from contextlib import contextmanager

import pytest

from cowin_kit.core.response_cache import MAX_REFRESH_SHARE, REFRESH_SHARE

TTL = 0.6


def _set_capacity(db, session, kind: str, capacity: int) -> None:
    import sqlalchemy as sa

    from cowin_kit.booking.models import SessionCapacity

    db.session.execute(sa.update(SessionCapacity).where(
        SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == kind)
        .values(capacity=capacity))
    db.session.commit()


def _dose1(response) -> int:
    data = gzip.decompress(response.data) if response.headers.get("Content-Encoding") \
        else response.data
    return json.loads(data)["centers"][0]["sessions"][0]["capacity"]["1"]


@pytest.fixture(params=["memory", "redis"])
def cached_app(request, make_app):
    """An app with a short TTL, on this process's memory or on the test Redis."""
    extra = {}
    if request.param == "redis":
        extra = {"REDIS_URL": request.getfixturevalue("redis_url"),
                 "CACHE_PREFIX": f"cowin-kit-test:{uuid.uuid4().hex}:"}
    app = make_app(PUBLIC_CACHE_SECONDS=TTL, RATE_LIMIT_PUBLIC="1000 per minute", **extra)
    yield app
    with app.app_context():
        from cowin_kit.core.cache import get_cache

        get_cache().clear()


def test_gzip_answer_is_never_older_than_the_ttl(cached_app, db, make_session):
    session = make_session(capacities={"1": 5})
    url = f"/api/kit/v1/availability?facility_id={session.facility_id}&days=7"
    client = cached_app.test_client()
    read_after = time.monotonic()  # the data is read after this instant...
    assert _dose1(client.get(url)) == 5  # the JSON answer is cached now
    _set_capacity(db, session, "1", 7)
    time.sleep(TTL * 0.4)
    # gzip asked for the first time within the TTL: the same data as the JSON answer, as long
    # as the entry is not yet in the last share of its life where one caller rebuilds it ahead
    # of expiry (a fresher 7): REFRESH_SHARE, up to MAX_REFRESH_SHARE if the build was slow; a
    # loaded machine may get there over the first build.
    packed = _dose1(client.get(url, headers={"Accept-Encoding": "gzip"}))
    if time.monotonic() - read_after < TTL * (1 - MAX_REFRESH_SHARE):
        assert packed == 5
    else:
        assert packed in (5, 7)
    time.sleep(TTL * 0.8)
    # ...and once the TTL has passed since that data was read, neither encoding is older.
    for headers in ({"Accept-Encoding": "gzip"}, {}):
        assert _dose1(client.get(url, headers=headers)) == 7, headers


def test_max_age_is_what_is_left_of_the_ttl(make_app, db, make_session):
    app = make_app(PUBLIC_CACHE_SECONDS=30)
    session = make_session()
    client = app.test_client()
    url = f"/api/kit/v1/availability?facility_id={session.facility_id}"
    started = time.monotonic()
    first = client.get(url)
    elapsed = time.monotonic() - started
    # 30 s less the time since the data was read (the build), whole seconds, never the full TTL:
    # 29 on a quick machine; a slow one may take a second or more to build the answer.
    directive, age = first.headers["Cache-Control"].split("max-age=")
    assert directive == "public, " and 30 - math.ceil(elapsed) - 1 <= int(age) <= 29, age
    assert "Accept-Encoding" in first.headers["Vary"]


@pytest.mark.parametrize("path", [
    "/api/kit/v1/availability?facility_id={facility}&days=7",
    "/api/v2/appointment/sessions/public/calendarByCenter?center_id={facility}&date={day}",
    "/api/v2/appointment/sessions/public/calendarByPin?pincode=411001&date={day}",
    "/api/v2/appointment/sessions/public/findByPin?pincode=411001&date={day}",
])
def test_public_answers_carry_an_etag_and_answer_304(client, make_session, today, path):
    session = make_session(days=0)
    url = path.format(facility=session.facility_id, day=today.strftime("%d-%m-%Y"))
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.status_code == packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert plain.headers["Cache-Control"].startswith("public, max-age=")
    etag = plain.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == plain.data
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_an_unknown_district_is_refused_and_not_cached(client, areas, today):
    day = today.strftime("%d-%m-%Y")
    base = "/api/v2/appointment/sessions/public/calendarByDistrict?date=" + day
    for _ in range(2):
        refused = client.get(f"{base}&district_id=9999999")
        assert refused.status_code == 400
        assert refused.get_json()["errorCode"] == "USRRES0002"
    from cowin_kit.api.cowin_v2.areaids import external_id

    assert client.get(f"{base}&district_id={external_id(areas['district'])}").status_code == 200


# -- one rebuild per key per TTL across processes ----------------------------------------------

@pytest.fixture
def two_processes(redis_url):
    """Two response caches on one Redis, as two workers (or pods) have."""
    from cowin_kit.core.cache import create_cache
    from cowin_kit.core.response_cache import ResponseCache

    prefix = f"cowin-kit-test:{uuid.uuid4().hex}:"
    caches = [create_cache(redis_url, prefix=prefix) for _ in range(2)]
    yield [ResponseCache(c.backend) for c in caches]
    caches[0].clear()


def test_a_second_process_takes_the_first_ones_build(two_processes):
    a, b = two_processes
    builds: list[str] = []
    started, release = threading.Event(), threading.Event()

    def slow_build():
        builds.append("a")
        started.set()
        release.wait(5)
        return b'{"n":1}'

    first = threading.Thread(target=lambda: a.get("k", 5, slow_build))
    first.start()
    assert started.wait(5)
    # While the first process builds, the second one waits for it instead of building too.
    got: list = []
    second = threading.Thread(target=lambda: got.append(
        b.get("k", 5, lambda: builds.append("b") or b'{"n":2}')))
    second.start()
    time.sleep(0.1)
    release.set()
    first.join(5)
    second.join(5)
    # (An open circuit means Redis did not answer the second one in time: it built for itself.)
    assert not a.backend.circuit.open and not b.backend.circuit.open
    assert builds == ["a"]
    assert got[0].body == b'{"n":1}' and gzip.decompress(got[0].gzipped) == b'{"n":1}'


def _lock_asked_after(monkeypatch, cache, first) -> None:
    """``cache`` asks Redis for the instance-wide lock only after ``first()`` has run, the first
    time (as when a loaded machine holds its thread up between its look in Redis and its lock)."""
    client = cache.backend.primary.client
    lock, waited = client.lock, []

    def late_lock(*args, **kwargs):
        if not waited:
            waited.append(True)
            first()
        return lock(*args, **kwargs)

    monkeypatch.setattr(client, "lock", late_lock)


def _held_build(cache, key: str, ttl: float, builds: list[str], body: bytes):
    """A thread of ``cache``'s process builds ``key`` as ``body``, held until the returned
    function is called (which lets it finish and waits for it); returns once it has started."""
    started, release = threading.Event(), threading.Event()

    def slow_build():
        builds.append("a")
        started.set()
        release.wait(5)
        return body

    thread = threading.Thread(target=lambda: cache.get(key, ttl, slow_build))
    thread.start()
    assert started.wait(5)

    def finish():
        release.set()
        thread.join(5)

    return finish


def test_a_build_shared_between_a_look_in_redis_and_the_lock_is_not_redone(two_processes,
                                                                            monkeypatch):
    """The second process finds nothing in Redis; the first one then shares its build and lets
    go of the lock before the second one asks for it: the second one takes that build."""
    a, b = two_processes
    builds: list[str] = []
    finish_first = _held_build(a, "k", 5, builds, b'{"n":1}')
    _lock_asked_after(monkeypatch, b, finish_first)
    got = b.get("k", 5, lambda: builds.append("b") or b'{"n":2}')
    assert builds == ["a"] and got.body == b'{"n":1}'
    assert not b.backend.circuit.open


def test_near_expiry_a_rebuild_shared_before_the_lock_is_asked_for_is_not_redone(
        two_processes, monkeypatch):
    a, b = two_processes
    ttl = 4 * TTL
    a.get("k", ttl, lambda: b"v1")
    b.get("k", ttl, lambda: b"unused")
    time.sleep(ttl * 0.8)  # inside the refresh window, still fresh
    builds: list[str] = []
    finish_first = _held_build(a, "k", ttl, builds, b"v2")
    _lock_asked_after(monkeypatch, b, finish_first)
    got = b.get("k", ttl, lambda: builds.append("b") or b"x")
    assert builds == ["a"] and got.body == b"v2"
    assert not b.backend.circuit.open


def test_an_entry_from_redis_expires_when_the_original_does(two_processes):
    a, b = two_processes
    made = a.get("k", TTL, lambda: b"old")
    time.sleep(TTL / 2)
    taken = b.get("k", TTL, lambda: b"not-called")
    assert taken.body == b"old"
    # The second process's copy stops being fresh when the first one's does, not TTL later.
    assert taken.expires <= made.expires + 0.05
    time.sleep(TTL / 2 + 0.05)
    assert b.get("k", TTL, lambda: b"new").body == b"new"
    assert a.get("k", TTL, lambda: b"newer").body == b"new"  # the rebuild is shared too


def test_a_slow_build_is_redone_earlier_in_every_process(two_processes):
    """The rebuild starts twice as long before expiry as the last build took (up to half the
    TTL; REFRESH_SHARE when builds are quick), so it is done before the entry expires and no
    caller waits; the other process learns the build time with the entry."""
    a, b = two_processes
    quick = a.get("quick", TTL, lambda: b"q")
    assert quick.expires - quick.refresh_at == pytest.approx(TTL * REFRESH_SHARE, abs=0.01) \
        or quick.took * 2 > TTL * REFRESH_SHARE  # a loaded machine: the build was slow
    slow = a.get("slow", TTL, lambda: time.sleep(TTL * 0.2) or b"s")
    lead = slow.expires - slow.refresh_at
    assert TTL * 0.4 - 0.01 <= lead <= TTL * MAX_REFRESH_SHARE + 0.001
    taken = b.get("slow", TTL, lambda: b"not-called")
    assert taken.body == b"s" and taken.took == pytest.approx(slow.took, abs=0.001)
    assert taken.expires - taken.refresh_at == pytest.approx(lead, abs=0.005)
    assert taken.refresh_at <= slow.refresh_at + 0.05  # never later than the builder's
    very_slow = a.get("very slow", TTL, lambda: time.sleep(TTL * 0.4) or b"v")
    assert very_slow.expires - very_slow.refresh_at == pytest.approx(TTL * MAX_REFRESH_SHARE)


@contextmanager
def _slow_rebuild(cache, builds: list[str], ttl: float = TTL):
    """A thread of ``cache``'s process rebuilds "k" as ``b"v2"``, held until the block ends."""
    started, release = threading.Event(), threading.Event()

    def slow_build():
        builds.append("rebuild")
        started.set()
        release.wait(5)
        return b"v2"

    rebuilding = threading.Thread(target=lambda: cache.get("k", ttl, slow_build))
    rebuilding.start()
    assert started.wait(5)
    try:
        yield
    finally:
        release.set()
        rebuilding.join(5)


def test_near_expiry_one_caller_rebuilds_while_the_others_answer(two_processes):
    a, b = two_processes
    a.get("k", TTL, lambda: b"v1")
    b.get("k", TTL, lambda: b"unused")
    time.sleep(TTL * 0.8)  # inside the refresh window, still fresh
    builds: list[str] = []
    with _slow_rebuild(a, builds):
        # Every other caller, in either process, answers with the fresh entry without waiting.
        assert a.get("k", TTL, lambda: builds.append("a") or b"x").body == b"v1"
        assert b.get("k", TTL, lambda: builds.append("b") or b"x").body == b"v1"
    assert builds == ["rebuild"]
    assert a.get("k", TTL, lambda: b"x").body == b"v2"


def test_while_a_rebuild_is_under_way_the_entry_stays_ready(two_processes):
    """ReadyHits keeps answering from the entry (``peek``) in the refresh window while a thread
    of this process rebuilds it, or while this process waits for another one's rebuild: only
    the caller that starts a rebuild goes through the app."""
    a, b = two_processes
    ttl = 4 * TTL  # a refresh window long enough for a busy machine to do its part in it
    a.get("k", ttl, lambda: b"v1")
    b.get("k", ttl, lambda: b"unused")
    time.sleep(ttl * 0.8)
    assert a.peek("k") is None and b.peek("k") is None  # due: the next caller rebuilds
    with _slow_rebuild(a, [], ttl):
        assert a.peek("k").body == b"v1"  # a thread of this process rebuilds it
        assert b.get("k", ttl, lambda: b"x").body == b"v1"  # b finds a's lock: it waits for a
        assert b.peek("k").body == b"v1"
    assert a.peek("k").body == b"v2"
    time.sleep(ttl * 0.3)  # b's entry has expired: never answered ready
    assert b.peek("k") is None


def test_redis_down_each_process_builds_for_itself():
    from cowin_kit.core.cache import create_cache
    from cowin_kit.core.response_cache import ResponseCache

    cache = ResponseCache(create_cache("redis://127.0.0.1:1/0").backend)
    builds = []
    for _ in range(3):
        entry = cache.get("k", 5, lambda: builds.append(1) or b"[]")
        assert entry.body == b"[]"
    assert builds == [1]


# -- repeated URLs answered before the app (ReadyHits) ----------------------------------------

def _find_by_pin(today) -> str:
    return ("/api/v2/appointment/sessions/public/findByPin?pincode=411001&date="
            + today.strftime("%d-%m-%Y"))


def test_a_repeated_public_url_is_answered_before_the_app_with_its_headers(
        app, client, make_session, today):
    make_session(days=0)
    hooks: list[str] = []
    app.before_request_funcs.setdefault(None, []).append(lambda: hooks.append("app") and None)
    first = client.get(_find_by_pin(today))
    again = client.get(_find_by_pin(today))
    assert first.status_code == again.status_code == 200
    assert hooks == ["app"]  # the second answer came from the ready entry
    assert again.data == first.data
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Access-Control-Allow-Origin",
                 "Content-Type", "ETag", "Vary"):
        assert again.headers[name] == first.headers[name], name
    assert again.headers["Cache-Control"].startswith("public, max-age=")
    # Another query string is another URL: it goes through the app.
    client.get(_find_by_pin(today) + "&x=1")
    assert hooks == ["app", "app"]


def test_answers_before_the_app_carry_their_own_entry_s_headers(make_app, db, make_session,
                                                                 today):
    """The headers of ready answers are made once per entry, encoding and second: max-age still
    counts down, and a rebuilt entry's ETag and length replace the old ones."""
    app = make_app(PUBLIC_CACHE_SECONDS=3, RATE_LIMIT_PUBLIC="1000 per minute")
    session = make_session(days=0)
    client = app.test_client()
    hooks: list[str] = []
    app.before_request_funcs.setdefault(None, []).append(lambda: hooks.append("app") and None)
    url = _find_by_pin(today)
    first, ready = client.get(url), client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert hooks == ["app"] and ready.headers["ETag"] == first.headers["ETag"]
    assert int(ready.headers["Content-Length"]) == len(ready.data) == len(first.data)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(first.data)
    time.sleep(1.1)
    later = client.get(url)
    assert hooks == ["app"]
    age = int(ready.headers["Cache-Control"].split("max-age=")[1])
    assert int(later.headers["Cache-Control"].split("max-age=")[1]) < age
    _set_capacity(db, session, "1", 12)
    time.sleep(2)  # the entry is rebuilt with the new capacity (5 -> 12: another length)
    client.get(url)
    rebuilt = client.get(url)
    assert rebuilt.headers["ETag"] != first.headers["ETag"]
    assert int(rebuilt.headers["Content-Length"]) == len(rebuilt.data) != len(first.data)
    assert "Content-Encoding" not in rebuilt.headers


def test_the_public_limit_still_counts_answers_before_the_app(make_app, db, make_session, today):
    app = make_app(RATE_LIMIT_PUBLIC="3 per minute")
    make_session(days=0)
    client = app.test_client()
    statuses = [client.get(_find_by_pin(today)).status_code for _ in range(3)]
    refused = client.get(_find_by_pin(today))
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["errorCode"] == "USRRES0429"


def test_behind_a_proxy_each_client_has_its_own_limit(make_app, db, make_session, today):
    app = make_app(RATE_LIMIT_PUBLIC="2 per minute", TRUSTED_PROXIES=1)
    make_session(days=0)
    client = app.test_client()

    def get(address):
        return client.get(_find_by_pin(today), headers={"X-Forwarded-For": address}).status_code

    assert [get("203.0.113.1"), get("203.0.113.1"), get("203.0.113.1")] == [200, 200, 429]
    assert [get("203.0.113.2"), get("203.0.113.2")] == [200, 200]
