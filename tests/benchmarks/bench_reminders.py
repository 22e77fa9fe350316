"""Benchmark: `reminders send` over a national population (1M people by default).

Creates a scratch PostgreSQL database, migrates it, and generates the people in SQL
(``INSERT … SELECT generate_series``: citizen accounts, 2.5 people per account, and each
person's stored next dose as the schedule engine leaves it). ``--due-share`` of them fall in a
run's window (60% due within the next days or the catch-up days, 40% just overdue); of the rest
about 70% are due later, 15% long overdue and 15% have no next dose. Then ANALYZE and:

- EXPLAIN (ANALYZE) of the first and a later keyset page of each scan, failing on a sequential
  scan of beneficiary or a walk of an index without a condition;
- times a dry run, the real run (claims + texts queued with the outbox backend, which records
  each text) and a second run the same day (nothing new), with people/s.

    .venv/bin/python tests/benchmarks/bench_reminders.py [--beneficiaries 1000000]
        [--due-share 0.05] [--batch 2000] [--keep]

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_due import full_scans, scans  # noqa: E402
from tests.benchmarks.reporting_country import bench_app, scratch_database  # noqa: E402

#: 11:30 in India: outside the default quiet hours.
NOW = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.timezone.utc)

PEOPLE_SQL = """
INSERT INTO beneficiary (id, reference_id, account_id, name, birth_year, gender, id_doc_type,
    id_hash, id_masked, groups, comorbidity, locale, created_at, next_dose_number,
    next_due_booster, next_due_from, next_due_until, next_due_product)
SELECT g, lpad(g::text, 14, '0'), (g - 1) / 5 * 2 + 1 + (g % 2), 'Person ' || g,
       1950 + g % 60, 'F', 'aadhaar', md5(g::text) || md5((g + 7)::text), 'XXXX XXXX 0000',
       '[]', false, CASE WHEN g % 5 = 0 THEN 'hi_IN' END, now(), 2, g % 4 = 0,
       d.due_from, d.due_from + 28, 'covishield'
FROM generate_series(1, :n) AS g,
LATERAL (SELECT ((g::bigint * 2654435761) % 1000003) / 1000003.0 AS u) AS r,
LATERAL (SELECT CASE
    WHEN r.u < :share * 0.6 THEN CAST(:today AS date) - 7 + (g % 11)
    WHEN r.u < :share THEN CAST(:today AS date) - 29 - (g % 7)
    WHEN r.u < :share + (1 - :share) * 0.7 THEN CAST(:today AS date) + 4 + (g % 400)
    WHEN r.u < :share + (1 - :share) * 0.85 THEN CAST(:today AS date) - 36 - (g % 300)
    END AS due_from) AS d
"""

#: Open routine doses (routine_due, one row per antigen): every tenth person a child with three
#: antigens of one visit, overdue from a day spread like the due dates above (the overdue
#: routine reminders' window and its repeat 28 days back hold about the due share).
ROUTINE_SQL = """
INSERT INTO routine_due (beneficiary_id, programme, antigen, dose_number, dose_name, due_on,
    overdue_on, last_day, area_id)
SELECT g, 'uip_children', a.antigen, 1, a.antigen, d.overdue_on - 28, d.overdue_on, NULL, NULL
FROM generate_series(10, :n, 10) AS g,
LATERAL (SELECT ((g::bigint * 40503) % 1000003) / 1000003.0 AS u) AS r,
LATERAL (SELECT CASE
    WHEN r.u < :share THEN CAST(:today AS date) - (g % 8)
    WHEN r.u < :share * 2 THEN CAST(:today AS date) - 28 - (g % 8)
    ELSE CAST(:today AS date) - 40 - (g % 700) END AS overdue_on) AS d,
