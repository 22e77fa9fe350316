"""The FHIR bundle validates with an independent library and only reaches entitled readers."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from cowin_kit.core.models import AuditEntry
from tests.reporting.conftest import TODAY, make_staff, sign_in


def _person_with_doses(db, world, account=None):
    person = world.person(birth_year=1975, gender="M", area_code="S1-D1",
                          account_id=account.id if account else None)
    world.dose(person, vaccine="comirnaty", day=TODAY - dt.timedelta(days=40))
    world.dose(person, vaccine="comirnaty", number=2, day=TODAY)
    db.session.commit()
    return person


def test_bundle_validates_and_carries_codes_and_protocol(client, db, world):
    person = _person_with_doses(db, world)
    sign_in(client, make_staff(db, "area_admin", area=world.areas["S1"]))
    response = client.get(f"/api/kit/v1/beneficiaries/{person.reference_id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate(response.get_json())
    assert bundle.type == "collection"
    patient, *immunizations = [e.resource for e in bundle.entry]
    assert patient.__resource_type__ == "Patient" and patient.gender == "male"
    assert len(immunizations) == 2
    first = immunizations[0]
    systems = {c.system: c.code for c in first.vaccineCode.coding}
    assert systems["http://id.who.int/icd/release/11/mms"] == "XM8NQ0"
    assert systems["http://snomed.info/sct"]
    assert first.lotNumber == "LOT1" and first.location.display.startswith("Centre")
    assert first.performer[0].actor.display
    assert first.protocolApplied[0].doseNumberPositiveInt == 1
    assert first.protocolApplied[0].seriesDosesPositiveInt == 2
    assert first.patient.reference == bundle.entry[0].fullUrl
    logged = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "beneficiary.fhir_export")).all()
    assert [e.object_id for e in logged] == [str(person.id)]


def test_only_entitled_readers_get_the_bundle(make_app, app, db, world):
    from cowin_kit.accounts.models import CitizenAccount

    owner = CitizenAccount(mobile="+51987654321")
    other = CitizenAccount(mobile="+51987654322")
    db.session.add_all([owner, other])
    db.session.commit()
    person = _person_with_doses(db, world, account=owner)
    url = f"/api/kit/v1/beneficiaries/{person.reference_id}/fhir"
    web = make_app(PROFILE="pe")

    def get_as(setup):
        client = web.test_client()
        setup(client)
        return client.get(url).status_code

    def citizen(account):
        def setup(client):
            from tests.factories import citizen_sign_in

            citizen_sign_in(client, account)
        return setup

    assert get_as(lambda c: None) == 401
    assert get_as(citizen(owner)) == 200
    assert get_as(citizen(other)) == 404
    south = make_staff(db, "area_admin", area=world.areas["S2"])
    assert get_as(lambda c: sign_in(c, south)) == 403
    national = make_staff(db, "national_admin")
    assert get_as(lambda c: sign_in(c, national)) == 200
    # Vaccinated at S1-D1 (the helper's default facility): that facility's vaccinator may read.
    here = make_staff(db, "vaccinator", facility=world.facilities["S1-D1"])
    elsewhere = make_staff(db, "vaccinator", facility=world.facilities["S2-D1"])
    assert get_as(lambda c: sign_in(c, here)) == 200
    assert get_as(lambda c: sign_in(c, elsewhere)) == 403
