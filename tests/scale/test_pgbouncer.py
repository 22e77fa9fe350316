"""The kit through PgBouncer in transaction mode: concurrent desks and public reads, no
server-side prepared statements (COWIN_KIT_DATABASE_POOLER=pgbouncer), no session state."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from tests.factories import make_person, make_staff
from tests.scale.conftest import district_with_session

THREADS = 4
ROUNDS = 12


@pytest.fixture
def app(make_app, pgbouncer_url):
    app = make_app(DATABASE_URL=pgbouncer_url, DATABASE_POOLER="pgbouncer",
                   PUBLIC_CACHE_SECONDS=0, DASHBOARD_CACHE_SECONDS=0,
                   RATE_LIMIT_PUBLIC="10000 per minute")
    with app.app_context():
        yield app


def test_pooler_setting_turns_prepared_statements_off(app, db):
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.prepare_threshold is None
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1


def test_desks_and_public_reads_through_pgbouncer(app, db):
    from cowin_kit.api.cowin_v2.areaids import external_id
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.vaccination.models import DoseRecord
    from cowin_kit.vaccination.operations import record_dose

    district, facility, session = district_with_session(db, "P", caps={"1": 50, "2": 50})
    vaccinators = [make_staff(db, "vaccinator", f"pv{i}", facility=facility)
                   for i in range(THREADS)]
    people = [[make_person(db, name=f"Person {t}-{r}").id for r in range(ROUNDS)]
              for t in range(THREADS)]
    db.session.commit()
    vaccinator_ids = [v.id for v in vaccinators]
    url = ("/api/v2/appointment/sessions/public/calendarByDistrict"
           f"?district_id={external_id(district)}&date={session.date:%d-%m-%Y}")
    errors: list[BaseException] = []

    def desk(index: int) -> None:
        from cowin_kit.accounts.models import StaffUser

        try:
            client = app.test_client()
            for person_id in people[index]:
                # The same statements many times over on every connection: psycopg would
                # prepare them after five uses, on whichever server PgBouncer lent it.
                for _ in range(3):
                    assert client.get(url).status_code == 200
                with app.app_context():  # one desk request: its own session, then let go
                    record_dose(db.session.get(StaffUser, vaccinator_ids[index]),
                                db.session.get(Beneficiary, person_id),
                                vaccine="covishield", lot="PB1")
                    db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(DoseRecord.id))) == THREADS * ROUNDS
    # The next dose was kept in each dose's transaction, through the pooler too.
    kept = db.session.execute(sa.select(Beneficiary.next_dose_number, Beneficiary.next_due_from,
                                        DoseRecord.administered_on)
                              .join(DoseRecord, DoseRecord.beneficiary_id == Beneficiary.id)).all()
    assert len(kept) == THREADS * ROUNDS
    assert all(number == 2 and due == given + dt.timedelta(days=84)
               for number, due, given in kept)
