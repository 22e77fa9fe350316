"""Benchmark: due lists and report query plans at national scale (1M people by default).

Creates a scratch PostgreSQL database, imports the profile's areas, runs the seeder (bulk COPY),
the counter roll-up and ``reports rebuild-due`` (timed), ANALYZE, then:

- times the first page of ``/staff/reports/dose2_due`` and ``booster_due`` (national and the
  largest state) and the national CSV download streamed to the end, through the Flask test
  client as a national admin;
- EXPLAINs every query of every report (national and state scope, planner left alone) and
  fails if one reads beneficiary, dose_record, vaccination_session, appointment or the
  counters in full (a sequential scan, or an index walked without a condition);
- times recording one dose per transaction with and without the next-due hook.

    .venv/bin/python tests/benchmarks/bench_due.py [--beneficiaries 1000000]
        [--facilities 5000] [--days 180] [--requests 5] [--profile in] [--keep]
        [--database-url URL [--no-rebuild]]

A page is timed for the country, its most populous state and its least populous district.

Not collected by pytest.
"""

from __future__ import annotations

from collections import Counter
import datetime as dt
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.reporting_country import (arguments, bench_app, hook_cost,  # noqa: E402
                                                machine, scratch_database, seed_country, timed)

BIG_TABLES = {"beneficiary", "dose_record", "vaccination_session", "appointment",
              "report_dose_counter", "report_dose_day_total"}


def full_scans(plan: dict, empty: set[str]) -> list[str]:
    """Large tables read in full (an empty table, such as appointments the seeder does not
    make, is read however the planner likes)."""
    whole = plan.get("Node Type") == "Seq Scan" or (
        plan.get("Node Type") in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan)
    name = plan.get("Relation Name")
    found = [name] if whole and name in BIG_TABLES - empty else []
    for child in plan.get("Plans", ()):
        found += full_scans(child, empty)
    return found


