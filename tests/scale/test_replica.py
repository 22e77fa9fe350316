"""Public availability and dashboard reads come from the streaming replica; writes, reads after
a write in the same request and private tables stay on the primary."""

from __future__ import annotations

import contextlib
import time

import pytest
import sqlalchemy as sa

from tests.factories import make_staff
from tests.scale.conftest import caught_up, district_with_session


@pytest.fixture
def app(make_app, replica_url):
    app = make_app(DATABASE_REPLICA_URL=replica_url, PUBLIC_CACHE_SECONDS=0,
                   DASHBOARD_CACHE_SECONDS=0)
    with app.app_context():
        yield app


@contextlib.contextmanager
def replay_paused(db, replica_admin):
    """Hold the replica at the primary's present state while the block changes the primary."""
    caught_up(db.engine, replica_admin)
    with replica_admin.connect() as conn:
        conn.exec_driver_sql("SELECT pg_wal_replay_pause()")
        # A pause takes effect before the next record is replayed: wait until it has.
        deadline = time.monotonic() + 5
        while conn.exec_driver_sql("SELECT pg_get_wal_replay_pause_state()").scalar() != "paused" \
                and time.monotonic() < deadline:
            time.sleep(0.02)
    try:
        yield
    finally:
        with replica_admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_wal_replay_resume()")


@pytest.fixture
def district(db):
    district, _facility, session = district_with_session(db, "R", caps={"1": 10, "2": 10})
    db.session.commit()
    return district, session


def in_own_context(fn, *args):
    """Run ``fn`` in a thread: its requests get their own application context, as in a
    server (the test's pushed context would otherwise be shared, with its ``g``)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def _dose1(client, district, day) -> int:
    from cowin_kit.api.cowin_v2.areaids import external_id

    return in_own_context(_get_dose1, client, external_id(district), day)


def _get_dose1(client, district_id, day) -> int:
    response = client.get("/api/v2/appointment/sessions/public/calendarByDistrict"
                          f"?district_id={district_id}&date={day:%d-%m-%Y}")
    assert response.status_code == 200, response.get_data(as_text=True)
    centres = response.get_json()["centers"]
    return sum(s["available_capacity_dose1"] for c in centres for s in c["sessions"])


def test_public_availability_is_read_from_the_replica(app, db, district, replica_admin):
    from cowin_kit.booking.models import SessionCapacity

    area, session = district
    client = app.test_client()
    assert _dose1(client, area, session.date) == 10
    with replay_paused(db, replica_admin):
        db.session.execute(sa.update(SessionCapacity).where(
            SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == "1")
            .values(booked=3))
        db.session.commit()
        # The primary says 7 left; the public answer still comes from the paused replica.
        assert _dose1(client, area, session.date) == 10
    caught_up(db.engine, replica_admin)
    assert _dose1(client, area, session.date) == 7


def test_public_dashboard_is_read_from_the_replica(app, db, district, replica_admin):
    from cowin_kit.booking.models import Facility

    area, _session = district
    client = app.test_client()
    assert in_own_context(client.get, "/dashboard").status_code == 200
    with replay_paused(db, replica_admin):
        db.session.add(Facility(code="RF2", name="Centre RF2", area_id=area.id, fee_type="Free"))
        db.session.commit()
        with app.app_context(), app.test_request_context("/dashboard"):
            app.preprocess_request()  # the dashboard's endpoint asks for the replica
            assert db.session.scalar(sa.select(sa.func.count(Facility.id))) == 1
            db.session.remove()
        with app.app_context(), app.test_request_context("/staff/reports/"):
            app.preprocess_request()  # other endpoints do not
            assert db.session.scalar(sa.select(sa.func.count(Facility.id))) == 2
            db.session.remove()


def test_writes_reads_after_them_and_private_tables_use_the_primary(app, db, district,
                                                                     replica_admin):
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility
    from cowin_kit.core.db import use_replica

    area, _session = district
    with replay_paused(db, replica_admin):
        db.session.add(Facility(code="RF2", name="Centre RF2", area_id=area.id, fee_type="Free"))
        make_staff(db, "national_admin", "only-on-the-primary")
        db.session.commit()
        with app.app_context(), app.test_request_context("/"):  # one request
            use_replica()
            assert db.session.scalar(sa.select(sa.func.count(Facility.id))) == 1  # replica
            # Not a public table: staff accounts are always read from the primary.
            assert db.session.scalar(sa.select(sa.func.count(StaffUser.id))) == 1
            # A row locked for a change is read from the primary too.
            assert len(db.session.scalars(sa.select(Facility).with_for_update()).all()) == 2
            db.session.remove()
        with app.app_context(), app.test_request_context("/"):  # another request
            use_replica()
            assert db.session.scalar(sa.select(sa.func.count(Facility.id))) == 1  # replica
            db.session.add(Area(code="R-NEW", level=1, level_key="state", name="New", names={},
                                path="/"))
            db.session.flush()  # this request has written: read your own writes from now on
            assert db.session.scalar(sa.select(sa.func.count(Facility.id))) == 2
            assert db.session.scalar(sa.select(sa.func.count(Area.id)).where(
                Area.code == "R-NEW")) == 1
            db.session.remove()
    # Without a request asking for it (CLI, staff pages), everything is the primary.
    assert db.session.scalar(sa.select(sa.func.count(Facility.id))) == 2
