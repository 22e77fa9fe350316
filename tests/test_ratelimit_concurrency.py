"""A freshly started app answers many concurrent first requests without a single error: the
limiter's storage is built when the app is created (not by racing requests), and the in-process
store is used by one thread at a time.

Before: after every worker start (SIGHUP, max_requests recycling, deploys) most concurrent first
requests got 500 ("ConfigurationError: ... redis ... Found version: 0.0.0": threads building
the Redis storage read a half-imported ``redis``), and the in-memory store now and then started
its expiry timer twice ("RuntimeError: threads can only be started once").
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import types
import uuid

import pytest

THREADS = 160

#: A new process (nothing imported yet, like a new gunicorn worker) that creates the app as
#: cowin_kit.wsgi does, then sends THREADS requests at the same moment from as many threads.
FRESH_PROCESS = r"""
import json, sys, threading
# Switch threads as often as possible: the interleavings of a busy server, every run.
sys.setswitchinterval(1e-6)
from cowin_kit.app import create_app

config, instance, count = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
app = create_app(config, instance_path=instance)
barrier = threading.Barrier(count)
codes = []

def call(i):
    client = app.test_client()
    barrier.wait()
    response = client.get("/api/v2/admin/location/states",
                          environ_base={"REMOTE_ADDR": f"127.0.{i // 200}.{i % 200 + 1}"})
    codes.append(response.status_code)

threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=120)
print(json.dumps(codes))
"""


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_concurrent_first_requests_to_a_new_process_never_fail(store, database_url, tmp_path,
                                                               request):
    url = request.getfixturevalue("redis_url") if store == "redis" else ""
    config = {"DATABASE_URL": database_url, "SECRET_KEY": "test", "REDIS_URL": url,
              "CACHE_PREFIX": f"test-{uuid.uuid4().hex}:", "RATE_LIMIT_PUBLIC": "10 per minute"}
    done = subprocess.run([sys.executable, "-c", FRESH_PROCESS, json.dumps(config),
                           str(tmp_path / "instance"), str(THREADS)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(codes) == THREADS
    # Each thread is another client address: none over its limit, none failing.
    assert codes == [200] * THREADS, (sorted(set(codes)), done.stderr[-3000:])


def _all_at_once(count: int, work) -> None:
    """Run ``work(i)`` in ``count`` threads that start together (a barrier); wait for all."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)


class _SlowToDrop(threading.Timer):
    """A timer whose disposal lets other threads run (as a weakref callback may): it widens
    the window in which two threads both see the memory store's expiry timer as not started."""

    def __del__(self):
        time.sleep(0.001)


def test_the_in_memory_store_is_used_by_one_thread_at_a_time(make_app, monkeypatch):
    import limits.storage.memory as memory

    patched = types.SimpleNamespace(**{**vars(threading), "Timer": _SlowToDrop})
    monkeypatch.setattr(memory, "threading", patched)
    app = make_app(RATE_LIMIT_PUBLIC="100000 per minute")
    from cowin_kit.core.ratelimit import hit

    errors: list[str] = []

    def work(i):
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": f"127.0.1.{i + 1}"}):
            for _ in range(200):
                try:
                    hit("concurrency-test")
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    errors.append(f"{type(exc).__name__}: {exc}")

    _all_at_once(32, work)
    assert errors == []


def test_a_shared_limit_counts_exactly_under_concurrency(make_app):
    """Forty threads of one client against a limit of 25: exactly 25 get through."""
    app = make_app(RATE_LIMIT_PUBLIC="25 per minute")
    from cowin_kit.core.errors import RateLimited
    from cowin_kit.core.ratelimit import hit

    outcomes: list[str] = []

    def work(_i):
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.2.1"}):
            try:
                hit("exact-count-test")
                outcomes.append("allowed")
            except RateLimited:
                outcomes.append("refused")

    _all_at_once(40, work)
    assert sorted(outcomes) == ["allowed"] * 25 + ["refused"] * 15