def scans(plan: dict) -> list[str]:
    """"Index Scan using ix_... on beneficiary" for every scan node of a plan, and its sorts."""
    here = []
    if "Relation Name" in plan:
        here.append(f"{plan['Node Type']}"
                    + (f" using {plan['Index Name']}" if "Index Name" in plan else "")
                    + f" on {plan['Relation Name']}")
    elif plan.get("Node Type") in ("Sort", "Incremental Sort"):
        here.append(plan["Node Type"])
    for child in plan.get("Plans", ()):
        here += scans(child)
    return here


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an already seeded database (kept): skip the "
                        "seeding, migrate it to head, time rebuild-due again")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="with --database-url: its next doses are already filled")
    args = parser.parse_args()

    import sqlalchemy as sa

    from cowin_kit.core import migrate
    from cowin_kit.core.db import db

    with (nullcontext(args.database_url) if args.database_url
          else scratch_database(args.keep)) as url:
        app = bench_app(url, args.profile)
        out = []
        with app.app_context():
            from cowin_kit.areas.models import Area
            from cowin_kit.profiles import get_profile
            from cowin_kit.registration import next_due
            from cowin_kit.registration.models import Beneficiary
            from cowin_kit.reporting.bands import age_bands
            from cowin_kit.reporting.labels import local_today
            from cowin_kit.reporting.catalog import all_reports
            from cowin_kit.reporting.reports import Params
            from cowin_kit.reporting.rollup import rebuild_counters
            from cowin_kit.reporting.staff_views import PAGE_ROWS
            from cowin_kit.vaccination.models import DoseRecord
            from tests.factories import make_staff, sign_in

            profile = get_profile()
            seed_s = 0.0
            if args.database_url:
                started = time.perf_counter()
                migrate.upgrade("head")  # e.g. a new index since the database was seeded
                print(f"migrated to head in {time.perf_counter() - started:.1f}s", flush=True)
            else:
                _made, seed_s = seed_country(args)
                rebuild_counters(age_bands(profile))
                db.session.commit()
            from cowin_kit.booking.models import Facility, VaccinationSession

            made = {"beneficiaries": db.session.scalar(sa.select(sa.func.count(Beneficiary.id))),
                    "facilities": db.session.scalar(sa.select(sa.func.count(Facility.id))),
                    "sessions": db.session.scalar(sa.select(sa.func.count(
                        VaccinationSession.id))),
                    "doses": db.session.scalar(sa.select(sa.func.count(DoseRecord.id)))}
            started = time.perf_counter()
            changed = (None if args.no_rebuild
                       else next_due.rebuild(db.session, profile, batch=10_000))
            rebuild_s = time.perf_counter() - started
            print(f"rebuild-due {rebuild_s:.0f}s", flush=True)
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")  # visibility map: index-only scans
            due_counts = dict(db.session.execute(
                sa.select(Beneficiary.next_due_booster, sa.func.count())
                .where(Beneficiary.next_due_from <= local_today())
                .group_by(Beneficiary.next_due_booster)).all())
            states, districts = Counter(), Counter()  # where most, and fewest, people live
            paths = dict(db.session.execute(sa.select(Area.id, Area.path)).all())
            for area_id, n in db.session.execute(sa.select(Beneficiary.area_id, sa.func.count())
                                                 .group_by(Beneficiary.area_id)):
                if area_id is not None:
                    ids = paths[area_id].strip("/").split("/")
                    states[int(ids[0])] += n
                    if len(ids) > 1:
                        districts[int(ids[1])] += n
            state = db.session.get(Area, states.most_common(1)[0][0]).code
            district = db.session.get(Area, districts.most_common()[-1][0]).code
            admin = make_staff(db, "national_admin", f"bench-admin-{time.time_ns()}")
            db.session.commit()
            client = app.test_client()
            sign_in(client, admin)
            db.session.remove()

            def get(path, stream=False):
                def call():
                    response = client.get(path, buffered=not stream)
                    assert response.status_code == 200, (path, response.status_code)
                    size = sum(len(chunk) for chunk in response.response) if stream else 0
                    response.close()
                    return size
                return call

            pages = {}
            for kind in ("booster_due", "dose2_due"):
                for where in ("", f"?area={state}", f"?area={district}"):
                    pages[f"/staff/reports/{kind}{where}"] = timed(get(
                        f"/staff/reports/{kind}{where}"), args.requests)
            csv_path = "/staff/reports/dose2_due.csv"
            started = time.perf_counter()
            csv_bytes = get(csv_path, stream=True)()
            csv_s = time.perf_counter() - started
            csv_rows = due_counts.get(False, 0)

            # Every report query, planned on the full dataset with the planner left alone.
            statements = []

            def capture(conn, cursor, statement, parameters, context, executemany):
                if statement.lstrip().upper().startswith("SELECT"):
                    statements.append((statement, parameters))

            today = local_today()
            state_area = db.session.scalar(sa.select(Area).where(Area.code == state))
            plans = {}
            problems = []
            empty = set(db.session.scalars(sa.text(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < 1000")))
            for kind, report in all_reports().items():
                for area in (None, state_area):
                    statements.clear()
                    sa.event.listen(db.engine, "before_cursor_execute", capture)
                    try:
                        params = Params(area=area, date_from=today - dt.timedelta(days=29),
                                        date_to=today, today=today, limit=PAGE_ROWS + 1)
                        rows = report.rows(params, lambda n: None)  # as the page reads them
                        for _ in zip(range(PAGE_ROWS + 1), rows):
                            pass
                        rows.close()
                    finally:
                        sa.event.remove(db.engine, "before_cursor_execute", capture)
                    with db.engine.connect() as conn:
                        for statement, parameters in statements:
                            plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                                        parameters).scalar()
                            plan = (plan if isinstance(plan, list) else json.loads(plan))[0]
                            bad = full_scans(plan["Plan"], empty)
                            label = f"{kind} ({'national' if area is None else state})"
                            plans.setdefault(label, []).append(", ".join(scans(plan["Plan"])))
                            if bad:
                                problems.append(f"{label}: full scan of {bad}: {statement[:200]}")
                    db.session.remove()

            # Cost of the next-due hook when recording doses (one dose per transaction).
            with_hook, without_hook = hook_cost(next_due)
            next_due.rebuild(db.session, profile, batch=10_000)  # undo the bench doses' answers

        out += [
            *machine(args, made),
            f"seed {seed_s:.0f}s; reports rebuild-due: "
            + ("not run" if changed is None
               else f"{rebuild_s:.1f}s, {changed:,} people given a next dose")
            + f"; due today: {due_counts.get(False, 0):,} primary, "
            f"{due_counts.get(True, 0):,} boosters",
        ]
        for path, (median, worst) in pages.items():
            out.append(f"GET {path:<42} first page {median * 1000:7.1f} ms "
                       f"(max {worst * 1000:.1f})")
        out.append(f"GET {csv_path} (national, streamed to the end): {csv_s:.1f}s, "
                   f"{csv_bytes / 1e6:.1f} MB, {csv_rows / csv_s:,.0f} rows/s")
        out.append(f"record one dose (own transaction): with next-due hook "
                   f"{with_hook * 1000:.2f} ms, without {without_hook * 1000:.2f} ms")
        out.append("plans (planner left alone):")
        for label, lines in plans.items():
            out.append(f"  {label}: " + " | ".join(dict.fromkeys(lines)))
        print("\n".join(out))
        if problems:
            print("\n".join(["FULL SCANS:", *problems]))
            raise SystemExit(1)


if __name__ == "__main__":
    main()
