"""Benchmark: public dashboard from the counters vs a naive full-scan aggregate, same run.

Creates a scratch PostgreSQL database, imports the profile's areas, runs
``cowin-kit seed`` (bulk COPY) and the roll-up, then times GET /dashboard and a drill-down page
rendered (a) from the counters and (b) from the dose records (the same page with
``RecordSource`` swapped in). Also times recording doses through the ORM with and without the
same-transaction counter hook. Prints one summary block for docs/performance.md.

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--beneficiaries 1000000]
        [--facilities 5000] [--days 180] [--requests 5] [--profile in] [--keep]

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beneficiaries", type=int, default=1_000_000)
    parser.add_argument("--facilities", type=int, default=5000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--profile", default="in")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    import sqlalchemy as sa

    from cowin_kit.app import create_app
    from cowin_kit.core import migrate
    from cowin_kit.core.db import db

    with scratch_database(args.keep) as url:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PROFILE": args.profile,
                          "REDIS_URL": "", "WTF_CSRF_ENABLED": False})
        lines = []
        with app.app_context():
            from cowin_kit.areas.operations import import_areas
            from cowin_kit.profiles import get_profile
            from cowin_kit.reporting import dashboard, queries
            from cowin_kit.reporting.bands import age_bands
            from cowin_kit.reporting.labels import local_today
            from cowin_kit.reporting.models import DoseCounter
            from cowin_kit.reporting.rollup import rebuild_counters
            from cowin_kit.reporting.seed import seed
            from cowin_kit.vaccination.models import DoseRecord

            migrate.upgrade("head")
            profile = get_profile()
            import_areas(profile)
            db.session.commit()
            started = time.perf_counter()
            made = seed(profile, beneficiaries=args.beneficiaries, facilities=args.facilities,
                        days=args.days, today=local_today(), batch=50_000,
                        progress=lambda n: print(".", end="", flush=True))
            db.session.commit()
            seed_s = time.perf_counter() - started
            print()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            started = time.perf_counter()
            counted = rebuild_counters(age_bands(profile))
            db.session.commit()
            rollup_s = time.perf_counter() - started
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            counter_rows = db.session.scalar(sa.select(sa.func.count()).select_from(DoseCounter))
            doses = db.session.scalar(sa.select(sa.func.count(DoseRecord.id)))
            assert counted == doses == made["doses"]
            drill = db.session.execute(sa.text(
                "SELECT a.code FROM area a JOIN report_dose_counter c ON c.area_id = a.id "
                "WHERE a.level = 1 GROUP BY a.code ORDER BY sum(c.doses) DESC LIMIT 1")).scalar()
            db.session.remove()

            client = app.test_client()

            def page(path):
                def get():
                    response = client.get(path)
                    assert response.status_code == 200, response.status_code
                return get

            def full_scan(area, today, days=90):
                return queries.dashboard_figures(queries.RecordSource(area, age_bands(profile)),
                                                 today, days=days)

            results = {}
            original = dashboard.FIGURES
            app.config["DASHBOARD_CACHE_SECONDS"] = 0  # time the work, not the cache
            for label, figures in (("counters", original), ("full scan", full_scan)):
                dashboard.FIGURES = figures
                try:
                    results[label] = (timed(page("/dashboard"), args.requests),
                                      timed(page(f"/dashboard/{drill}"), args.requests))
                finally:
                    dashboard.FIGURES = original
            app.config["DASHBOARD_CACHE_SECONDS"] = 30
            cached = timed(page("/dashboard"), args.requests)

            # Cost of the same-transaction counter update when recording doses.
            from cowin_kit.reporting import counters

            def record(n: int) -> float:
                ids = db.session.execute(sa.select(DoseRecord.beneficiary_id, DoseRecord.facility_id)
                                         .where(DoseRecord.dose_number == 1).limit(n)).all()
                started = time.perf_counter()
                for person_id, facility_id in ids:
                    db.session.add(DoseRecord(beneficiary_id=person_id, facility_id=facility_id,
                                              vaccine="bench", lot="B", dose_number=99,
                                              series_total=2, administered_on=local_today()))
                    db.session.commit()  # one transaction per dose, as at the desk
                elapsed = (time.perf_counter() - started) / max(len(ids), 1)
                db.session.execute(sa.delete(DoseRecord).where(DoseRecord.dose_number == 99))
                db.session.commit()
                return elapsed

            def unhooked(n: int) -> float:
                sa.event.remove(sa.orm.Session, "after_flush", counters._after_flush)
                sa.event.remove(sa.orm.Session, "before_flush", counters._before_flush)
                try:
                    return record(n)
                finally:
                    counters.install()

            record(50)  # warm up
            runs = [(unhooked(200), record(200)) for _ in range(3)]  # alternate: fair under load
            without_hook = statistics.median(r[0] for r in runs)
            with_hook = statistics.median(r[1] for r in runs)

        (c_nat, c_nat_max), (c_drill, c_drill_max) = results["counters"]
        (s_nat, s_nat_max), (s_drill, s_drill_max) = results["full scan"]
        lines += [
            f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: "
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"PostgreSQL (local)",
            f"data: profile {args.profile}, {made['beneficiaries']:,} beneficiaries, "
            f"{made['facilities']:,} facilities, {made['sessions']:,} sessions, "
            f"{made['doses']:,} doses over {args.days} days",
            f"seed: {seed_s:.1f}s; rollup: {rollup_s:.1f}s -> {counter_rows:,} counter rows",
            f"GET /dashboard          counters {c_nat * 1000:8.1f} ms (max {c_nat_max * 1000:.1f})"
            f" | full scan {s_nat * 1000:8.1f} ms (max {s_nat_max * 1000:.1f})"
            f" | ratio {s_nat / c_nat:.0f}x",
            f"GET /dashboard/{drill:<8} counters {c_drill * 1000:8.1f} ms "
            f"(max {c_drill_max * 1000:.1f}) | full scan {s_drill * 1000:8.1f} ms "
            f"(max {s_drill_max * 1000:.1f}) | ratio {s_drill / c_drill:.0f}x",
            f"GET /dashboard with the 30 s figures cache warm: {cached[0] * 1000:.1f} ms",
            f"record one dose (own transaction): with counter hook {with_hook * 1000:.2f} ms, "
            f"without {without_hook * 1000:.2f} ms",
        ]
        print("\n".join(lines))


if __name__ == "__main__":
    main()
