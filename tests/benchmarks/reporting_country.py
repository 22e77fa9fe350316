"""What the reporting benchmarks share (bench_dashboard.py, bench_due.py): a scratch PostgreSQL
database, a country seeded in it with ``cowin_kit.reporting.seed`` (bulk COPY), timings, and
the cost of a dose-recording hook measured in the dose's own transaction.

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
import uuid
from contextlib import contextmanager

SERVER = os.environ.get("COWIN_KIT_BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(keep: bool):
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"cowinkit_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    print(f"scratch database {name}" + (" (kept)" if keep else ""), flush=True)
    try:
        yield make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(fn, repeat: int) -> tuple[float, float]:
    """Return (median, max) seconds of ``repeat`` calls after one warm-up call."""
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), max(runs)


def arguments(description: str | None = None) -> argparse.ArgumentParser:
    """The options every reporting benchmark takes (a caller may add its own)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--beneficiaries", type=int, default=1_000_000)
    parser.add_argument("--facilities", type=int, default=5000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--profile", default="in")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser


def bench_app(url: str, profile: str):
    from cowin_kit.app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PROFILE": profile,
                       "REDIS_URL": "", "WTF_CSRF_ENABLED": False})


def seed_country(args) -> tuple[dict, float]:
    """Migrate, import the profile's areas and seed ``args.beneficiaries`` people (a dot per
    50,000); return the seeder's counts and the seconds it took. Needs an app context."""
    from cowin_kit.areas.operations import import_areas
    from cowin_kit.core import migrate
    from cowin_kit.core.db import db
    from cowin_kit.profiles import get_profile
    from cowin_kit.reporting.labels import local_today
    from cowin_kit.reporting.seed import seed

    migrate.upgrade("head")
    profile = get_profile()
    import_areas(profile)
    db.session.commit()
    started = time.perf_counter()
    made = seed(profile, beneficiaries=args.beneficiaries, facilities=args.facilities,
                days=args.days, today=local_today(), batch=50_000,
                progress=lambda n: print(".", end="", flush=True))
    db.session.commit()
    seconds = time.perf_counter() - started
    print(f"\nseeded in {seconds:.0f}s", flush=True)
    return made, seconds


def hook_cost(hooks, runs: int = 3, doses: int = 200) -> tuple[float, float]:
    """Seconds to record one dose in its own transaction (as at the desk), (with, without) the
    flush hooks of ``hooks`` (a module with ``_before_flush``, ``_after_flush`` and
    ``install``): medians of ``runs`` alternating runs, fair under a changing load."""
    import sqlalchemy as sa

    from cowin_kit.core.db import db
    from cowin_kit.reporting.labels import local_today
    from cowin_kit.vaccination.models import DoseRecord

    def record(n: int) -> float:
        ids = db.session.execute(sa.select(DoseRecord.beneficiary_id, DoseRecord.facility_id)
                                 .where(DoseRecord.dose_number == 1).limit(n)).all()
        started = time.perf_counter()
        for person_id, facility_id in ids:
            db.session.add(DoseRecord(beneficiary_id=person_id, facility_id=facility_id,
                                      vaccine="bench", lot="B", dose_number=99,
                                      series_total=2, administered_on=local_today()))
            db.session.commit()
        elapsed = (time.perf_counter() - started) / max(len(ids), 1)
        db.session.execute(sa.delete(DoseRecord).where(DoseRecord.dose_number == 99))
        db.session.commit()
        return elapsed

    def unhooked(n: int) -> float:
        sa.event.remove(sa.orm.Session, "after_flush", hooks._after_flush)
        sa.event.remove(sa.orm.Session, "before_flush", hooks._before_flush)
        try:
            return record(n)
        finally:
            hooks.install()

    record(50)  # warm up
    measured = [(record(doses), unhooked(doses)) for _ in range(runs)]
    return (statistics.median(r[0] for r in measured),
            statistics.median(r[1] for r in measured))


def machine(args, made: dict) -> list[str]:
    """The run's date, machine and data, for docs/performance.md."""
    return [
        f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, PostgreSQL (local)",
        f"data: profile {args.profile}, {made['beneficiaries']:,} beneficiaries, "
        f"{made['facilities']:,} facilities, {made['sessions']:,} sessions, "
        f"{made['doses']:,} doses over {args.days} days",
    ]
