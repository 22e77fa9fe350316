"""Real concurrency: many threads, each with its own connection, race for the last doses."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from cowin_kit.booking.models import Appointment, SessionCapacity


def race(app, session_id, slot, beneficiary_ids, *, key=None):
    """Book from one thread per beneficiary, all released at once; return outcome counts."""
    from cowin_kit.booking import operations
    from cowin_kit.core.db import db
    from cowin_kit.core.errors import KitError
    from cowin_kit.registration.models import Beneficiary

    barrier = threading.Barrier(len(beneficiary_ids))
    outcomes: list[str] = []
    appointment_ids: list[str] = []
    lock = threading.Lock()

    def attempt(beneficiary_id):
        with app.app_context():
            person = db.session.get(Beneficiary, beneficiary_id)
            db.session.commit()  # give the connection back while waiting for the others
            try:
                barrier.wait(timeout=60)
                made = operations.book(person, session_id, slot, idempotency_key=key)
                result, made_id = "booked", str(made.id)
            except KitError as exc:
                result, made_id = exc.code, None
            except Exception as exc:  # noqa: BLE001 - any other failure is a bug to report
                result, made_id = f"{type(exc).__name__}: {exc}", None
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)
                if made_id:
                    appointment_ids.append(made_id)

    threads = [threading.Thread(target=attempt, args=(b,)) for b in beneficiary_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return Counter(outcomes), appointment_ids


def booked_state(db, session):
    db.session.expire_all()
    booked = db.session.scalar(sa.select(SessionCapacity.booked).where(
        SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == "1"))
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
        Appointment.session_id == session.id, Appointment.status == "booked"))
    return booked, rows


@pytest.mark.postgres
def test_200_threads_never_overbook_50_doses_on_postgres(make_app, make_session,
                                                         make_beneficiary, db):
    session = make_session(capacities={"1": 50, "2": 10})
    people = [make_beneficiary(with_account=False).id for _ in range(200)]
    racer = make_app(DB_POOL_SIZE=40, DB_MAX_OVERFLOW=0)
    outcomes, _ids = race(racer, session.id, session.slots[0], people)
    assert outcomes == Counter({"booked": 50, "SESSION_FULL": 150}), outcomes
    assert booked_state(db, session) == (50, 50)


@pytest.mark.postgres
def test_parallel_retries_of_one_request_make_one_appointment(make_app, make_session,
                                                             make_beneficiary, db):
    session = make_session(capacities={"1": 50})
    person = make_beneficiary(with_account=False)
    racer = make_app(DB_POOL_SIZE=20, DB_MAX_OVERFLOW=0)
    outcomes, ids = race(racer, session.id, session.slots[0], [person.id] * 20, key="retry-1")
    assert outcomes == Counter({"booked": 20}), outcomes
    assert len(set(ids)) == 1
    assert booked_state(db, session) == (1, 1)


@pytest.mark.postgres
def test_same_person_racing_without_a_key_gets_one_appointment(make_app, make_session,
                                                               make_beneficiary, db):
    session = make_session(capacities={"1": 20})
    person = make_beneficiary(with_account=False)
    racer = make_app(DB_POOL_SIZE=20, DB_MAX_OVERFLOW=0)
    outcomes, _ = race(racer, session.id, session.slots[0], [person.id] * 10)
    assert outcomes == Counter({"booked": 1, "ALREADY_BOOKED": 9}), outcomes
    assert booked_state(db, session) == (1, 1)


def test_threads_never_overbook_on_sqlite_either(make_app, make_session, make_beneficiary, db):
    session = make_session(capacities={"1": 5})
    people = [make_beneficiary(with_account=False).id for _ in range(24)]
    racer = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 30, "max_overflow": 0})
    outcomes, _ids = race(racer, session.id, session.slots[0], people)
    assert outcomes == Counter({"booked": 5, "SESSION_FULL": 19}), outcomes
    assert booked_state(db, session) == (5, 5)


@pytest.mark.postgres
def test_opposite_reschedules_do_not_deadlock(make_app, make_session, make_beneficiary, db):
    from cowin_kit.booking import changes, operations
    from cowin_kit.core.errors import KitError

    x, y = make_session(capacities={"1": 20}), make_session(days=2, capacities={"1": 20})
    moves = []
    for i in range(20):
        here, there = (x, y) if i % 2 else (y, x)
        made = operations.book(make_beneficiary(with_account=False), here.id, here.slots[0])
        moves.append((made.id, there.id, there.slots[1]))
    racer = make_app(DB_POOL_SIZE=25, DB_MAX_OVERFLOW=0)
    barrier = threading.Barrier(len(moves))
    outcomes = []

    def move(appointment_id, session_id, slot):
        with racer.app_context():
            found = db.session.get(Appointment, appointment_id)
            db.session.commit()
            barrier.wait(timeout=60)
            try:
                changes.reschedule(found, session_id, slot)
                outcomes.append("moved")
            except KitError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - a deadlock would land here
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=move, args=m) for m in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(outcomes) == Counter({"moved": 20}), outcomes
    assert booked_state(db, x) == (10, 10) and booked_state(db, y) == (10, 10)
