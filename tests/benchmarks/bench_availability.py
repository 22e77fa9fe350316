"""Benchmark: public availability of a district (200 facilities x 7 days) vs /healthz.

Creates a scratch PostgreSQL database, seeds one district, serves the app with gunicorn
(2 workers, gthread) and loads both endpoints in the same run, on loopback only. Prints
throughput, p50/p99 latency and the ratio availability/healthz (the target is >= 0.5).

    .venv/bin/python tests/benchmarks/bench_availability.py [--seconds 10] [--connections 16]

Uses ``wrk`` when installed (apt-get install wrk), else a Python load generator (processes x
threads with keep-alive http.client connections). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("COWIN_KIT_BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# -- scratch database and app ------------------------------------------------------------------

@contextmanager
def scratch_database():
    """Create a fresh PostgreSQL database, migrated to head; drop it afterwards."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"cowinkit_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str, instance: str, **config):
    from cowin_kit.app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "PROFILE": "in",
                       "SMS_BACKEND": "outbox", **config}, instance_path=instance)


def migrate(app) -> None:
    from cowin_kit.core import migrate as migrations

    with app.app_context():
        migrations.upgrade("head")


def seed_district(app, facilities: int = 200, days: int = 7, capacities=None) -> dict:
    """One state > one district > 20 blocks, with facilities spread and a week of sessions."""
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.facilities import add_facility, bulk_add_sessions
    from cowin_kit.booking.rules import local_now
    from cowin_kit.core.db import db
    from cowin_kit.profiles import get_profile

    with app.app_context():
        profile = get_profile()
        today = local_now(profile).date()
        vaccines = [v.id for v in profile.vaccines][:3] or ["covishield"]

        def area(code, parent, level, key):
            row = Area(code=code, parent_id=parent.id if parent else None, level=level,
                       level_key=key, name=code, names={"en": code}, path="")
            db.session.add(row)
            db.session.flush()
            row.path = (parent.path if parent else "/") + f"{row.id}/"
            return row

        state = area("BENCH-ST", None, 1, "state")
        district = area("BENCH-ST-D", state, 2, "district")
        blocks = [area(f"BENCH-ST-D-{i:02d}", district, 3, "block") for i in range(20)]
        made = [add_facility(code=f"BENCH-{i:04d}", name=f"Primary Health Centre {i:03d}",
                             area_id=blocks[i % len(blocks)].id, postal_code=f"4110{i % 20:02d}",
                             address=f"{i} Main Road", lat=18.5 + i / 1000, lon=73.8 + i / 1000,
                             fee_type="Paid" if i % 5 == 4 else "Free")
                for i in range(facilities)]
        db.session.flush()
        rows = [{"facility_id": f.id, "date": today + dt.timedelta(days=d),
                 "vaccine": vaccines[(f.id + d) % len(vaccines)], "min_age": 18,
                 "capacities": capacities or {"1": 50, "2": 30, "booster": 20},
                 "fee": 250 if f.fee_type == "Paid" else 0}
                for f in made for d in range(days)]
        bulk_add_sessions(rows)
        db.session.commit()
        return {"district_id": district.id, "today": today, "facility_ids": [f.id for f in made]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(url: str, instance: str, *, workers: int = 2, threads: int = 8, extra_env=None):
    """Serve cowin_kit.wsgi:app with gunicorn gthread workers on a loopback port."""
    port = free_port()
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": url, "COWIN_KIT_SECRET_KEY": "bench-secret",
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_INSTANCE_DIR": instance,
           "COWIN_KIT_SMS_BACKEND": "outbox", **(extra_env or {})}
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-k", "gthread",
           "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--backlog", "4096",
           "--log-level", "warning", "cowin_kit.wsgi:app"]
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- load generation ---------------------------------------------------------------------------

def _worker(args):
    port, path, seconds, threads, headers = args
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, errors[0]


def python_load(port: int, path: str, seconds: float, connections: int, headers=None) -> dict:
    """Closed-loop load from processes x threads, one keep-alive connection per thread."""
    procs = max(1, min(4, os.cpu_count() or 1))
    per = max(1, connections // procs)
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        parts = pool.map(_worker, [(port, path, seconds, per, headers or {})] * procs)
    latencies = sorted(x for part, _ in parts for x in part)
    errors = sum(e for _, e in parts)
    n = len(latencies)
    return {"requests": n, "errors": errors, "rps": n / seconds,
            "p50_ms": latencies[n // 2] * 1000 if n else None,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else None,
            "tool": f"python ({procs} processes x {per} threads)"}


def _ms(out: str, percentile: int) -> float:
    """A latency percentile from wrk's --latency table, in milliseconds."""
    value, unit = re.search(rf"\b{percentile}%\s+([\d.]+)(us|ms|s|m)\b", out).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk_load(port: int, path: str, seconds: float, connections: int, headers=None) -> dict:
    extra = [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{int(seconds)}s",
                          "--latency", *extra, f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p99 = _ms(out, 50), _ms(out, 99)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"requests": total, "errors": int(errors.group(1)) if errors else 0, "rps": rps,
            "p50_ms": p50, "p99_ms": p99, "tool": f"wrk (2 threads, {connections} connections)"}


def load(port, path, seconds, connections, tool="auto", headers=None):
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        return wrk_load(port, path, seconds, connections, headers)
    return python_load(port, path, seconds, connections, headers)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    with scratch_database() as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        migrate(app)
        seeded = seed_district(app, args.facilities)
        from cowin_kit.core.db import db

        with app.app_context():
            db.engine.dispose()
        path = (f"/api/kit/v1/availability?area_id={seeded['district_id']}"
                f"&date={seeded['today'].strftime('%d-%m-%Y')}")
        with gunicorn(url, instance) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", path)
            body = conn.getresponse().read()
            centres = json.loads(body)["centers"]
            sessions = sum(len(c["sessions"]) for c in centres)
            gz = {"Accept-Encoding": "gzip"}
            conn.request("GET", path, headers=gz)
            gz_size = len(conn.getresponse().read())
            load(port, "/healthz", 2, args.connections, args.tool)  # warm up both workers
            load(port, path, 2, args.connections, args.tool, gz)
            # Interleaved rounds, so a busy neighbour on the machine weighs on all three alike.
            runs = {"/healthz": ("/healthz", gz), "availability gzip": (path, gz),
                    "availability": (path, {})}
            rounds = {name: [] for name in runs}
            for _ in range(args.rounds):
                for name, (target, headers) in runs.items():
                    rounds[name].append(load(port, target, args.seconds / args.rounds,
                                             args.connections, args.tool, headers))
    print(f"machine: {machine()}; date: {dt.date.today().isoformat()}")
    print(f"availability response: {len(centres)} centres, {sessions} sessions, "
          f"{len(body) / 1024:.0f} KiB JSON ({gz_size / 1024:.0f} KiB gzip); load by "
          f"{rounds['/healthz'][0]['tool']}, {args.rounds} interleaved rounds, "
          f"{args.seconds:.0f}s per endpoint")
    for name, results in rounds.items():
        rps = sum(r["rps"] for r in results) / len(results)
        p50 = statistics.median(r["p50_ms"] for r in results)
        p99 = max(r["p99_ms"] for r in results)
        print(f"{name:18s} {rps:9.1f} req/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms (worst round)  "
              f"({sum(r['requests'] for r in results)} requests, "
              f"{sum(r['errors'] for r in results)} errors)")
    for name in ("availability gzip", "availability"):
        ratios = [a["rps"] / h["rps"] for a, h in zip(rounds[name], rounds["/healthz"])]
        print(f"ratio {name}/healthz per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
