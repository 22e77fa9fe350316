"""Migrations while the country uses the kit (cowin_kit.core.migrate, docs/deploy.md
"Upgrades"), on PostgreSQL with real concurrent sessions: a migration gives up a lock it cannot
get quickly (and tries again) instead of making every reader queue behind it; two runs never
migrate at once; index builds do not stop writes.

Each test has its own database at 0008 and its own test-only migrations (in a temporary folder
added to the version locations), branching from 0008.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from cowin_kit.core import migrate
from tests.dbutil import create_database, drop_database

pytestmark = pytest.mark.postgres

#: A lock the test holds so that a test migration waits inside its run until the test lets go.
GATE = 4242

ADD_COLUMN = '''
import sqlalchemy as sa
from alembic import op
revision = "t001"
down_revision = "0008"
def upgrade():
    op.add_column("vaccination_session", sa.Column("probe", sa.Integer(), nullable=True))
def downgrade():
    op.drop_column("vaccination_session", "probe")
'''

GATED_CREATE = f'''
import sqlalchemy as sa
from alembic import op
revision = "t002"
down_revision = "0008"
def upgrade():
    op.execute("SELECT pg_advisory_xact_lock({GATE})")
    op.create_table("probe_once", sa.Column("id", sa.Integer(), primary_key=True))
def downgrade():
    op.drop_table("probe_once")
'''


@pytest.fixture
def scratch(tmp_path, make_app):
    """(app at migration 0008, alembic config that also knows the test migrations, echo log)."""
    url = create_database(tmp_path)
    app = make_app(DATABASE_URL=url, MIGRATION_RETRY_DELAY=0.05)
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "t001_add_column.py").write_text(ADD_COLUMN)
    (versions / "t002_gated_create.py").write_text(GATED_CREATE)

    def config():
        cfg = migrate.alembic_config()
        cfg.set_main_option("path_separator", "space")
        cfg.set_main_option("version_locations",
                            f"{migrate.MIGRATIONS_DIR / 'versions'} {versions}")
        return cfg

    with app.app_context():
        migrate.upgrade("0008")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    yield app, config, engine
    engine.dispose()
    with app.app_context():
        from cowin_kit.core.db import db

        db.engine.dispose()
    drop_database(url)


def wait_for(engine, sql: str, what: str, seconds: float = 60) -> None:
    """Poll PostgreSQL until ``sql`` returns a true value (a state another session reaches)."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(sa.text(sql)).scalar():
                return
            conn.rollback()
            time.sleep(0.02)
    pytest.fail(f"never saw {what}")


def run_in_thread(app, fn, *args, **kw):
    outcome: dict = {}

    def target():
        with app.app_context():
            try:
                fn(*args, **kw)
                outcome["ok"] = True
            except BaseException as exc:  # reported by the test
                outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


WAITING_FOR_TABLE = ("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                     "WHERE c.relname = 'vaccination_session' AND NOT l.granted "
                     "AND l.mode = 'AccessExclusiveLock'")


def test_migration_gives_up_a_busy_table_so_reads_go_on_then_retries(scratch):
    app, config, engine = scratch
    app.config.update(MIGRATION_LOCK_TIMEOUT=0.3, MIGRATION_LOCK_RETRIES=100)
    messages: list[str] = []
    with engine.connect() as reader:
        # A long report holding the table (ACCESS SHARE) until the test lets it go.
        reader.execute(sa.text("SELECT count(*) FROM vaccination_session"))
        thread, outcome = run_in_thread(app, migrate.upgrade, "t001", cfg=config(),
                                        echo=messages.append)
        wait_for(engine, WAITING_FOR_TABLE, "the ADD COLUMN waiting for its lock")
        # A citizen's read arriving now would queue behind the waiting ADD COLUMN for as long as
        # the report runs (here: for ever); the migration's lock_timeout lets it through.
        with engine.connect() as citizen:
            citizen.execute(sa.text("SET lock_timeout = '20s'"))
            assert citizen.execute(sa.text("SELECT count(*) FROM vaccination_session")).scalar() == 0
        deadline = time.monotonic() + 60
        while not any("gave up" in m for m in messages) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert thread.is_alive() and "error" not in outcome  # still trying
        reader.rollback()  # the report ends
    thread.join(120)
    assert outcome.get("ok"), outcome
    assert any("waited 0.3 s for a lock and gave up" in m and "trying again" in m
               for m in messages), messages
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("vaccination_session")}
        assert "probe" in columns
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "t001"


def test_migration_stops_with_a_clear_message_after_its_tries(scratch):
    app, config, engine = scratch
    app.config.update(MIGRATION_LOCK_TIMEOUT=0.2, MIGRATION_LOCK_RETRIES=1)
    messages: list[str] = []
    with engine.connect() as reader:
        reader.execute(sa.text("SELECT count(*) FROM vaccination_session"))
        with app.app_context(), pytest.raises(migrate.MigrationError) as stopped:
            migrate.upgrade("t001", cfg=config(), echo=messages.append)
        reader.rollback()
    message = str(stopped.value)
    assert "could not get its lock within 0.2 s, 2 times" in message
    assert "pg_stat_activity" in message and "COWIN_KIT_MIGRATION_LOCK_TIMEOUT" in message
    assert len(messages) == 1  # one retry announced
    with engine.connect() as conn:  # nothing half-done; the migration lock is free again
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0008"
        assert "probe" not in {c["name"] for c in
                               sa.inspect(conn).get_columns("vaccination_session")}
        assert conn.execute(sa.text("SELECT pg_try_advisory_lock(:id)"),
                            {"id": migrate.ADVISORY_LOCK_ID}).scalar()


