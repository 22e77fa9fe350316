"""Sessions known full are refused before any database work, and never wrongly: every change
that frees a dose voids the flag at its commit (booking.full_sessions, with the test Redis)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from cowin_kit.booking.models import Appointment, SessionCapacity


@contextmanager
def statements(db):
    """The SQL statements run meanwhile (by any engine: each app has its own)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def _book(person, session):
    from cowin_kit.booking import operations
    from cowin_kit.core.errors import KitError

    try:
        return operations.book(person, session.id, session.slots[0])
    except KitError as exc:
        return exc.code


def test_a_full_session_is_refused_without_a_query(flagging_app, db, make_session,
                                                   make_beneficiary):
    session = make_session(capacities={"1": 1})
    people = [make_beneficiary() for _ in range(3)]
    with flagging_app.app_context():
        assert isinstance(_book(people[0], session), Appointment)
        assert _book(people[1], session) == "SESSION_FULL"  # seen full: flags it
        with statements(db) as seen:
            assert _book(people[2], session) == "SESSION_FULL"
        assert not [s for s in seen if "session_capacity" in s or "vaccination_session" in s]
        assert not [s for s in seen if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_the_api_refuses_a_known_full_session_with_no_database_work(
        flagging_app, db, make_session, make_beneficiary):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token

    session = make_session(capacities={"1": 1})
    people = [make_beneficiary() for _ in range(3)]
    client = flagging_app.test_client()
    with flagging_app.app_context():
        tokens = [issue_token(db.session.get(CitizenAccount, p.account_id)) for p in people]

    def attempt(person, token):
        return client.post("/api/kit/v1/appointments", headers={
            "Authorization": f"Bearer {token}"}, json={
            "reference_id": person.reference_id, "session_id": str(session.id),
            "slot": session.slots[0]})

    assert attempt(people[0], tokens[0]).status_code == 201
    assert attempt(people[1], tokens[1]).status_code == 409
    with statements(db) as seen:
        refused = attempt(people[2], tokens[2])
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "SESSION_FULL"
    assert seen == []
    # A forged token is still refused as unauthenticated, full session or not.
    assert attempt(people[2], tokens[2][:-4] + "AAAA").status_code == 401


def test_a_booking_checks_its_token_signature_once(flagging_app, db, make_session,
                                                   make_beneficiary, monkeypatch):
    """The fast refusal looks at the bearer token before citizen_required does: the second look
    reuses the first one's claims (one signature check per request, not two)."""
    import jwt

    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token

    session = make_session(capacities={"1": 5})
    person = make_beneficiary()
    with flagging_app.app_context():
        token = issue_token(db.session.get(CitizenAccount, person.account_id))
    decoded = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decoded.append(1) or real_decode(*a, **k))
    booked = flagging_app.test_client().post(
        "/api/kit/v1/appointments", headers={"Authorization": f"Bearer {token}"},
        json={"reference_id": person.reference_id, "session_id": str(session.id),
              "slot": session.slots[0]})
    assert booked.status_code == 201
    assert len(decoded) == 1


def test_a_cancellation_makes_a_full_session_bookable_at_once(flagging_app, db, make_session,
                                                              make_beneficiary):
    from cowin_kit.booking import changes

    session = make_session(capacities={"1": 1})
    first, second, third = (make_beneficiary() for _ in range(3))
    with flagging_app.app_context():
        made = _book(first, session)
        assert _book(second, session) == "SESSION_FULL"
        assert _book(second, session) == "SESSION_FULL"  # from the flag now
        changes.cancel(db.session.get(Appointment, made.id))
        assert isinstance(_book(second, session), Appointment)
        assert _book(third, session) == "SESSION_FULL"


def test_a_raised_or_added_capacity_makes_it_bookable_at_once(flagging_app, db, world_staff,
                                                              make_session, make_beneficiary):
    from cowin_kit.booking.admin_operations import set_capacity
    from cowin_kit.booking.models import VaccinationSession

    session = make_session(capacities={"1": 1})
    people = [make_beneficiary() for _ in range(4)]
    with flagging_app.app_context():
        assert isinstance(_book(people[0], session), Appointment)
        assert _book(people[1], session) == "SESSION_FULL"
        set_capacity(world_staff(session), db.session.get(VaccinationSession, session.id), "1", 2)
        assert isinstance(_book(people[1], session), Appointment)
        assert _book(people[2], session) == "SESSION_FULL"
        set_capacity(world_staff(session), db.session.get(VaccinationSession, session.id), "1", 3)
        assert isinstance(_book(people[2], session), Appointment)


