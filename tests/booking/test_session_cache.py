"""A booking reads no session row while the session's generation holds (booking.session_cache),
and never books with a copy an edit has made stale: the session cancelled or edited, its centre
deactivated (with the test Redis; without it every booking reads the session)."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from cowin_kit.booking.models import Appointment, VaccinationSession
from tests.booking.test_concurrency import booked_state, race
from tests.booking.test_full_sessions import _book, statements, world_staff  # noqa: F401

SESSION_TABLES = ("vaccination_session", "facility", "session_capacity")


def test_a_booking_with_the_session_cached_reads_no_session_row(flagging_app, db, make_session,
                                                                make_beneficiary):
    session = make_session(capacities={"1": 5, "2": 5})
    first, second = make_beneficiary(), make_beneficiary()
    with flagging_app.app_context():
        assert isinstance(_book(first, session), Appointment)  # reads the session, keeps it
        with statements(db) as seen:
            made = _book(second, session)
        assert isinstance(made, Appointment)
        touching = [s for s in seen if any(t in s for t in SESSION_TABLES)]
        # The claim only (the pipelined UPDATE on PostgreSQL, the conditional one on SQLite).
        assert len(touching) == 1 and touching[0].lstrip().upper().startswith(
            "UPDATE SESSION_CAPACITY SET BOOKED")
    assert booked_state(db, session) == (2, 2)


def test_a_cancelled_session_is_refused_though_it_was_cached(flagging_app, db, world_staff,
                                                            make_session, make_beneficiary):
    from cowin_kit.booking.admin_operations import cancel_session

    session = make_session(capacities={"1": 5})
    first, second = make_beneficiary(), make_beneficiary()
    with flagging_app.app_context():
        assert isinstance(_book(first, session), Appointment)
        cancel_session(world_staff(session), db.session.get(VaccinationSession, session.id))
        assert _book(second, session) == "SESSION_CLOSED"


def test_a_closed_centre_is_refused_though_its_session_was_cached(
        flagging_app, db, world_staff, make_session, make_beneficiary):
    from cowin_kit.booking.facility_operations import set_facility_active
    from cowin_kit.booking.models import Facility

    session = make_session(capacities={"1": 5})
    first, second = make_beneficiary(), make_beneficiary()
    with flagging_app.app_context():
        assert isinstance(_book(first, session), Appointment)
        set_facility_active(world_staff(session), db.session.get(Facility, session.facility_id),
                            False)
        assert _book(second, session) == "SESSION_CLOSED"


def test_edited_slots_are_read_again(flagging_app, db, make_session, make_beneficiary):
    from cowin_kit.booking import operations
    from cowin_kit.core.errors import KitError

    session = make_session(capacities={"1": 5})
    first, second, third = (make_beneficiary() for _ in range(3))
    with flagging_app.app_context():
        assert isinstance(_book(first, session), Appointment)
        found = db.session.get(VaccinationSession, session.id)
        found.slots = ["10:00-10:30"]  # an ORM edit (flushed)
        db.session.commit()
        with pytest.raises(KitError) as refused:
            operations.book(second, session.id, session.slots[0])
        assert refused.value.code == "SLOT_NOT_OFFERED"
        assert operations.book(second, session.id, "10:00-10:30").slot == "10:00-10:30"
        table = VaccinationSession.__table__  # a statement naming the session by id
        db.session.execute(table.update().where(table.c.id == session.id)
                           .values(slots=["11:00-11:30"]))
        db.session.commit()
        assert operations.book(third, session.id, "11:00-11:30").slot == "11:00-11:30"


@pytest.mark.postgres
def test_threads_racing_with_the_session_cached_book_exactly_the_capacity(
        make_app, redis_url, db, make_session, make_beneficiary):
    session = make_session(capacities={"1": 20})
    people = [make_beneficiary(with_account=False).id for _ in range(61)]
    racer = make_app(DB_POOL_SIZE=40, DB_MAX_OVERFLOW=0, REDIS_URL=redis_url,
                     CACHE_PREFIX=f"cowin-kit-test:{uuid.uuid4().hex}:")
    warm, _ids = race(racer, session.id, session.slots[0], people[:1])
    assert warm == Counter({"booked": 1})
    outcomes, _ids = race(racer, session.id, session.slots[0], people[1:])
    assert outcomes == Counter({"booked": 19, "SESSION_FULL": 41}), outcomes
    assert booked_state(db, session) == (20, 20)
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))
    assert rows == 20