def test_a_statement_running_too_long_is_stopped_with_what_to_raise(scratch):
    app, config, engine = scratch
    app.config.update(MIGRATION_STATEMENT_TIMEOUT=0.3, MIGRATION_LOCK_TIMEOUT=60)
    with engine.connect() as gate:
        gate.execute(sa.text("SELECT pg_advisory_lock(:g)"), {"g": GATE})
        gate.commit()
        # Waiting for a lock counts towards statement_timeout too: the gated migration is stopped.
        with app.app_context(), pytest.raises(migrate.MigrationError,
                                              match="COWIN_KIT_MIGRATION_STATEMENT_TIMEOUT"):
            migrate.upgrade("t002", cfg=config())


def test_two_upgrades_at_once_one_waits_for_the_other(scratch):
    app, config, engine = scratch
    app.config.update(MIGRATION_LOCK_TIMEOUT=60)
    first_log: list[str] = []
    second_log: list[str] = []
    with engine.connect() as gate:
        gate.execute(sa.text("SELECT pg_advisory_lock(:g)"), {"g": GATE})
        gate.commit()
        first, first_outcome = run_in_thread(app, migrate.upgrade, "t002", cfg=config(),
                                             echo=first_log.append)
        # The first run holds the migration lock and sits inside t002 (waiting at the gate).
        wait_for(engine, f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                         f"AND NOT granted AND objid = {GATE}", "the first run inside t002")
        second, second_outcome = run_in_thread(app, migrate.upgrade, "t002", cfg=config(),
                                               echo=second_log.append)
        deadline = time.monotonic() + 60
        while not second_log and time.monotonic() < deadline:
            time.sleep(0.02)
        assert second_log and second_log[0].startswith("Another migration is running")
        # A third run told not to wait exits at once, saying why.
        app.config["MIGRATION_WAIT_SECONDS"] = 0
        with app.app_context(), pytest.raises(migrate.MigrationError,
                                              match="another migration is running"):
            migrate.upgrade("t002", cfg=config())
        assert second.is_alive()
        gate.execute(sa.text("SELECT pg_advisory_unlock(:g)"), {"g": GATE})
        gate.commit()
    first.join(120)
    second.join(120)
    # Both succeed: the second found t002 done (creating probe_once twice would have failed).
    assert first_outcome.get("ok") and second_outcome.get("ok"), (first_outcome, second_outcome)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "t002"
        assert sa.inspect(conn).has_table("probe_once")


def test_index_builds_of_0008_let_writers_through(scratch):
    """0008 builds its index CONCURRENTLY: while the build waits for an open write transaction,
    other writers go on (a plain CREATE INDEX's SHARE lock would queue them all behind it)."""
    app, _config, engine = scratch
    app.config.update(MIGRATION_LOCK_TIMEOUT=60)
    with app.app_context():
        migrate.downgrade("0006")
    with engine.connect() as writer:
        writer.execute(sa.text("DELETE FROM vaccination_session WHERE false"))  # open write
        thread, outcome = run_in_thread(app, migrate.upgrade, "0008")
        wait_for(engine, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                         "AND query ILIKE 'CREATE INDEX CONCURRENTLY%'",
                 "CREATE INDEX CONCURRENTLY waiting for the open write")
        with engine.connect() as other:
            other.execute(sa.text("SET lock_timeout = '20s'"))
            other.execute(sa.text("DELETE FROM vaccination_session WHERE false"))
            other.commit()
        writer.commit()
    thread.join(120)
    assert outcome.get("ok"), outcome
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indexrelid WHERE c.relname LIKE 'ix_vaccination_session_date%'")).all())
        assert rows == {"ix_vaccination_session_date_facility_opened": True}
        definition = conn.execute(sa.text(
            "SELECT pg_get_indexdef('ix_vaccination_session_date_facility_opened'::regclass)"
        )).scalar()
        assert "INCLUDE (doses_opened)" in definition


def test_an_interrupted_concurrent_build_is_cleaned_up_on_the_next_run(scratch):
    app, _config, engine = scratch
    with app.app_context():
        migrate.downgrade("0006")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_vaccination_session_date_facility_opened"))
        # What a killed CREATE INDEX CONCURRENTLY leaves: the index, marked invalid.
        conn.execute(sa.text("CREATE INDEX ix_vaccination_session_date_facility_opened "
                             "ON vaccination_session (date)"))
        conn.execute(sa.text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                             "'ix_vaccination_session_date_facility_opened'::regclass"))
        conn.commit()
    with app.app_context():
        migrate.upgrade("0008")
    with engine.connect() as conn:
        valid, definition = conn.execute(sa.text(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indexrelid = 'ix_vaccination_session_date_facility_opened'::regclass")).one()
        assert valid and "(date, facility_id) INCLUDE (doses_opened)" in definition


def test_db_upgrade_says_another_run_holds_the_lock_in_one_line(scratch, tmp_path):
    """What the operator sees from `cowin-kit db upgrade` (a second migration Job told not to
    wait): exit 1, one line, no traceback."""
    from tests.test_cli import run_cli

    app, _config, engine = scratch
    with engine.connect() as other_run:
        other_run.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": migrate.ADVISORY_LOCK_ID})
        other_run.commit()
        result = run_cli("db", "upgrade", "0008", env={
            "COWIN_KIT_DATABASE_URL": app.config["DATABASE_URL"],
            "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "cli"), "COWIN_KIT_MIGRATION_WAIT_SECONDS": "0"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another migration is running (PostgreSQL backend" in lines[0]