def test_any_other_write_to_capacities_voids_the_flags(flagging_app, db, make_session,
                                                       make_beneficiary):
    session = make_session(capacities={"1": 1})
    people = [make_beneficiary() for _ in range(3)]
    with flagging_app.app_context():
        assert isinstance(_book(people[0], session), Appointment)
        assert _book(people[1], session) == "SESSION_FULL"
        # A write the flags cannot attribute to a session (here: by dose kind) voids them all.
        table = SessionCapacity.__table__
        db.session.execute(table.update().where(table.c.dose_kind == "1")
                           .values(capacity=table.c.capacity + 1))
        db.session.commit()
        assert isinstance(_book(people[1], session), Appointment)


def test_a_retry_of_the_booking_that_took_the_last_dose_gets_it_back(
        flagging_app, db, make_session, make_beneficiary):
    from cowin_kit.booking import operations

    session = make_session(capacities={"1": 1})
    first, second = make_beneficiary(), make_beneficiary()
    with flagging_app.app_context():
        made = operations.book(first, session.id, session.slots[0], idempotency_key="k1")
        assert _book(second, session) == "SESSION_FULL"
        again = operations.book(first, session.id, session.slots[0], idempotency_key="k1")
        assert again.id == made.id


@pytest.fixture
def world_staff(db):
    """A national admin (may change any session's capacity)."""
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.accounts.staff_permissions import NATIONAL_ADMIN

    def staff(_session):
        user = db.session.execute(sa.select(StaffUser).where(
            StaffUser.username == "full-sessions-admin")).scalar_one_or_none()
        if user is None:
            user = StaffUser(username="full-sessions-admin", full_name="Admin", role=NATIONAL_ADMIN,
                             password_hash="x")
            db.session.add(user)
            db.session.commit()
        return user

    return staff


@pytest.mark.postgres
def test_cancellations_racing_with_bookings_never_leave_a_freed_dose_refused(
        make_app, redis_url, db, make_session, make_beneficiary):
    """Fill 20 doses with 60 threads, then cancel 8 while 30 others try to book: whatever
    was freed and not taken by the racers is bookable right after, and never overbooked."""
    from cowin_kit.booking import changes, operations
    from cowin_kit.core.errors import KitError
    from cowin_kit.registration.models import Beneficiary

    session = make_session(capacities={"1": 20})
    session_id, slot = session.id, session.slots[0]  # threads never touch this thread's objects
    people = [make_beneficiary(with_account=False).id for _ in range(100)]
    app = make_app(REDIS_URL=redis_url, CACHE_PREFIX=f"cowin-kit-test:{uuid.uuid4().hex}:",
                   DB_POOL_SIZE=70, DB_MAX_OVERFLOW=0)
    outcomes: list[str] = []
    made: list = []

    def run(jobs):
        barrier = threading.Barrier(len(jobs))

        def go(job):
            with app.app_context():
                try:
                    barrier.wait(60)
                    outcomes.append(job())
                except KitError as exc:
                    outcomes.append(exc.code)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=go, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)

    def booker(person_id):
        def job():
            person = db.session.get(Beneficiary, person_id)
            made.append(operations.book(person, session_id, slot).id)
            return "booked"
        return job

    def canceller(appointment_id):
        def job():
            changes.cancel(db.session.get(Appointment, appointment_id))
            return "cancelled"
        return job

    run([booker(p) for p in people[:60]])
    assert Counter(outcomes) == Counter({"booked": 20, "SESSION_FULL": 40})
    outcomes.clear()
    run([canceller(a) for a in made[:8]] + [booker(p) for p in people[60:90]])
    db.session.expire_all()
    booked = db.session.scalar(sa.select(SessionCapacity.booked))
    assert outcomes.count("cancelled") == 8
    assert booked == 12 + outcomes.count("booked") <= 20
    outcomes.clear()
    with app.app_context():
        for person_id in people[90:100]:
            try:
                operations.book(db.session.get(Beneficiary, person_id), session_id, slot)
                outcomes.append("booked")
            except KitError as exc:
                outcomes.append(exc.code)
        db.session.remove()
    free = 20 - booked
    assert Counter(outcomes) == Counter({"booked": free, "SESSION_FULL": 10 - free})
    db.session.expire_all()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)
                             .where(Appointment.status == "booked"))
    assert db.session.scalar(sa.select(SessionCapacity.booked)) == rows == 20
