"""deploy/gunicorn.conf.py: workers follow the CPUs the pod asked for, never the node's."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO

CONF = REPO / "deploy" / "gunicorn.conf.py"
SETTINGS_ENV = ("WEB_CONCURRENCY", "GUNICORN_CPUS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
                "GUNICORN_KEEPALIVE", "GUNICORN_BIND", "FORWARDED_ALLOW_IPS")


@pytest.fixture
def load(monkeypatch, tmp_path):
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    # The metrics folder of this "master" (the conf makes one under /tmp when unset).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))

    def do(cpu_max: str | None = None, **env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        real = Path.read_text

        def read_text(path, *args, **kwargs):
            if str(path) == "/sys/fs/cgroup/cpu.max":
                if cpu_max is None:
                    raise FileNotFoundError(path)
                return cpu_max
            return real(path, *args, **kwargs)

        monkeypatch.setattr(Path, "read_text", read_text)
        monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(64)))  # a big node
        return runpy.run_path(str(CONF))

    return do


def test_two_workers_per_requested_cpu(load):
    settings = load(GUNICORN_CPUS="3")
    assert settings["workers"] == 6
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] == 8


def test_cgroup_quota_bounds_workers_when_no_request_is_given(load):
    assert load(cpu_max="150000 100000\n")["workers"] == 4  # 1.5 CPUs -> 2
    assert load(cpu_max="max 100000\n")["workers"] == 128  # unlimited: what the process may use


def test_environment_overrides(load):
    settings = load(GUNICORN_CPUS="2", WEB_CONCURRENCY="5", GUNICORN_THREADS="4",
                    GUNICORN_BIND="127.0.0.1:9000", FORWARDED_ALLOW_IPS="10.0.0.1")
    assert (settings["workers"], settings["threads"], settings["bind"]) == (5, 4, "127.0.0.1:9000")
    assert settings["forwarded_allow_ips"] == "10.0.0.1"


def test_defaults_suit_a_proxy_in_front(load):
    settings = load(GUNICORN_CPUS="1")
    assert settings["bind"] == "0.0.0.0:8000"
    assert settings["keepalive"] > 60  # longer than nginx's upstream keep-alive
    assert settings["graceful_timeout"] < settings["timeout"]
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert settings["accesslog"] == "-" and "%({x-forwarded-for}i)s" in settings["access_log_format"]
    assert settings["logger_class"] == "cowin_kit.core.accesslog.PrivateAccessLogger"
    assert settings["max_requests_jitter"] > 0


def test_metrics_folder_starts_empty_and_dead_workers_leave_the_live_sums(load, tmp_path,
                                                                         monkeypatch):
    """Multiprocess metrics (cowin_kit.core.metrics): the master clears what a previous run left,
    and ``child_exit`` drops a dead worker's live gauges (its counters stay in the sums)."""
    from types import SimpleNamespace

    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"old run")
    settings = load()
    monkeypatch.setattr("cowin_kit.production.preflight", lambda: None)  # not tested here
    settings["on_starting"](None)
    assert list(folder.iterdir()) == []
    for name in ("gauge_livesum_41.db", "counter_41.db", "gauge_livesum_42.db"):
        (folder / name).write_bytes(b"")
    settings["child_exit"](None, SimpleNamespace(pid=41))
    assert sorted(p.name for p in folder.iterdir()) == ["counter_41.db", "gauge_livesum_42.db"]
