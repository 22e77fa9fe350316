"""Beneficiaries: validation, per-mobile limit, duplicate documents, deletion rules."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from cowin_kit.core.errors import KitError
from cowin_kit.core.models import AuditEntry
from cowin_kit.registration import operations as ops
from cowin_kit.registration import queries
from cowin_kit.registration.models import Beneficiary
from tests.citizen.helpers import (aadhaar, bad_check_digit, make_facility, person, sign_up,
                                   this_year)


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary))


def _fails(code: str, fn, *args, **kwargs) -> KitError:
    with pytest.raises(KitError) as err:
        fn(*args, **kwargs)
    assert err.value.code == code, err.value.to_dict()
    return err.value


def test_register_stores_only_hash_and_masked_number(db, account):
    number = aadhaar(1)
    b = ops.add_beneficiary(account, **person(1, id_number=f"{number[:4]} {number[4:8]}-{number[8:]}"),
                            groups=["health_worker"], locale="hi_IN")
    assert len(b.reference_id) == 14 and b.reference_id.isdigit()
    assert b.id_masked.endswith(number[-4:]) and number not in b.id_masked
    assert b.id_hash != number and len(b.id_hash) == 64
    row = db.session.execute(sa.select(Beneficiary.__table__)).one()
    assert not any(number in str(value) for value in row)
    assert b.groups == ["health_worker"] and b.locale == "hi_IN"
    assert queries.find_by_document("aadhaar", number).id == b.id
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "beneficiary.create")).one()
    assert audit.object_id == b.reference_id


def test_names_in_any_script_are_accepted_and_tidied(db, account):
    b = ops.add_beneficiary(account, **person(2, name="  राम   कुमार "))
    assert b.name == "राम कुमार"
    b = ops.add_beneficiary(account, **person(3, name="Mary-Jane O'Neil Jr."))
    assert b.name == "Mary-Jane O'Neil Jr."


def test_bad_names_are_refused(db, account):
    for name in ["", "   ", "x" * 101, "Robert'); DROP TABLE--", "<b>Asha</b>", "Asha 2", "...",
                 "Asha\u200bDevi"]:
        error = _fails("VALIDATION_FAILED", ops.add_beneficiary, account, **person(4, name=name))
        assert "name" in error.fields, name
    assert _count(db) == 0


def test_limit_per_mobile(db, account):
    for seed in range(4):
        ops.add_beneficiary(account, **person(10 + seed))
    error = _fails("BENEFICIARY_LIMIT", ops.add_beneficiary, account, **person(20))
    assert error.status == 409 and "4" in error.text()
    assert _count(db) == 4


def test_the_same_document_cannot_be_registered_twice(db, account):
    ops.add_beneficiary(account, **person(5))
    other = sign_up("9812345678")
    error = _fails("DUPLICATE_ID_DOCUMENT", ops.add_beneficiary, other, **person(5, name="Someone"))
    assert error.status == 409 and "id_number" in error.fields
    assert _count(db) == 1


def test_bad_check_digit_and_wrong_format_are_refused(db, account):
    error = _fails("INVALID_ID_DOCUMENT", ops.add_beneficiary, account,
                   **person(6, id_number=bad_check_digit(aadhaar(6))))
    assert "id_number" in error.fields
    _fails("INVALID_ID_DOCUMENT", ops.add_beneficiary, account, **person(6, id_number="12345"))
    assert _count(db) == 0


def test_under_age_and_implausible_birth_years(db, account):
    from cowin_kit.profiles import get_profile

    min_age = get_profile().eligibility.min_age
    error = _fails("UNDER_AGE", ops.add_beneficiary, account,
                   **person(7, birth_year=this_year() - min_age + 1))
    assert "birth_year" in error.fields
    for year in (this_year() - 121, this_year() + 1):
        error = _fails("VALIDATION_FAILED", ops.add_beneficiary, account,
                       **person(7, birth_year=year))
        assert "birth_year" in error.fields
    ops.add_beneficiary(account, **person(7, birth_year=this_year() - min_age))
    assert _count(db) == 1


def test_birth_date_must_agree_with_birth_year(db, account):
    error = _fails("VALIDATION_FAILED", ops.add_beneficiary, account,
                   **person(8, birth_year=1980, birth_date=dt.date(1981, 5, 2)))
    assert "birth_year" in error.fields
    b = ops.add_beneficiary(account, **person(8, birth_year=None, birth_date=dt.date(1981, 5, 2)))
    assert b.birth_year == 1981 and b.birth_date == dt.date(1981, 5, 2)


def test_unknown_gender_document_and_group_are_listed_together(db, account):
    error = _fails("VALIDATION_FAILED", ops.add_beneficiary, account,
                   **person(9, gender="X", id_doc_type="library_card"), groups=["vip"])
    assert {"gender", "id_doc_type", "groups"} <= set(error.fields)


def test_other_peoples_reference_ids_are_not_found(db, account):
    b = ops.add_beneficiary(account, **person(11))
    other = sign_up("9812345678")
    _fails("BENEFICIARY_NOT_FOUND", queries.get_owned_beneficiary, other, b.reference_id)
    _fails("BENEFICIARY_NOT_FOUND", ops.delete_beneficiary, other, b.reference_id)
    assert queries.get_owned_beneficiary(account, b.reference_id).id == b.id
    assert [x.id for x in queries.beneficiaries_of(other)] == []


def test_delete_is_refused_once_a_dose_is_recorded(db, account):
    from cowin_kit.vaccination.models import DoseRecord

    b = ops.add_beneficiary(account, **person(12))
    facility = make_facility(db)
    db.session.add(DoseRecord(beneficiary_id=b.id, facility_id=facility.id, vaccine="covishield",
                              lot="L1", dose_number=1, series_total=2,
                              administered_on=dt.date.today()))
    db.session.commit()
    _fails("BENEFICIARY_HAS_DOSES", ops.delete_beneficiary, account, b.reference_id)
    assert _count(db) == 1


def test_delete_cancels_open_appointments_and_gives_capacity_back(db, account):
    from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession

    b = ops.add_beneficiary(account, **person(13))
    keep = ops.add_beneficiary(account, **person(14))
    session = VaccinationSession(facility_id=make_facility(db).id, date=dt.date.today(),
                                 vaccine="covishield", slots=["09:00-11:00"])
    db.session.add(session)
    db.session.flush()
    capacity = SessionCapacity(session_id=session.id, dose_kind="1", capacity=10, booked=2)
    db.session.add(capacity)
    db.session.flush()
    for who in (b, keep):
        db.session.add(Appointment(beneficiary_id=who.id, session_id=session.id,
                                   capacity_id=capacity.id, dose_number=1, slot="09:00-11:00",
                                   secret_code="1234"))
    db.session.commit()
    ops.delete_beneficiary(account, b.reference_id)
    db.session.expire_all()
    assert db.session.get(SessionCapacity, capacity.id).booked == 1
    left = db.session.scalars(sa.select(Appointment)).all()
    assert [a.beneficiary_id for a in left] == [keep.id]
    assert [x.id for x in queries.beneficiaries_of(account)] == [keep.id]
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "beneficiary.delete")).one()
    assert len(entry.details["cancelled_appointments"]) == 1


def _race(app, n, work):
    """Run ``work(i)`` in n threads started together; return the error codes (None = ok)."""
    results, barrier = [None] * n, threading.Barrier(n)

    def run(i):
        with app.app_context():
            from cowin_kit.core.db import db

            barrier.wait()
            try:
                work(i)
            except KitError as exc:
                results[i] = exc.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
def test_same_document_raced_from_many_accounts_registers_once(make_app):
    app = make_app()
    with app.app_context():
        accounts = [sign_up(f"98123456{i:02d}").id for i in range(8)]

    def work(i):
        from cowin_kit.accounts.models import CitizenAccount
        from cowin_kit.core.db import db

        ops.add_beneficiary(db.session.get(CitizenAccount, accounts[i]), **person(30))

    results = _race(app, 8, work)
    assert results.count(None) == 1
    assert results.count("DUPLICATE_ID_DOCUMENT") == 7
    with app.app_context():
        from cowin_kit.core.db import db

        assert _count(db) == 1


@pytest.mark.postgres
def test_limit_holds_under_a_race_on_one_mobile(make_app):
    app = make_app()
    with app.app_context():
        account_id = sign_up().id

    def work(i):
        from cowin_kit.accounts.models import CitizenAccount
        from cowin_kit.core.db import db

        ops.add_beneficiary(db.session.get(CitizenAccount, account_id), **person(40 + i))

    results = _race(app, 8, work)
    assert results.count(None) == 4 and results.count("BENEFICIARY_LIMIT") == 4


def test_document_encoding_birth_date_and_sex_is_cross_checked(make_app):
    app = make_app(PROFILE="mx")
    with app.app_context():
        from cowin_kit.profiles import get_profile

        doc = get_profile().id_document("curp")
        example = doc.example  # BOXW310820HNERXN09: born 1931-08-20, male
        account = sign_up("5512345678")
        _fails("INVALID_ID_DOCUMENT", ops.add_beneficiary, account, name="Pedro Páramo",
               birth_year=None, birth_date=dt.date(1931, 8, 21), gender="M",
               id_doc_type="curp", id_number=example)
        _fails("INVALID_ID_DOCUMENT", ops.add_beneficiary, account, name="Pedro Páramo",
               birth_year=None, birth_date=dt.date(1931, 8, 20), gender="F",
               id_doc_type="curp", id_number=example)
        b = ops.add_beneficiary(account, name="Pedro Páramo", birth_year=None,
                                birth_date=dt.date(1931, 8, 20), gender="M",
                                id_doc_type="curp", id_number=example)
        assert b.id_masked.startswith("BOXW") and "310820" not in b.id_masked
