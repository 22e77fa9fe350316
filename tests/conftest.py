"""Fixtures: ``app`` (context pushed), ``db``, ``client``, ``runner``; one migrated database per
test session, emptied after every test. PostgreSQL when COWIN_KIT_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.dbutil import clear_tables, create_database, drop_database, on_postgres

#: Shared fixtures living in their own modules (the local SMS provider).
pytest_plugins = ["tests.smsgateway"]


def pytest_sessionstart(session):
    """Compile the translation catalogs (build output, not in git) once per test run: in the
    pytest-xdist controller, which starts before its workers, or in the only process."""
    if hasattr(session.config, "workerinput"):
        return
    from cowin_kit.config import DEFAULTS
    from cowin_kit.core.i18n_tools import compile_catalogs

    compile_catalogs(Path(DEFAULTS["LOCALES_DIR"]), echo=lambda _line: None)


def pytest_report_header(config):
    return f"cowin-kit database: {'PostgreSQL' if on_postgres() else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="PostgreSQL test: set COWIN_KIT_TEST_DATABASE_URL "
                                   "(CI runs the suite a second time on PostgreSQL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = create_database(tmp_path_factory.mktemp("db"))
    from cowin_kit.app import create_app
    from cowin_kit.core import migrate

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"},
                     instance_path=str(tmp_path_factory.mktemp("instance")))
    with app.app_context():
        migrate.upgrade("head")
        from cowin_kit.core.db import db

        db.engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture
def make_app(database_url, tmp_path, request):
    """Build an app on the test database; keyword arguments override configuration."""
    from cowin_kit.app import create_app

    created = []

    def factory(**overrides):
        config = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "PROFILE": "in",
            "KEYS_DIR": str(tmp_path / "keys"),
            "PUBLIC_URL": "http://localhost",
            "SMS_BACKEND": "outbox",
            "REDIS_URL": "",
        }
        config.update(overrides)
        app = create_app(config, instance_path=str(tmp_path / "instance"))
        created.append(app)
        return app

    yield factory
    from cowin_kit.core.db import db

    cleared = False
    for app in created:
        with app.app_context():
            db.session.remove()
            if not cleared and app.config["DATABASE_URL"] == database_url:
                # A test that asks for the URL itself may have written from another process,
                # which this process cannot see: empty everything then.
                clear_tables(db.engine, db.metadata,
                             everything="database_url" in request.node._fixtureinfo.argnames)
                cleared = True
            db.engine.dispose()


@pytest.fixture
def redis_url():
    """The test Redis (COWIN_KIT_TEST_REDIS_URL); fails, saying so, when it does not answer.
    Keep your keys apart with a fresh CACHE_PREFIX: other runs may share the server."""
    import redis

    url = os.environ.get("COWIN_KIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not answering at {url}: start it (CI's .ci/run does)")
    return url


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def db(app):
    from cowin_kit.core.db import db as database

    return database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def cli_env(app, database_url):
    """The environment a `cowin-kit` command run by ``runner`` needs to use the test app's
    database and profile."""
    return {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
            "COWIN_KIT_PROFILE": app.config["PROFILE"],
            "COWIN_KIT_PROFILES_DIR": app.config["PROFILES_DIR"]}
