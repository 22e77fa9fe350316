"""People without documents (issue #19): a child registered under a parent's account, an ID
attached later, a pregnancy, and the routine schedule's next due doses on the person's row."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cowin_kit.core.errors import KitError
from cowin_kit.core.models import AuditEntry
from cowin_kit.profiles import get_profile
from cowin_kit.registration import children
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary, Pregnancy, RoutineDose
from tests.citizen.helpers import aadhaar, bad_check_digit, person, sign_up


def _today() -> dt.date:
    return ops._today(get_profile())


def _fields(fn, *args, **kwargs) -> dict:
    with pytest.raises(KitError) as err:
        fn(*args, **kwargs)
    return {**err.value.fields, "_code": err.value.code}


def _child(account, days_old: int = 3, **overrides):
    data = {"name": "Baby Asha", "birth_date": _today() - dt.timedelta(days=days_old),
            "gender": "F", "guardian": "mother"}
    return children.add_child(account, **{**data, **overrides})


def test_a_child_is_registered_without_a_document_with_the_mothers_link(db, account):
    mother = ops.add_beneficiary(account, **person(1))
    child = _child(account, mother=mother.reference_id)
    row = db.session.get(Beneficiary, child.id)
    assert (row.id_doc_type, row.id_hash, row.id_masked) == (None, None, None)
    assert row.mother_id == mother.id and row.guardian == "mother"
    assert row.birth_date == _today() - dt.timedelta(days=3) and row.birth_year == row.birth_date.year
    # India's birth doses (BCG, OPV-0, Hep B within a day or two...) are due from birth.
    assert row.next_routine_due == row.birth_date
    names = {d.name for d in children.routine_due(row, _today())}
    assert {"BCG", "OPV-0"} <= names
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_id == child.reference_id)).one()
    assert audit.action == "beneficiary.create"


def test_bad_child_input_is_refused_field_by_field(db, account):
    today = _today()
    assert "birth_date" in _fields(_child, account, birth_date=None)
    assert "birth_date" in _fields(_child, account, birth_date=today + dt.timedelta(days=1))
    # India needs a document from 18 years on (routine.yaml's default documents_from).
    assert "birth_date" in _fields(_child, account, birth_date=dt.date(today.year - 19, 1, 1))
    found = _fields(_child, account, name="1234", gender="X", guardian="uncle")
    assert {"name", "gender", "guardian"} <= set(found)
    # The mother must be a woman of this account.
    other = ops.add_beneficiary(sign_up("9876500001"), **person(2))
    assert "mother" in _fields(_child, account, mother=other.reference_id)
    father = ops.add_beneficiary(account, **person(3, gender="M"))
    assert "mother" in _fields(_child, account, mother=father.reference_id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary)
                             .where(Beneficiary.id_hash.is_(None))) == 0


def test_an_id_is_attached_later_validated_and_unique(db, account):
    child = _child(account)
    found = _fields(children.attach_document, account, child.reference_id,
                    id_doc_type="aadhaar", id_number=bad_check_digit(aadhaar(9)))
    assert "id_number" in found
    assert "id_doc_type" in _fields(children.attach_document, account, child.reference_id,
                                    id_doc_type="nope", id_number=aadhaar(9))
    ops.add_beneficiary(account, **person(4))
    assert _fields(children.attach_document, account, child.reference_id,
                   id_doc_type="aadhaar", id_number=aadhaar(4))["_code"] == "DUPLICATE_ID_DOCUMENT"
    children.attach_document(account, child.reference_id, id_doc_type="aadhaar",
                             id_number=aadhaar(9))
    row = db.session.get(Beneficiary, child.id)
    assert row.id_doc_type == "aadhaar" and row.id_masked.endswith(aadhaar(9)[-4:])
    assert _fields(children.attach_document, account, child.reference_id, id_doc_type="aadhaar",
                   id_number=aadhaar(10))["_code"] == "HAS_ID_DOCUMENT"
    # Another account cannot attach to (or learn about) this child.
    assert _fields(children.attach_document, sign_up("9876500002"), child.reference_id,
                   id_doc_type="aadhaar", id_number=aadhaar(11))["_code"] == "BENEFICIARY_NOT_FOUND"


def test_a_pregnancy_makes_the_pregnancy_programme_due(db, account):
    woman = ops.add_beneficiary(account, **person(5, birth_year=_today().year - 25))
    assert not any(d.programme == "uip_pregnancy" for d in children.routine_due(woman, _today()))
    for bad in (0, 43):
        assert "week" in _fields(children.record_pregnancy, account, woman.reference_id, week=bad)
    assert "week" in _fields(children.record_pregnancy, account, woman.reference_id)
    assert "expected_delivery" in _fields(children.record_pregnancy, account, woman.reference_id,
                                          expected_delivery=_today() - dt.timedelta(days=1))
    man = ops.add_beneficiary(account, **person(6, gender="M"))
    assert "person" in _fields(children.record_pregnancy, account, man.reference_id, week=12)
    pregnancy = children.record_pregnancy(account, woman.reference_id, week=12)
    assert pregnancy.start == _today() - dt.timedelta(weeks=12)
    assert pregnancy.expected_delivery == pregnancy.start + dt.timedelta(weeks=40)
    due = children.routine_due(db.session.get(Beneficiary, woman.id), _today())
    assert any(d.programme == "uip_pregnancy" for d in due)
    assert db.session.get(Beneficiary, woman.id).next_routine_due is not None
    assert _fields(children.record_pregnancy, account, woman.reference_id,
                   week=13)["_code"] == "OPEN_PREGNANCY"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pregnancy)) == 1


def test_next_routine_due_is_stored_after_a_routine_dose(db, account):
    child = _child(account, days_old=1)
    before = children.routine_due(child, _today())
    assert child.next_routine_due == child.birth_date
    for product in ("bcg", "opv", "hepb"):
        db.session.add(RoutineDose(beneficiary_id=child.id, product=product,
                                   given_on=child.birth_date))
    db.session.flush()
    children.store_next_routine_due(child, _today())
    db.session.commit()
    row = db.session.get(Beneficiary, child.id)
    # The birth doses are given: next come the six-week doses.
    assert row.next_routine_due == child.birth_date + dt.timedelta(weeks=6)
    assert row.next_routine_overdue > row.next_routine_due
    assert len(children.routine_due(row, _today())) < len(before)


def test_documents_from_comes_from_the_profile(db, account, monkeypatch):
    import dataclasses

    from cowin_kit.profiles.routine_model import build_routine

    profile = get_profile()
    adult = {"birth_date": dt.date(_today().year - 30, 1, 1), "name": "Ravi Kumar"}
    assert "birth_date" in _fields(_child, account, **adult)
    # null: people of any age may be registered without a document.
    monkeypatch.setattr(profile, "routine", dataclasses.replace(profile.routine,
                                                                documents_from=None))
    assert _child(account, **adult).id_hash is None
    source = dict(profile.routine.source)
    data = {"schema_version": 1, "source": source, "antigens": [], "products": [],
            "programmes": []}
    assert build_routine({**data, "documents_from": "5y"}).documents_from.years == 5
    assert build_routine({**data, "documents_from": None}).documents_from is None
    assert build_routine(data).documents_from.years == 18


def test_a_pregnancy_by_expected_delivery_date(db, account):
    woman = ops.add_beneficiary(account, **person(7, birth_year=_today().year - 30))
    due = _today() + dt.timedelta(weeks=30)
    pregnancy = children.record_pregnancy(account, woman.reference_id, expected_delivery=due)
    assert pregnancy.week_at_registration == 10 and pregnancy.start == due - dt.timedelta(weeks=40)
    assert "week" in _fields(children.record_pregnancy, account, woman.reference_id, week=12,
                             expected_delivery=due)