(VALUES ('opv'), ('diphtheria'), ('tetanus')) AS a(antigen)
"""

ACCOUNTS_SQL = """
INSERT INTO citizen_account (id, mobile, locale, created_at)
SELECT a, '+9170' || lpad(a::text, 8, '0'), CASE WHEN a % 7 = 0 THEN 'hi_IN' END, now()
FROM generate_series(1, :n) AS a
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=1_000_000)
    parser.add_argument("--due-share", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--profile", default="in")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    import sqlalchemy as sa

    from cowin_kit.core import migrate
    from cowin_kit.core.db import db

    with scratch_database(args.keep) as url:
        app = bench_app(url, args.profile)
        app.config.update(SMS_BACKEND="outbox", REMINDER_BATCH=args.batch,
                          PUBLIC_URL="https://cowin.example.org")
        with app.app_context():
            from cowin_kit.reminders import operations, selection

            migrate.upgrade("head")
            today = selection.local_now("Asia/Kolkata", NOW).date()
            n = args.beneficiaries
            started = time.perf_counter()
            db.session.execute(sa.text(ACCOUNTS_SQL), {"n": (n + 4) // 5 * 2 + 2})
            db.session.execute(sa.text(PEOPLE_SQL), {"n": n, "share": args.due_share,
                                                     "today": today})
            db.session.execute(sa.text(ROUTINE_SQL), {"n": n, "share": args.due_share,
                                                      "today": today})
            db.session.commit()
            generated_s = time.perf_counter() - started
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"generated {n:,} people in {generated_s:.0f}s", flush=True)
            settings = selection.Settings.from_config(app.config)
            in_window = db.session.scalar(sa.text(
                "SELECT count(*) FROM beneficiary WHERE (next_due_from BETWEEN :a AND :b "
                "AND next_due_until >= :t) OR (next_due_until BETWEEN :a AND :y)"),
                {"a": today - dt.timedelta(days=settings.catch_up_days),
                 "b": today + dt.timedelta(days=settings.days_ahead), "t": today,
                 "y": today - dt.timedelta(days=1)})

            # Plans: the first page and a later one of each scan, on the real data.
            problems, plans = [], {}
            for stage, booster in selection.scans(settings):
                first, after = selection.page(stage, booster, today, settings, None)
                for label, key in (("first", None), ("later", after)):
                    if label == "later" and key is None:
                        continue
                    statements = []

                    def capture(conn, cursor, statement, parameters, context, executemany):
                        statements.append((statement, parameters))

                    sa.event.listen(db.engine, "before_cursor_execute", capture)
                    try:
                        selection.page(stage, booster, today, settings, key)
                    finally:
                        sa.event.remove(db.engine, "before_cursor_execute", capture)
                    for i, (statement, parameters) in enumerate(statements):
                        with db.engine.connect() as conn:
                            plan = conn.exec_driver_sql(
                                f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}",
                                parameters).scalar()
                        plan = (plan if isinstance(plan, list) else json.loads(plan))[0]
                        kind = (f"{stage} #{booster + 1}" if stage == "routine_overdue" else
                                f"{stage}{'' if booster is None else ' booster' if booster else ' primary'}")
                        name = f"{kind} ({label} page, {'people' if i == 0 else 'accounts'})"
                        plans[name] = (", ".join(scans(plan["Plan"])),
                                       plan.get("Execution Time", 0.0))
                        if full_scans(plan["Plan"], set()):
                            problems.append(f"{name}: {full_scans(plan['Plan'], set())}")
                db.session.rollback()

            def run(**kw):
                begun = time.perf_counter()
                result = operations.send(now=NOW, **kw)
                return result, time.perf_counter() - begun

            dry, dry_s = run(dry_run=True)
            real, real_s = run()
            again, again_s = run()
            texts = db.session.scalar(sa.text("SELECT count(*) FROM sms_message"))

        out = [
            f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: "
            f"{platform.machine()}, {os.cpu_count()} CPUs (shared), load average "
            f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}, PostgreSQL (local)",
            f"data: {n:,} people in {(n + 4) // 5 * 2 + 2:,} accounts, {in_window:,} in the "
            f"run's window (due share {args.due_share}); generated in {generated_s:.0f}s; "
            f"pages of {args.batch}",
            f"dry run: {dry.considered:,} people considered in {dry_s:.1f}s "
            f"({dry.considered / max(dry_s, 1e-9):,.0f} people/s)",
            f"run: {real.reminded:,} reminded in {real.texts:,} texts queued ({texts:,} recorded), "
            f"{real.capped:,} over the cap, in {real_s:.1f}s "
            f"({real.considered / max(real_s, 1e-9):,.0f} people/s)",
            f"second run the same day: {again.texts} texts, {again.already:,} already reminded, "
            f"in {again_s:.1f}s",
            "plans (EXPLAIN ANALYZE):",
            *(f"  {k}: {v[0]} — {v[1]:.1f} ms" for k, v in plans.items()),
        ]
        print("\n".join(out))
        if problems:
            print("FULL SCANS:\n  " + "\n  ".join(problems))
            sys.exit(1)


if __name__ == "__main__":
    main()
