"""Benchmark: every public availability endpoint (native and /api/v2, plain and gzip, with
and without Redis) against Flask's hello-world app on the same gunicorn settings.

Creates a scratch PostgreSQL database, seeds one district (200 facilities x 7 days), serves the
kit twice (in-process cache; Redis cache) and ``hello_app`` with gunicorn (2 gthread workers x
8 threads each), and loads them in interleaved rounds from ``loadgen`` (asyncio, one process,
every connection opened first; its own cost measured against a do-nothing server). Prints the
ratio endpoint / hello per round (the target is >= 0.5), on loopback only.

    .venv/bin/python tests/benchmarks/bench_availability.py [--seconds 2] [--rounds 3]
        [--only calendarByDistrict] [--redis redis://127.0.0.1:6379/5]

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
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
        try:  # /api/v2 names districts by CoWIN's ids where the profile has them
            from cowin_kit.api.cowin_v2.areaids import external_id

            cowin_district = external_id(district)
        except ImportError:
            cowin_district = district.id
        return {"district_id": district.id, "cowin_district_id": cowin_district, "today": today,
                "facility_ids": [f.id for f in made]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(url: str, instance: str, *, workers: int = 2, threads: int = 8, extra_env=None,
             module: str = "cowin_kit.wsgi:app", ready: str = "/healthz"):
    """Serve ``module`` (the kit by default) with gunicorn gthread workers on a loopback port."""
    port = free_port()
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": url, "COWIN_KIT_SECRET_KEY": "bench-secret",
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_INSTANCE_DIR": instance,
           "COWIN_KIT_SMS_BACKEND": "outbox", **(extra_env or {})}
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-k", "gthread",
           "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--backlog", "4096",
           "--log-level", "warning", module]
    proc = subprocess.Popen(cmd, env=env, cwd=str(Path(__file__).parent if module.startswith(
        "hello_app") else ROOT))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", ready)
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


# -- load and report ---------------------------------------------------------------------------

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


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


GZ = {"Accept-Encoding": "gzip"}


def targets(seeded: dict) -> dict[str, tuple[str, dict]]:
    """Every public availability endpoint, plain and gzip, for the seeded district."""
    day = seeded["today"].strftime("%d-%m-%Y")
    district, centre = seeded["cowin_district_id"], seeded["facility_ids"][0]
    v2 = "/api/v2/appointment/sessions/public/"
    paths = {
        "native": f"/api/kit/v1/availability?area_id={seeded['district_id']}&date={day}",
        "v2 calendarByDistrict": f"{v2}calendarByDistrict?district_id={district}&date={day}",
        "v2 findByDistrict": f"{v2}findByDistrict?district_id={district}&date={day}",
        "v2 calendarByPin": f"{v2}calendarByPin?pincode=411001&date={day}",
        "v2 findByPin": f"{v2}findByPin?pincode=411001&date={day}",
        "v2 calendarByCenter": f"{v2}calendarByCenter?center_id={centre}&date={day}",
    }
    out: dict[str, tuple[str, dict]] = {}
    for name, path in paths.items():
        out[name] = (path, {})
        out[name + " gzip"] = (path, GZ)
    return out


def main() -> None:
    from loadgen import measure_overhead, run_load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2, help="per endpoint and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--redis", default=os.environ.get("COWIN_KIT_BENCH_REDIS_URL",
                                                          "redis://127.0.0.1:6379/5"))
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    args = parser.parse_args()
    # One address makes every request: the per-address public limit is counted on every
    # request (its cost is in the figures) but set high enough never to refuse.
    limits = {"COWIN_KIT_RATE_LIMIT_PUBLIC": "1000000 per 1 second"}
    with scratch_database() as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        migrate(app)
        seeded = seed_district(app, args.facilities)
        from cowin_kit.core.db import db

        with app.app_context():
            db.engine.dispose()
        prefix = f"cowin-kit-bench:{uuid.uuid4().hex}:"
        with gunicorn(url, instance, module="hello_app:app", ready="/") as hello, \
                gunicorn(url, instance, extra_env=limits) as plain, \
                gunicorn(url, instance, extra_env={**limits, "COWIN_KIT_REDIS_URL": args.redis,
                                                   "COWIN_KIT_CACHE_PREFIX": prefix}) as shared:
            servers = {"memory": plain, "redis": shared}
            runs = {f"{name} [{kind}]": (servers[kind], path, headers)
                    for name, (path, headers) in targets(seeded).items() if args.only in name
                    for kind in servers}
            sizes = {}
            for name, (port, path, headers) in runs.items():
                conn = http.client.HTTPConnection("127.0.0.1", port)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                sizes[name] = len(body)
                assert response.status == 200, (name, response.status, body[:300])
            warm = dict(seconds=1, connections=args.connections)
            run_load("127.0.0.1", hello, "/", **warm)
            for port, path, headers in runs.values():
                run_load("127.0.0.1", port, path, headers=headers, **warm)
            rounds: dict[str, list[dict]] = {name: [] for name in ["hello", "/healthz", *runs]}
            loads = [load_average()]
            for _ in range(args.rounds):
                # Interleaved: hello before each endpoint, so both see the same neighbours.
                for name, (port, path, headers) in runs.items():
                    rounds["hello"].append(run_load("127.0.0.1", hello, "/", seconds=args.seconds,
                                                    connections=args.connections))
                    rounds[name].append(run_load("127.0.0.1", port, path, headers=headers,
                                                 seconds=args.seconds,
                                                 connections=args.connections))
                rounds["/healthz"].append(run_load("127.0.0.1", plain, "/healthz",
                                                   seconds=args.seconds,
                                                   connections=args.connections))
                loads.append(load_average())
        overhead_small = measure_overhead(args.seconds, args.connections, 13)
        overhead_large = measure_overhead(args.seconds, args.connections, max(sizes.values()))
    print(f"machine: {machine()}; date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"load average before/after rounds: {' | '.join(loads)}")
    print(f"gunicorn 2 gthread workers x 8 threads each (hello app and kit alike); asyncio "
          f"client, {args.connections} keep-alive connections opened first; {args.rounds} rounds "
          f"x {args.seconds:.0f}s per endpoint, hello measured right before each endpoint")
    print(f"client alone vs a do-nothing asyncio server: {overhead_small['rps']:.0f} req/s "
          f"({overhead_small['client_cpu_us']:.0f} us CPU/request) at 13 B; "
          f"{overhead_large['rps']:.0f} req/s ({overhead_large['client_cpu_us']:.0f} us "
          f"CPU/request) at {max(sizes.values()) / 1024:.0f} KiB")
    hello_rounds = iter(rounds["hello"])
    print(f"{'endpoint':44s} {'bytes':>8s} {'req/s':>8s} {'hello':>8s} {'ratio (min-max)':>18s}"
          f" {'p50 ms':>7s} {'p99 ms':>7s} {'client us/req':>13s}")
    pairs = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name in runs:
            pairs[name].append(next(hello_rounds))
    for name in runs:
        mine, base = rounds[name], pairs[name]
        ratios = [m["rps"] / b["rps"] for m, b in zip(mine, base)]
        bad = sum(sum(n for s, n in m["statuses"].items() if s != 200) + m["errors"]
                  for m in mine)
        print(f"{name:44s} {sizes[name]:8d} {statistics.mean(m['rps'] for m in mine):8.0f} "
              f"{statistics.mean(b['rps'] for b in base):8.0f} "
              f"{statistics.median(ratios):6.2f} ({min(ratios):.2f}-{max(ratios):.2f}) "
              f"{statistics.median(m['p50_ms'] for m in mine):7.2f} "
              f"{max(m['p99_ms'] for m in mine):7.1f} "
              f"{statistics.mean(m['client_cpu_us'] for m in mine):13.0f}"
              + (f"  NON-200: {bad}" if bad else ""))
    health = rounds["/healthz"]
    print(f"/healthz (memory): {statistics.mean(h['rps'] for h in health):.0f} req/s")


if __name__ == "__main__":
    main()
