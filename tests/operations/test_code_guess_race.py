"""Secret-code guessing in parallel: a burst of wrong codes for one appointment, each from its
own thread and connection, is checked at most five times (the appointment row is locked while
the failures are counted)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from cowin_kit.core.models import AuditEntry
from cowin_kit.vaccination.operations import MAX_CODE_ATTEMPTS
from tests.operations.conftest import FAST_ARGON2, make_appointment, make_person, make_session
from tests.operations.conftest import sign_in

GUESSES = 12


@pytest.mark.postgres
def test_a_parallel_burst_of_wrong_codes_gets_five_checks(make_app, db, world):
    person = make_person(db)
    session = make_session(db, world.facilities["FA"])
    appointment = make_appointment(db, session, person, code="4821")
    db.session.commit()
    desk = make_app(WTF_CSRF_ENABLED=False, DB_POOL_SIZE=2 * GUESSES, DB_MAX_OVERFLOW=0,
                    **FAST_ARGON2)
    url = f"/desk/people/{person.reference_id}/dose"
    form = {"appointment_id": str(appointment.id), "vaccine": "covishield", "lot": "4120Z025"}
    barrier = threading.Barrier(GUESSES)
    outcomes: list[str] = []
    lock = threading.Lock()

    clients = [desk.test_client() for _ in range(GUESSES)]
    with desk.app_context():
        for client in clients:
            sign_in(client, world.staff["vaccinator"])

    def guess(n: int):
        client = clients[n]
        barrier.wait(timeout=60)
        response = client.post(url, data={**form, "secret_code": f"{n:04d}"})
        html = response.get_data(as_text=True)
        code = next((c for c, words in (("SECRET_CODE_MISMATCH", "does not match"),
                                        ("TOO_MANY_CODE_ATTEMPTS", "Too many wrong secret codes"))
                     if words in html), html[-300:])
        with lock:
            outcomes.append(f"{response.status_code} {code}")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert Counter(outcomes) == Counter({
        "422 SECRET_CODE_MISMATCH": MAX_CODE_ATTEMPTS,
        "409 TOO_MANY_CODE_ATTEMPTS": GUESSES - MAX_CODE_ATTEMPTS}), outcomes
    db.session.expire_all()
    denied = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "appointment.verify", AuditEntry.outcome == "denied",
        AuditEntry.object_id == str(appointment.id)))
    assert denied == MAX_CODE_ATTEMPTS
    # The right code is refused too now: the lock-out holds after the burst.
    response = clients[0].post(url, data={**form, "secret_code": "4821"})
    assert response.status_code == 409
    with desk.app_context():
        from cowin_kit.core.db import db as database

        database.session.remove()
