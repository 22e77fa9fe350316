"""Birth doses at the facility (issue #19): a vaccinator registers a newborn under the mother's
account (or a mobile), records the birth doses, and the child's next routine due date is kept
on the row; look-ups of the mother are counted and audited."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.core.models import AuditEntry
from cowin_kit.registration import children
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary, Pregnancy, RoutineDose
from tests.citizen.helpers import aadhaar, person, sign_up
from tests.factories import sign_in


def _form(**overrides) -> dict:
    return {"name": "Baby Kumar", "gender": "M", "products": ["bcg", "opv", "hepb"],
            "lot-bcg": "BCG-1", "lot-opv": "OPV/2", "lot-hepb": "HB3", **overrides}


def test_newborn_under_the_mothers_account_with_birth_doses(client, db, world):
    account = sign_up()
    mother = ops.add_beneficiary(account, **person(1, birth_year=1996))
    children.record_pregnancy(account, mother.reference_id, week=39)
    facility = world.facilities["FA"]
    today = facility_today(facility)
    sign_in(client, world.staff["vaccinator"])
    page = client.get("/desk/newborn").get_data(as_text=True)
    assert 'value="bcg"' in page and 'value="hepb"' in page and 'value="penta"' not in page
    response = client.post("/desk/newborn", data=_form(mother=mother.reference_id,
                                                       birth_date=today.isoformat()))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    child = db.session.scalar(sa.select(Beneficiary).where(Beneficiary.mother_id == mother.id))
    assert child.account_id == mother.account_id and child.id_hash is None
    assert child.registered_by == world.staff["vaccinator"].id and child.guardian == "mother"
    doses = db.session.scalars(sa.select(RoutineDose).where(
        RoutineDose.beneficiary_id == child.id)).all()
    assert sorted(d.product for d in doses) == ["bcg", "hepb", "opv"]
    assert {d.facility_id for d in doses} == {facility.id} and {d.given_on for d in doses} == {today}
    # The birth doses are given: the next routine dose is at six weeks, stored on the row.
    assert child.next_routine_due == today + dt.timedelta(weeks=6)
    actions = [a.action for a in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.actor_id == str(world.staff["vaccinator"].id)))]
    assert "beneficiary.view" in actions and actions.count("routine_dose.record") == 3
    # The birth closes the mother's pregnancy (its Td doses are no longer due).
    pregnancy = db.session.scalar(sa.select(Pregnancy).where(Pregnancy.beneficiary_id == mother.id))
    assert pregnancy.ended_on == today
    assert db.session.get(Beneficiary, mother.id).next_routine_due is None
    # The child's card at the desk works without a document and shows no ID.
    card = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Baby Kumar" in card and "No identity document yet" in card


def test_newborn_under_a_mobile_and_bad_input_registers_nobody(client, db, world):
    today = facility_today(world.facilities["FA"])
    sign_in(client, world.staff["vaccinator"])
    good = _form(mobile="9876543219", birth_date=today.isoformat())
    for change, text in (({"mobile": ""}, "reference ID or a mobile number"),
                         ({"mother": "12345678901234", "mobile": ""}, "No registered mother"),
                         ({"birth_date": ""}, "Enter the date of birth"),
                         ({"birth_date": (today + dt.timedelta(days=1)).isoformat()},
                          "cannot be in the future"),
                         ({"products": ["penta"]}, "Choose the birth doses given"),
                         ({"products": []}, "Choose the birth doses given"),
                         ({"lot-bcg": "bad lot!"}, "A lot number is 1 to 20")):
        response = client.post("/desk/newborn", data={**good, **change})
        assert response.status_code == 422, (change, response.status_code)
        assert text in response.get_data(as_text=True), change
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutineDose)) == 0
    response = client.post("/desk/newborn", data=good)
    assert response.status_code == 302
    child = db.session.scalar(sa.select(Beneficiary))
    assert child.guardian == "guardian" and child.mother_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutineDose)) == 3
