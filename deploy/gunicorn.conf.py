"""Gunicorn settings for cowin-kit in production (image, compose, Helm chart).

Every setting can be overridden by an environment variable, so one file serves a laptop, a
single machine and a Kubernetes pod:

GUNICORN_BIND (0.0.0.0:8000), WEB_CONCURRENCY (workers; default two per CPU), GUNICORN_CPUS
(CPUs to size for; the chart passes the pod's CPU request), GUNICORN_THREADS (8),
GUNICORN_TIMEOUT (60), GUNICORN_GRACEFUL_TIMEOUT (30), GUNICORN_KEEPALIVE (75),
GUNICORN_MAX_REQUESTS (20000), FORWARDED_ALLOW_IPS (127.0.0.1,::1; read by gunicorn itself),
PROMETHEUS_MULTIPROC_DIR (metrics of every worker; default: a fresh folder under /tmp).
"""

from __future__ import annotations

import glob
import math
import os
import shutil
import tempfile
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    """Read a whole number from the environment, or fall back to the default."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def available_cpus() -> int:
    """Count the CPUs this process may use: explicit setting, cgroup quota, else affinity."""
    explicit = _env_int("GUNICORN_CPUS", 0)
    if explicit > 0:
        return explicit
    # os.cpu_count() sees every CPU of the node; a container is limited by its cgroup quota.
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threaded workers: requests mostly wait on PostgreSQL, so threads multiply throughput cheaply,
# while two processes per CPU keep every core busy despite the GIL.
worker_class = "gthread"
workers = _env_int("WEB_CONCURRENCY", 2 * available_cpus())
threads = _env_int("GUNICORN_THREADS", 8)

# A request slower than this is stuck: its worker is killed and replaced.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (rolling upgrade, scale-down) in-flight requests get this long to finish; keep it
# below the pod's terminationGracePeriodSeconds minus the preStop sleep.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than the proxy's upstream keep-alive (nginx: 60 s), so the proxy always closes first
# and never reuses a connection gunicorn is closing (sporadic 502s).
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)
# Recycle workers now and then (jittered, so they never restart together) to bound slow leaks.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10

# The app factory touches no database, but each worker builds its own app and connection pool:
# nothing is shared across the fork.
preload_app = False
# No runtime control socket (gunicornc): it would need a writable $HOME, and pods are managed
# by Kubernetes signals instead.
control_socket_disable = True
# Heartbeat files on tmpfs: a read-only root filesystem and slow disks never stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Requests behind a proxy: trust X-Forwarded-Proto from these addresses (see FORWARDED_ALLOW_IPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}


# Prometheus metrics of every worker (cowin_kit.core.metrics): each worker writes its values to
# memory-mapped files in this folder and the worker answering /metrics adds them all up. It must
# be set before prometheus-client is imported (here, in the master, before any app code), and
# start empty: a fresh folder per master unless PROMETHEUS_MULTIPROC_DIR names one.
_METRICS_DIR_MADE = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _METRICS_DIR_MADE:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cowin-kit-metrics-")


def on_starting(server):
    """Production mode's start-up checks, once in the master before any worker forks.

    A refusal (cowin_kit.config.ConfigError, a RuntimeError) makes gunicorn print it and exit 1.
    """
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for stale in glob.glob(os.path.join(folder, "*.db")):  # a previous run's values
        os.remove(stale)
    from cowin_kit.production import preflight

    preflight()


def child_exit(server, worker):
    """A worker ended (recycled, killed, crashed): its in-flight and pool gauges no longer count;
    its counters stay in the sums (a counter never goes back)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this master made."""
    if _METRICS_DIR_MADE:
        shutil.rmtree(os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""), ignore_errors=True)


# Logs to stdout/stderr for the container runtime. The access log names the client (first
# X-Forwarded-For hop when behind a proxy), the request (path only: no query string, see
# cowin_kit.core.accesslog), status, size, duration, Referer (path only), agent and the request
# id the kit answered with (X-Request-ID: the same as in the kit's own JSON lines).
logger_class = "cowin_kit.core.accesslog.PrivateAccessLogger"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" %({x-request-id}o)s'
)
# Proxy headers and large request lines are bounded (defaults, stated for reviewers).
limit_request_line = 8190
limit_request_fields = 100
