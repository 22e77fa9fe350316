"""Each person's stored next dose (``Beneficiary.next_*``) stays what the schedule engine says
after a dose is recorded, corrected or deleted, and after a certificate correction."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_person

D = dt.timedelta


def stored(db, person) -> dict:
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.registration.next_due import COLUMNS

    db.session.expire_all()  # read what the database holds, not the session's copy
    row = db.session.execute(sa.select(*(getattr(Beneficiary, n) for n in COLUMNS))
                             .where(Beneficiary.id == person.id)).one()
    return dict(zip(COLUMNS, row))


def at(day: dt.date) -> dt.datetime:
    """10:00 UTC on ``day`` (the facility's local date is the same day in India)."""
    return dt.datetime.combine(day, dt.time(10), dt.timezone.utc)


def engine_answer(person, doses, on):
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.schedule import DoseGiven, Person, next_dose

    return next_dose(get_profile(), Person(birth_year=person.birth_year), [
        DoseGiven(d.vaccine, d.dose_number, d.administered_on, d.is_booster) for d in doses], on)


def test_next_due_after_record_correction_and_deletion(app, db, world):
    from cowin_kit.vaccination.operations import correct_dose, record_dose

    vaccinator = world.staff["vaccinator"]
    person = make_person(db, birth_year=1980)
    db.session.commit()
    assert stored(db, person)["next_dose_number"] is None  # registered, no dose yet

    first_day = dt.date.today() - D(days=100)
    first = record_dose(vaccinator, person, vaccine="covishield", lot="A1",
                        administered_at=at(first_day))
    due = engine_answer(person, [first], first_day)
    assert stored(db, person) == {
        "next_dose_number": 2, "next_due_booster": False,
        "next_due_from": first_day + D(days=84), "next_due_until": first_day + D(days=112),
        "next_due_product": "covishield", "last_dose_vaccine": "covishield",
        "last_dose_on": first_day}
    assert (due.earliest, due.latest) == (first_day + D(days=84), first_day + D(days=112))

    # A corrected product and date: Covaxin's 28-42 days from the corrected day.
    corrected_day = first_day - D(days=3)
    correct_dose(vaccinator, first, reason="wrong vial and day", vaccine="covaxin",
                 administered_at=at(corrected_day))
    assert stored(db, person) == {
        "next_dose_number": 2, "next_due_booster": False,
        "next_due_from": corrected_day + D(days=28), "next_due_until": corrected_day + D(days=42),
        "next_due_product": "covaxin", "last_dose_vaccine": "covaxin",
        "last_dose_on": corrected_day}

    second_day = dt.date.today() - D(days=50)
    second = record_dose(vaccinator, person, vaccine="covaxin", lot="A2",
                         administered_at=at(second_day))
    booster = stored(db, person)
    assert (booster["next_dose_number"], booster["next_due_booster"]) == (3, True)
    assert booster["next_due_from"] == second_day + D(weeks=26)
    assert booster["last_dose_on"] == second.administered_on == second_day


def test_deleted_or_rolled_back_dose_leaves_the_earlier_answer(app, db, world):
    from cowin_kit.vaccination.models import DoseRecord

    person = make_person(db, birth_year=1980)
    first_day = dt.date.today() - D(days=200)
    for number, day in ((1, first_day), (2, first_day + D(days=90))):
        db.session.add(DoseRecord(beneficiary_id=person.id, facility_id=world.facilities["FA"].id,
                                  vaccine="covishield", lot="A1", dose_number=number,
                                  series_total=2, administered_on=day))
    db.session.commit()
    assert stored(db, person)["next_due_booster"] is True
    # A dose row removed (a repair in the database): the person is waiting for dose 2 again.
    db.session.delete(db.session.scalar(sa.select(DoseRecord).where(
        DoseRecord.beneficiary_id == person.id, DoseRecord.dose_number == 2)))
    db.session.commit()
    assert stored(db, person)["next_dose_number"] == 2
    assert stored(db, person)["next_due_from"] == first_day + D(days=84)

    db.session.add(DoseRecord(beneficiary_id=person.id, facility_id=world.facilities["FA"].id,
                              vaccine="covishield", lot="A2", dose_number=2, series_total=2,
                              administered_on=dt.date.today()))
    db.session.flush()
    assert stored(db, person)["next_dose_number"] == 3  # same transaction: already there
    db.session.rollback()
    assert stored(db, person)["next_dose_number"] == 2


def test_certificate_correction_of_birth_year_moves_the_booster(app, db, world):
    """A 16-year-old's booster waits until 18; the corrected year of birth (a certificate
    correction, which revokes and re-issues the certificate) makes it due now."""
    from flask import current_app

    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.certificates import operations
    from cowin_kit.certificates.models import Certificate
    from cowin_kit.vaccination.signals import dose_recorded
    from tests.operations.conftest import make_dose

    account = CitizenAccount(mobile="+919876543210")
    db.session.add(account)
    db.session.flush()
    born = dt.date.today().year - 16
    person = make_person(db, birth_year=born, account=account)
    facility = world.facilities["FA"]
    for number, days_ago in ((1, 300), (2, 250)):
        dose = make_dose(db, person, facility, dose_number=number, days_ago=days_ago,
                         vaccine="covaxin")
        db.session.commit()
        dose_recorded.send(current_app._get_current_object(), dose=dose)  # issues certificates
    second_day = dose.administered_on
    assert stored(db, person)["next_due_from"] == dt.date(born + 18, 1, 1)

    req = operations.request_correction(account, person.reference_id, "birth_year",
                                        str(born - 10))
    operations.approve_correction(world.staff["national_admin"], req.id)
    after = stored(db, person)
    assert (after["next_dose_number"], after["next_due_booster"]) == (3, True)
    assert after["next_due_from"] == second_day + D(weeks=26)
    revoked = db.session.scalar(sa.select(sa.func.count(Certificate.id)).where(
        Certificate.beneficiary_id == person.id, Certificate.revoked_at.is_not(None)))
    assert revoked >= 1


@pytest.mark.postgres
def test_concurrent_changes_leave_the_next_due_of_the_whole_history(app, db, world):
    """Dose 2 recorded at one desk while dose 1 is corrected at another: the transaction that
    commits last must compute from both changes (it waits for the person's row, then reads)."""
    import threading
    import time

    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.vaccination.models import DoseRecord

    person = make_person(db, birth_year=1980)
    facility_id = world.facilities["FA"].id
    first_day = dt.date.today() - D(days=120)
    db.session.add(DoseRecord(beneficiary_id=person.id, facility_id=facility_id,
                              vaccine="covishield", lot="A1", dose_number=1, series_total=2,
                              administered_on=first_day))
    db.session.commit()
    person_id = person.id
    flushed = threading.Event()
    errors = []

    def lock_waits() -> int:
        with db.engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted"))

    def add_second():  # flushes first, commits once the other transaction waits for it
        try:
            with app.app_context():
                db.session.add(DoseRecord(beneficiary_id=person_id, facility_id=facility_id,
                                          vaccine="covishield", lot="A2", dose_number=2,
                                          series_total=2, administered_on=dt.date.today()))
                db.session.flush()
                flushed.set()
                deadline = time.monotonic() + 10
                while not lock_waits() and time.monotonic() < deadline:
                    time.sleep(0.05)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            flushed.set()

    def correct_first():
        try:
            with app.app_context():
                flushed.wait(10)
                dose = db.session.scalar(sa.select(DoseRecord).where(
                    DoseRecord.beneficiary_id == person_id, DoseRecord.dose_number == 1))
                dose.administered_on = first_day - D(days=1)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fn) for fn in (add_second, correct_first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    row = stored(db, db.session.get(Beneficiary, person_id))
    assert (row["next_dose_number"], row["next_due_booster"]) == (3, True)
    assert row["last_dose_on"] == dt.date.today()
