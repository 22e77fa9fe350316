"""Scale-out tests: a real streaming replica of the test PostgreSQL server and PgBouncer in
transaction mode in front of it. `.ci/checks/scale.sh` starts both (pg_basebackup -R, pg_ctl,
pgbouncer), runs these tests with COWIN_KIT_TEST_REPLICA_URL and COWIN_KIT_TEST_PGBOUNCER_URL,
and stops them; elsewhere they are skipped, saying so."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

REPLICA = os.environ.get("COWIN_KIT_TEST_REPLICA_URL", "")
PGBOUNCER = os.environ.get("COWIN_KIT_TEST_PGBOUNCER_URL", "")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    if REPLICA and PGBOUNCER:
        return
    skip = pytest.mark.skip(reason="scale-out test: run .ci/checks/scale.sh (starts a streaming "
                                   "replica and PgBouncer)")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


def same_database(server: str, database_url: str) -> str:
    """``database_url``'s database on another server (the replica, PgBouncer)."""
    server_url = make_url(server)
    return make_url(database_url).set(host=server_url.host, port=server_url.port).render_as_string(
        hide_password=False)


@pytest.fixture
def replica_url(database_url):
    return same_database(REPLICA, database_url)


@pytest.fixture
def pgbouncer_url(database_url):
    return same_database(PGBOUNCER, database_url)


def district_with_session(db, prefix: str, caps: dict):
    """A state, its district ``<prefix>-DI``, a facility there and an open session with
    ``caps``: (district, facility, session), flushed."""
    from cowin_kit.booking.models import Facility
    from tests.factories import make_area
    from tests.operations.conftest import make_session

    state = make_area(db, f"{prefix}-ST")
    district = make_area(db, f"{prefix}-DI", state, 2)
    facility = Facility(code=f"{prefix}F1", name=f"Centre {prefix}F1", area_id=district.id,
                        fee_type="Free")
    db.session.add(facility)
    db.session.flush()
    return district, facility, make_session(db, facility, caps=caps)


@pytest.fixture
def replica_admin(replica_url):
    engine = sa.create_engine(replica_url, isolation_level="AUTOCOMMIT")
    yield engine
    with engine.connect() as conn:  # never leave replay paused for the next test
        conn.exec_driver_sql("SELECT pg_wal_replay_resume()")
    engine.dispose()


def caught_up(primary: sa.Engine, replica: sa.Engine, timeout: float = 30) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with primary.connect() as conn:
        lsn = conn.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar()
    deadline = time.monotonic() + timeout
    with replica.connect() as conn:
        while not conn.exec_driver_sql("SELECT pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn",
                                       {"lsn": lsn}).scalar():
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)
