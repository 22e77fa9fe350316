"""The audit log is append-only in PostgreSQL itself: triggers refuse UPDATE, DELETE and
TRUNCATE even to the owner, and the app role made by `cowin-kit db grant-app-role` may only read
and append to it (while it keeps full DML on the other tables)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from cowin_kit.core.audit import audit_now
from tests.dbutil import clear_tables, create_database, drop_database

pytestmark = pytest.mark.postgres

REWRITES = {
    "UPDATE": "UPDATE audit_log SET outcome = 'ok'",
    "DELETE": "DELETE FROM audit_log",
    "TRUNCATE": "TRUNCATE audit_log",
}


def _count(connection) -> int:
    return connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()


@pytest.fixture
def entry(app):
    audit_now("appointment.verify", "appointment", 1, outcome="denied")
    return app


def _drop_role(db, role: str) -> None:
    with db.engine.begin() as connection:
        if connection.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                              {"r": role}).first():
            connection.execute(sa.text(f'DROP OWNED BY "{role}"'))
            connection.execute(sa.text(f'DROP ROLE "{role}"'))


@pytest.fixture
def app_role(app, db, monkeypatch):
    """A fresh login role granted by the CLI, and an engine connected as it."""
    from cowin_kit.cli import cli

    role = f"cowinkit_app_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_INSTANCE_DIR", app.instance_path)
    result = CliRunner().invoke(cli, ["db", "grant-app-role", role])
    assert result.exit_code == 0, result.output
    assert f"created role {role}" in result.output
    url = make_url(app.config["DATABASE_URL"]).set(username=role, password=None)
    engine = sa.create_engine(url)
    yield role, engine
    engine.dispose()
    _drop_role(db, role)


@pytest.mark.parametrize("statement", REWRITES.values(), ids=REWRITES.keys())
def test_even_the_owner_cannot_rewrite_the_audit_log(entry, db, statement):
    with db.engine.connect() as connection:
        with pytest.raises(sa.exc.ProgrammingError, match="audit_log is append-only"):
            connection.execute(sa.text(statement))
        connection.rollback()
        assert _count(connection) == 1
        connection.execute(sa.text("INSERT INTO audit_log (at, actor_type, action, outcome, "
                                   "details) VALUES (now(), 'system', 'test', 'ok', '{}')"))
        connection.commit()
        assert _count(connection) == 2


@pytest.mark.parametrize("verb", REWRITES.keys())
def test_the_app_role_may_only_read_and_append(entry, app_role, verb):
    _, engine = app_role
    with engine.connect() as connection:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied for table audit_log"):
            connection.execute(sa.text(REWRITES[verb]))
        connection.rollback()
        connection.execute(sa.text("INSERT INTO audit_log (at, actor_type, action, outcome, "
                                   "details) VALUES (now(), 'system', 'test', 'ok', '{}')"))
        connection.commit()
        assert _count(connection) == 2


def test_the_app_role_keeps_full_dml_elsewhere_and_cannot_migrate(app_role):
    _, engine = app_role
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO area (code, level, level_key, name, names, path) "
                                   "VALUES ('ZZ9', 1, 'state', 'Test', '{}', '/ZZ9/')"))
        connection.execute(sa.text("UPDATE area SET name = 'Changed' WHERE code = 'ZZ9'"))
        connection.execute(sa.text("DELETE FROM area WHERE code = 'ZZ9'"))
    with engine.connect() as connection:
        for statement in ("UPDATE alembic_version SET version_num = 'x'",
                          "ALTER TABLE audit_log DISABLE TRIGGER USER",
                          "DROP TRIGGER audit_log_no_truncate ON audit_log"):
            with pytest.raises(sa.exc.ProgrammingError):
                connection.execute(sa.text(statement))
            connection.rollback()


def test_production_check_accepts_the_app_role_and_refuses_the_owner(app, db, app_role):
    from cowin_kit.core.dbroles import audit_log_problems

    _, engine = app_role
    with engine.connect() as connection:
        assert audit_log_problems(connection) == []
    with db.engine.connect() as connection:
        problems = audit_log_problems(connection)
    assert len(problems) == 1 and "superuser" in problems[0]


def test_grant_refuses_the_owner_itself(app, monkeypatch):
    from cowin_kit.cli import cli

    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_INSTANCE_DIR", app.instance_path)
    owner = make_url(app.config["DATABASE_URL"]).username
    result = CliRunner().invoke(cli, ["db", "grant-app-role", owner])
    assert result.exit_code == 1
    assert "the app role must be another role" in result.output


def test_clear_tables_empties_the_audit_log_between_tests(entry, db):
    """The suite's own cleanup (a superuser, replica mode) still empties the table."""
    clear_tables(db.engine, db.metadata)
    with db.engine.connect() as connection:
        assert _count(connection) == 0
        # The bypass ended with the cleanup's transaction: the triggers guard again.
        with pytest.raises(sa.exc.ProgrammingError, match="append-only"):
            connection.execute(sa.text(REWRITES["DELETE"]))


def test_downgrade_removes_the_triggers(make_app, tmp_path):
    url = create_database(tmp_path)
    try:
        app = make_app(DATABASE_URL=url)
        from cowin_kit.core import migrate
        from cowin_kit.core.db import db

        triggers = sa.text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                           "AND NOT tgisinternal ORDER BY tgname")
        with app.app_context():
            migrate.upgrade("0003")
            with db.engine.connect() as connection:
                assert connection.execute(triggers).scalars().all() == [
                    "audit_log_no_truncate", "audit_log_no_update_delete"]
            migrate.downgrade("0002")
            with db.engine.begin() as connection:
                assert connection.execute(triggers).scalars().all() == []
                connection.execute(sa.text("TRUNCATE audit_log"))
            db.engine.dispose()
    finally:
        drop_database(url)


def test_db_upgrade_grants_the_app_role_it_is_given(app, db, monkeypatch):
    """What compose and the chart's migration Job run: upgrade, then grant, in one command."""
    from cowin_kit.cli import cli
    from cowin_kit.core.dbroles import audit_log_problems

    role = f"cowinkit_app_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_INSTANCE_DIR", app.instance_path)
    try:
        result = CliRunner().invoke(cli, ["db", "upgrade", "--app-role", role])
        assert result.exit_code == 0, result.output
        assert "Database schema is up to date." in result.output
        engine = sa.create_engine(make_url(app.config["DATABASE_URL"]).set(username=role))
        with engine.connect() as connection:
            assert audit_log_problems(connection) == []
            assert connection.execute(sa.text("SELECT count(*) FROM beneficiary")).scalar() == 0
        engine.dispose()
    finally:
        _drop_role(db, role)
