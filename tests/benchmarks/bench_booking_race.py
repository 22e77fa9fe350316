"""Benchmark: 2,000 concurrent booking attempts for 500 doses of one session, over HTTP.

Scratch PostgreSQL database, gunicorn (gthread, the shipped config's two workers per CPU and
eight threads each; Redis for the full-session flags),
one connection per attempt from an asyncio client (``loadgen``: every connection opened
first, then every request written at once). Checks exactly 500 appointments and booked == 500,
no 5xx; reports bookings per second against ``pgbench``'s single-row UPDATE rate on the same
server just before and just after (a scratch database created and dropped here).

    .venv/bin/python tests/benchmarks/bench_booking_race.py [--attempts 2000] [--doses 500]
        [--redis redis://127.0.0.1:6379/5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import make_url

from bench_availability import (SERVER, bench_app, gunicorn, machine, migrate, scratch_database,
                                seed_district)


def seed_people(app, count: int) -> list[tuple[str, str]]:
    """Accounts with one beneficiary each; return (token, reference id) pairs."""
    import sqlalchemy as sa

    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token
    from cowin_kit.core.db import db
    from cowin_kit.registration.models import Beneficiary

    with app.app_context():
        year = dt.date.today().year - 30
        db.session.execute(sa.insert(CitizenAccount), [
            {"mobile": f"+9170000{i:05d}"} for i in range(count)])
        accounts = db.session.execute(sa.select(CitizenAccount).order_by(CitizenAccount.id)
                                      ).scalars().all()
        db.session.execute(sa.insert(Beneficiary), [
            {"reference_id": f"{90000000000000 + i}", "account_id": a.id, "name": f"Person {i}",
             "birth_year": year, "gender": "F", "id_doc_type": "bench", "id_hash": f"{i:064x}",
             "id_masked": "XXXX", "groups": []} for i, a in enumerate(accounts)])
        db.session.commit()
        people = [(issue_token(a), f"{90000000000000 + i}") for i, a in enumerate(accounts)]
        db.engine.dispose()
        return people


def race(port: int, session_id: str, slot: str, people, keys: bool = True) -> tuple[Counter, list]:
    """Every attempt on its own connection, all connections opened first, then every request
    written at once (``loadgen.run_race``: asyncio, one thread)."""
    from loadgen import run_race

    requests = []
    for token, reference_id in people:
        body = json.dumps({"reference_id": reference_id, "session_id": session_id,
                           "slot": slot}).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if keys:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        requests.append(("POST", "/api/kit/v1/appointments", headers, body))
    done_at = run_race("127.0.0.1", port, requests)
    return Counter(status for status, _ in done_at), done_at


def refusal_cpu(url: str, instance: str, redis_env: dict, session_id: str, slot: str,
                people, rounds: int = 3) -> tuple[float, float]:
    """CPU per refusal of the (full, flagged) session in this process, through the whole WSGI
    stack (``create_app``'s ``wsgi_app``): median ms of ``rounds`` passes over ``people``
    before the app (``booking.refusals``) and through it (the same layer told to let every
    attempt by). The request log line is off for both (the same cost in each)."""
    import io
    import logging
    import statistics
    import time

    from werkzeug.test import EnvironBuilder

    from cowin_kit.booking.refusals import FullSessionRefusals

    app = bench_app(url, instance, REDIS_URL=redis_env["COWIN_KIT_REDIS_URL"],
                    CACHE_PREFIX=redis_env["COWIN_KIT_CACHE_PREFIX"])
    layer = app.wsgi_app
    while not isinstance(layer, FullSessionRefusals):
        layer = layer.wsgi_app
    logging.getLogger("cowin_kit.request").setLevel(logging.WARNING)

    def environs():
        made = []
        for token, reference_id in people:
            body = json.dumps({"reference_id": reference_id, "session_id": session_id,
                               "slot": slot}).encode()
            environ = EnvironBuilder(path="/api/kit/v1/appointments", method="POST", data=body,
                                     content_type="application/json", headers={
                                         "Authorization": f"Bearer {token}"}).get_environ()
            environ["wsgi.input"] = io.BytesIO(body)
            made.append(environ)
        return made

    def one_pass() -> float:
        statuses = []
        ready = environs()
        started = time.process_time()
        for environ in ready:
            body = app.wsgi_app(environ, lambda status, headers, exc=None: statuses.append(
                status))
            b"".join(body)
            getattr(body, "close", lambda: None)()
        spent = time.process_time() - started
        assert all(s.startswith("409") for s in statuses), Counter(statuses)
        return 1000 * spent / len(ready)

    one_pass()  # warm: the first refusal of each process goes through the app
    fast = statistics.median(one_pass() for _ in range(rounds))
    layer._plain = lambda environ: None  # every attempt through the app
    slow = statistics.median(one_pass() for _ in range(rounds))
    return fast, slow


def pgbench_update_rate(seconds: int, clients: int) -> float | None:
    """TPS of `UPDATE counter SET n = n + 1 WHERE id = 1` on a scratch database."""
    if not shutil.which("pgbench"):
        return None
    import sqlalchemy as sa

    url = make_url(SERVER)
    name = f"cowinkit_pgbench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    env = {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "postgres"}
    if url.password:
        env["PGPASSWORD"] = url.password
    try:
        subprocess.run(["pgbench", "-i", "-q", name], env=env, check=True, capture_output=True)
        subprocess.run(["psql", "-q", "-d", name, "-c",
                        "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);"
                        "INSERT INTO counter VALUES (1, 0);"], env=env, check=True,
                       capture_output=True)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write("UPDATE counter SET n = n + 1 WHERE id = 1;\n")
        out = subprocess.run(["pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", "2",
                              "-T", str(seconds), name], env=env, check=True,
                             capture_output=True, text=True).stdout
        os.unlink(script.name)
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--doses", type=int, default=500)
    # The shipped deploy/gunicorn.conf.py: two workers per CPU, eight threads each.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn workers (default: two per CPU, as deploy/gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=8,
                        help="gunicorn threads per worker (default 8, as deploy/gunicorn.conf.py)")
    parser.add_argument("--redis", default=os.environ.get("COWIN_KIT_BENCH_REDIS_URL",
                                                          "redis://127.0.0.1:6379/5"),
                        help="the kit's Redis (empty: none, no full-session flags)")
    parser.add_argument("--no-keys", action="store_true",
                        help="attempts without Idempotency-Key (as CoWIN's clients send them)")
    parser.add_argument("--refusals", type=int, default=500,
                        help="refusals timed in this process after the race (0: none)")
    args = parser.parse_args()
    import sqlalchemy as sa

    pg_before = pgbench_update_rate(10, 8)
    with scratch_database() as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance)
        migrate(app)
        seeded = seed_district(app, facilities=1, days=2, capacities={"1": args.doses})
        people = seed_people(app, args.attempts)
        from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession
        from cowin_kit.core.db import db

        with app.app_context():
            session = db.session.execute(sa.select(VaccinationSession).where(
                VaccinationSession.date == seeded["today"] + dt.timedelta(days=1))).scalar_one()
            session_id, slot = str(session.id), session.slots[0]
            db.engine.dispose()
        env = {"COWIN_KIT_DB_POOL_SIZE": str(args.threads), "COWIN_KIT_DB_MAX_OVERFLOW": "0"}
        if args.redis:
            env.update({"COWIN_KIT_REDIS_URL": args.redis,
                        "COWIN_KIT_CACHE_PREFIX": f"cowin-kit-bench:{uuid.uuid4().hex}:"})
        with gunicorn(url, instance, workers=args.workers, threads=args.threads,
                      extra_env=env) as port:
            statuses, done_at = race(port, session_id, slot, people, keys=not args.no_keys)
        refusals = refusal_cpu(url, instance, env, session_id, slot,
                               people[-args.refusals:]) if args.redis and args.refusals else None
        with app.app_context():
            booked = db.session.scalar(sa.select(SessionCapacity.booked).where(
                SessionCapacity.session_id == session.id))
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
                Appointment.status == "booked"))
            db.engine.dispose()
    pg_after = pgbench_update_rate(10, 8)
    elapsed = max(t for _, t in done_at)
    last_booking = max((t for s, t in done_at if s == 201), default=elapsed)
    print(f"machine: {machine()}; date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(f"gunicorn {args.workers} gthread workers x {args.threads} threads, Redis "
          f"{'on' if args.redis else 'off'}, Idempotency-Key {'no' if args.no_keys else 'yes'}; "
          f"{args.attempts} attempts for {args.doses} doses: "
          f"statuses {dict(statuses)}")
    print(f"appointments {rows}, capacity booked {booked}, 5xx or no answer "
          f"{sum(n for s, n in statuses.items() if s >= 500 or s == 0)}")
    print(f"all attempts answered in {elapsed:.2f}s ({args.attempts / elapsed:.0f} attempts/s); "
          f"the {rows} bookings within {last_booking:.2f}s ({rows / last_booking:.0f} bookings/s)")
    if pg_before and pg_after:
        print(f"pgbench single-row UPDATE (8 clients, 10s) before/after: {pg_before:.0f} / "
              f"{pg_after:.0f} tps; bookings/s / pgbench tps: "
              f"{rows / last_booking / pg_before:.3f} / {rows / last_booking / pg_after:.3f}")
    if refusals:
        print(f"CPU per refusal of the full session in one process, median of 3 passes over "
              f"{args.refusals}: before the app {refusals[0]:.3f} ms, through the app "
              f"{refusals[1]:.3f} ms")
    ok = rows == args.doses == booked and not any(s >= 500 or s == 0 for s in statuses)
    print("RESULT:", "OK" if ok else "FAILED")


if __name__ == "__main__":
    main()
