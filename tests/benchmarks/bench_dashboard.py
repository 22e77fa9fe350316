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

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.reporting_country import (arguments, bench_app, hook_cost,  # noqa: E402
                                                machine, scratch_database, seed_country, timed)


def main() -> None:
    args = arguments(__doc__.splitlines()[0]).parse_args()

    import sqlalchemy as sa

    from cowin_kit.core.db import db

    with scratch_database(args.keep) as url:
        app = bench_app(url, args.profile)
        lines = []
        with app.app_context():
            from cowin_kit.profiles import get_profile
            from cowin_kit.reporting import counters, dashboard, queries
            from cowin_kit.reporting.bands import age_bands
            from cowin_kit.reporting.models import DoseCounter
            from cowin_kit.reporting.rollup import rebuild_counters
            from cowin_kit.vaccination.models import DoseRecord

            profile = get_profile()
            made, seed_s = seed_country(args)
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
            with_hook, without_hook = hook_cost(counters)

        (c_nat, c_nat_max), (c_drill, c_drill_max) = results["counters"]
        (s_nat, s_nat_max), (s_drill, s_drill_max) = results["full scan"]
        lines += [
            *machine(args, made),
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
