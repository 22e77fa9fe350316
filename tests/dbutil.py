"""Throwaway databases for tests: SQLite files, or fresh PostgreSQL databases on the server
named by COWIN_KIT_TEST_DATABASE_URL (so concurrent test runs never share one)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("COWIN_KIT_TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return SERVER_URL.startswith("postgresql")


def create_database(tmp_dir: Path) -> str:
    """Return the URL of a new, empty database."""
    if not on_postgres():
        return f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.sqlite3'}"
    name = f"cowinkit_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = make_url(url).database
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|COPY)\s+"?(\w+)', re.IGNORECASE)
#: Tables this test process wrote to since the last clear (only those need emptying).
written: set[str] = set()


@sa.event.listens_for(sa.Engine, "before_cursor_execute")
def _track_writes(conn, cursor, statement, parameters, context, executemany):
    match = _WRITE.match(statement)
    if match:
        written.add(match.group(1))


def clear_tables(engine: sa.Engine, metadata: sa.MetaData, everything: bool = False) -> None:
    """Empty the tables written since the last clear (or all), fast on both databases."""
    tables = [t for t in reversed(metadata.sorted_tables) if everything or t.name in written]
    written.clear()
    if not tables:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Skips ordinary triggers, such as the audit log's append-only ones (migration
            # 0003), for this transaction only; the tests connect as a superuser, who may.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def at_once(app, runs: int, work) -> list:
    """Run ``work()`` in ``runs`` threads released together (a barrier), each in its own app
    context and database session; return their results (two pods, a manual run during the
    CronJob's)."""
    import threading

    from cowin_kit.core.db import db

    barrier = threading.Barrier(runs)
    results, guard = [], threading.Lock()

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                result = work()
            finally:
                db.session.remove()
            with guard:
                results.append(result)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and len(results) == runs
    return results
