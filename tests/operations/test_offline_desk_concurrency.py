"""Offline desk sync (issue #22) under real concurrency on PostgreSQL: two tablets sync at the
same moment (threads released by a barrier, each on its own connection) queues that overlap:
the same person's dose recorded on both, the same event id with different contents, the last
places of a session. Whatever the interleaving, one record per dose, and the other device gets
a clear result it can show the vaccinator."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from cowin_kit.vaccination.models import DeskSyncEvent, DoseRecord
from tests.operations.conftest import make_appointment, make_dose, make_person, make_session
from tests.operations.test_offline_desk import count, dose_event

pytestmark = pytest.mark.postgres


def at_once(app, db, staff_ids: list[int], batches: list[list]) -> list[list[dict]]:
    """Sync ``batches[n]`` as device n, signed in as ``staff_ids[n]``, all released at once."""
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.vaccination import offline

    barrier = threading.Barrier(len(batches))
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def device(n: int) -> None:
        with app.test_request_context():
            try:
                staff = db.session.get(StaffUser, staff_ids[n])
                db.session.commit()  # start the race without a transaction open
                barrier.wait()
                results[n] = offline.sync(staff, f"tablet-{n}", batches[n])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=device, args=(n,)) for n in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads), "a sync hung (deadlock?)"
    db.session.expire_all()
    return [results[n] for n in range(len(batches))]


def two_devices(world) -> list[int]:
    return [world.staff["vaccinator"].id, world.staff["facility_manager"].id]


def doses_of(db, person) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord).where(
        DoseRecord.beneficiary_id == person.id))


def test_same_dose_recorded_on_two_devices_is_recorded_once(app, db, world):
    """Each tablet recorded the same people (its own event ids) and one person of its own;
    both sync at once: one dose per person, the loser told DOSE_ALREADY_RECORDED."""
    session = make_session(db, world.facilities["FA"], caps={"1": 50})
    people = [make_person(db, name=f"Shared {n}") for n in range(6)]
    appointments = [make_appointment(db, session, p) for p in people]
    db.session.commit()
    shared = list(zip(people[:4], appointments[:4]))
    own = [(people[4], appointments[4]), (people[5], appointments[5])]
    batches = [[dose_event(p, a) for p, a in shared] + [dose_event(*own[0])],
               [dose_event(p, a, lot="OTHER-TABLET") for p, a in reversed(shared)]
               + [dose_event(*own[1])]]
    first, second = at_once(app, db, two_devices(world), batches)

    assert count(db, DoseRecord) == len(people)
    assert all(doses_of(db, person) == 1 for person in people)
    for i, (person, _appointment) in enumerate(shared):
        mine, theirs = first[i], second[len(shared) - 1 - i]
        outcomes = sorted([(mine["status"], mine.get("code")), (theirs["status"],
                                                                 theirs.get("code"))])
        assert outcomes == [("applied", None), ("conflict", "DOSE_ALREADY_RECORDED")], outcomes
        loser = mine if mine["status"] == "conflict" else theirs
        assert loser["http_status"] == 409
        assert loser["message"] == "This dose is already recorded for this person."
    assert first[-1]["status"] == second[-1]["status"] == "applied"
    # Both devices' events are kept (the conflicts too: sending them again is a duplicate).
    assert count(db, DeskSyncEvent) == sum(len(b) for b in batches)
    statuses = db.session.scalars(sa.select(DeskSyncEvent.status)).all()
    assert sorted(statuses).count("conflict") == len(shared)


def test_same_event_id_with_other_content_from_two_devices_is_refused(app, db, world):
    """A device bug (or a copied queue) sends one event id with two contents at once: the
    first to arrive is applied, the other refused as EVENT_ID_REUSED, one dose on record."""
    session = make_session(db, world.facilities["FA"], caps={"1": 50})
    people = [make_person(db, name=f"Reused {n}") for n in range(4)]
    appointments = [make_appointment(db, session, p) for p in people]
    db.session.commit()
    events = [dose_event(p, a) for p, a in zip(people, appointments)]
    changed = [{**event, "lot": "CHANGED-1"} for event in events]
    first, second = at_once(app, db, two_devices(world), [events, changed])

    assert count(db, DoseRecord) == len(events)
    assert count(db, DeskSyncEvent) == len(events)
    for mine, theirs in zip(first, second):
        assert mine["id"] == theirs["id"]
        outcomes = sorted([(mine["status"], mine.get("code")),
                           (theirs["status"], theirs.get("code"))])
        assert outcomes == [("applied", None), ("conflict", "EVENT_ID_REUSED")], outcomes
        winner = mine if mine["status"] == "applied" else theirs
        lot = db.session.scalar(sa.select(DoseRecord.lot).where(
            DoseRecord.id == winner["dose_id"]))
        assert lot == ("4120Z025" if winner is mine else "CHANGED-1")


def test_last_places_of_a_session_are_not_given_twice(app, db, world):
    """Doses without an appointment in a session with one place left: the two tablets send
    three each at once; no more doses than the capacity, the rest CAPACITY_EXCEEDED."""
    fa = world.facilities["FA"]
    session = make_session(db, fa, caps={"1": 2})
    make_dose(db, make_person(db, name="Already"), fa).session_id = session.id
    people = [make_person(db, name=f"Walk {n}") for n in range(6)]
    db.session.commit()
    batches = [[dose_event(p, session_id=str(session.id)) for p in people[:3]],
               [dose_event(p, session_id=str(session.id)) for p in people[3:]]]
    results = at_once(app, db, two_devices(world), batches)

    given = db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord).where(
        DoseRecord.session_id == session.id))
    assert given == 2
    flat = [r for device in results for r in device]
    assert sorted(r["status"] for r in flat) == ["applied"] + ["conflict"] * 5
    assert {r["code"] for r in flat if r["status"] == "conflict"} == {"CAPACITY_EXCEEDED"}
