"""Every /api/v2 contract call answers what /api/v2/openapi.json says.

The journey of a 2021 client (metadata, public availability, the three OTP logins,
beneficiaries, captcha, schedule, reschedule, cancel, slip, certificate) runs through the test
client, and each REAL answer is checked against its operation's response for the status it
returned: the status is documented, the content type is the documented one, the JSON body
validates against the schema (OpenAPI 3.0 semantics, openapi-schema-validator) and every field
it carries is documented. Every documented operation is called at least once.
"""

from __future__ import annotations

import pytest
import referencing
import referencing.jsonschema
from openapi_schema_validator import OAS30ReadValidator

from tests.api.conftest import otp_from_outbox, sha256
from tests.api.test_cowin_v2_contract import AADHAAR, cowin_date

URI = "urn:cowin-kit:api-v2"
METHODS = ("get", "post", "put", "patch", "delete")


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class Contract:
    """Calls /api/v2 through the test client and checks each answer against the document."""

    def __init__(self, client, document: dict) -> None:
        self.client, self.document = client, document
        self.registry = referencing.Registry().with_resource(
            URI, referencing.jsonschema.DRAFT4.create_resource(document))
        self.called: set[tuple[str, str]] = set()

    def resolve(self, pointer: str):
        node = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def call(self, method: str, path: str, template: str | None = None, **kwargs):
        response = getattr(self.client, method)(f"/api/v2{path}", **kwargs)
        self.check(method, template or path, response)
        return response

    def check(self, method: str, template: str, response) -> None:
        where = f"{method.upper()} {template} -> {response.status_code}"
        responses = self.document["paths"][template][method]["responses"]
        status = str(response.status_code)
        assert status in responses, f"{where}: status not documented ({response.get_data()[:200]})"
        pointer = f"/paths/{_escape(template)}/{method}/responses/{status}"
        if "$ref" in responses[status]:
            pointer = responses[status]["$ref"].lstrip("#")
        content = self.resolve(pointer).get("content") or {}
        if not content:
            assert response.get_data() == b"", where
        else:
            assert response.mimetype in content, f"{where}: {response.mimetype} not documented"
        if response.mimetype == "application/json":
            schema = f"{pointer}/content/{_escape(response.mimetype)}/schema"
            body = response.get_json()
            validator = OAS30ReadValidator({"$ref": f"{URI}#{schema}"}, registry=self.registry)
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                      for e in validator.iter_errors(body)]
            assert not errors, f"{where}: {errors[:5]}"
            extra = self.undocumented(body, self.resolve(schema))
            assert not extra, f"{where}: fields not in the document: {extra}"
        elif response.mimetype == "application/pdf":
            assert response.get_data().startswith(b"%PDF-"), where
        self.called.add((method.upper(), template))

    def parts(self, schema: dict) -> list[dict]:
        """The schema and every schema it composes (allOf/oneOf/anyOf), references resolved."""
        if "$ref" in schema:
            schema = self.resolve(schema["$ref"].lstrip("#"))
        found = [schema]
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key, []):
                found += self.parts(part)
        return found

    def undocumented(self, value, schema: dict, where: str = "") -> list[str]:
        """Paths of the body's fields that no property of the schema documents."""
        parts = self.parts(schema)
        extra: list[str] = []
        if isinstance(value, dict):
            properties: dict[str, list] = {}
            for part in parts:
                for name, sub in (part.get("properties") or {}).items():
                    properties.setdefault(name, []).append(sub)
            for name, item in value.items():
                if name not in properties:
                    extra.append(f"{where}.{name}")
                else:
                    extra += self.undocumented(item, {"anyOf": properties[name]}, f"{where}.{name}")
        elif isinstance(value, list):
            items = [part["items"] for part in parts if "items" in part]
            for index, item in enumerate(value[:3]):
                extra += self.undocumented(item, {"anyOf": items}, f"{where}[{index}]")
        return sorted(set(extra))


@pytest.fixture
def contract(app, client):
    document = client.get("/api/v2/openapi.json").get_json()
    return Contract(client, document)


def _login(contract, db, mobile: str, generate: str, confirm: str, **extra) -> dict:
    txn = contract.call("post", generate, json={"mobile": mobile, **extra}).get_json()["txnId"]
    otp = otp_from_outbox(db, mobile[-4:])
    wrong = "000000" if otp != "000000" else "111111"
    contract.call("post", confirm, json={"otp": sha256(wrong), "txnId": txn})
    answer = contract.call("post", confirm, json={"otp": sha256(otp), "txnId": txn})
    assert answer.status_code == 200, answer.get_data()
    return answer.get_json()


def test_every_contract_answer_matches_the_document(app, db, seeded, contract):
    from cowin_kit.vaccination.operations import record_dose
    from tests.factories import make_staff

    day = cowin_date(seeded["sessions"][0].date)
    free, paid = seeded["facilities"]
    district = seeded["district_cowin_id"]

    # Metadata and public availability, with the refusals a client meets.
    contract.call("get", "/admin/location/states")
    contract.call("get", "/admin/location/districts/21", "/admin/location/districts/{state_id}")
    contract.call("get", "/admin/location/districts/141", "/admin/location/districts/{state_id}")
    where = {"findByPin": {"pincode": "412207"}, "findByDistrict": {"district_id": district},
             "calendarByPin": {"pincode": "412207"}, "calendarByDistrict": {"district_id": district},
             "calendarByCenter": {"center_id": paid.id}}
    for name, params in where.items():
        path = f"/appointment/sessions/public/{name}"
        assert contract.call("get", path, query_string={**params, "date": day}).status_code == 200
        contract.call("get", path, query_string=params)  # no date: 400
    contract.call("get", "/appointment/sessions/public/findByPin",
                  query_string={"pincode": "abc", "date": day})
    contract.call("get", "/appointment/sessions/public/calendarByCenter",
                  query_string={"center_id": 987654, "date": day})
    near = {"lat": "18.57", "long": "73.97"}
    assert contract.call("get", "/appointment/centers/public/findByLatLong",
                         query_string=near).get_json()["centers"]
    contract.call("get", "/appointment/beneficiaries")  # no token: 401

    # The three OTP logins: public, the web app's and API Setu's partner flavour.
    _login(contract, db, "9876500011", "/auth/public/generateOTP", "/auth/public/confirmOTP")
    _login(contract, db, "9876500012", "/auth/generateOTP", "/auth/confirmOTP")
    token = _login(contract, db, "9876543210", "/auth/generateMobileOTP",
                   "/auth/validateMobileOtp", secret="U2FsdGVkX1+anything")["token"]
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "hi_IN"}

    contract.call("get", "/registration/beneficiary/idTypes", headers=auth)
    contract.call("get", "/registration/beneficiary/genders", headers=auth)
    for name, params in where.items():
        contract.call("get", f"/appointment/sessions/{name}", headers=auth,
                      query_string={**params, "date": day})
    contract.call("get", "/appointment/centers/findByLatLong", headers=auth, query_string=near)

    # Beneficiaries, captcha, schedule, the list with its appointment, slip, reschedule, cancel.
    person = {"name": "Asha Devi", "birth_year": "1961", "gender_id": 2, "photo_id_type": 1,
              "photo_id_number": AADHAAR, "consent_version": "V1"}
    ref = contract.call("post", "/registration/beneficiary/new", headers=auth,
                        json=person).get_json()["beneficiary_reference_id"]
    contract.call("post", "/registration/beneficiary/new", headers=auth, json=person)  # 409
    other = contract.call("post", "/registration/beneficiary/new", headers=auth, json={
        **person, "name": "Ravi Kumar", "photo_id_type": 4, "photo_id_number": "J8369854",
        "gender_id": 1}).get_json()["beneficiary_reference_id"]
    contract.call("post", "/auth/getRecaptcha", headers=auth, json={})
    booking = {"dose": 1, "session_id": str(seeded["sessions"][0].id),
               "slot": "09:00AM-11:00AM", "beneficiaries": [ref]}
    appointment = contract.call("post", "/appointment/schedule", headers=auth, json=booking
                                ).get_json()["appointment_confirmation_no"]
    contract.call("post", "/appointment/schedule", headers=auth, json=booking)  # 409
    people = contract.call("get", "/appointment/beneficiaries", headers=auth).get_json()
    assert any(p["appointments"] for p in people["beneficiaries"])
    contract.call("get", "/appointment/appointmentslip/download", headers=auth,
                  query_string={"appointment_id": appointment})
    moved = contract.call("post", "/appointment/reschedule", headers=auth, json={
        "appointment_id": appointment, "session_id": booking["session_id"],
        "slot": "11:00AM-01:00PM"})
    assert moved.status_code == 204
    cancelled = contract.call("post", "/appointment/cancel", headers=auth,
                              json={"appointment_id": appointment, "beneficiariesToCancel": [ref]})
    assert cancelled.status_code == 204
    deleted = contract.call("post", "/registration/beneficiary/delete", headers=auth,
                            json={"beneficiary_reference_id": other})
    assert deleted.status_code == 204

    # Certificates: none before the first dose, the PDF after it.
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.profiles import get_profile
    from cowin_kit.registration.models import Beneficiary

    ensure_keys(app, get_profile())
    download = {"beneficiary_reference_id": ref}
    for path in ("/registration/certificate/download",
                 "/registration/certificate/public/download"):
        none = contract.call("get", path, headers=auth, query_string=download)
        assert none.status_code == 404 and none.get_json()["errorCode"] == "NO_CERTIFICATE"
    vaccinator = make_staff(db, "vaccinator", "vac", facility=free)
    beneficiary = db.session.query(Beneficiary).filter_by(reference_id=ref).one()
    db.session.commit()
    with app.test_request_context():
        record_dose(vaccinator, beneficiary, vaccine=seeded["vaccine"].id, lot="4121Z025")
    for path in ("/registration/certificate/download",
                 "/registration/certificate/public/download"):
        pdf = contract.call("get", path, headers=auth, query_string=download)
        assert pdf.status_code == 200, pdf.get_data()[:300]

    documented = {(method.upper(), path) for path, item in contract.document["paths"].items()
                  for method in item if method in METHODS}
    assert documented - contract.called == set()


#: The paths of API Setu's CoWIN specification v2.1.0 (its public and protected documents, as
#: the client generated from them, PyPI's cowin-api 1.0.1, calls them), relative to /api/v2.
API_SETU_2_1_0 = {
    "/auth/public/generateOTP", "/auth/public/confirmOTP", "/auth/generateOTP",
    "/auth/confirmOTP", "/admin/location/states", "/admin/location/districts/{state_id}",
    "/registration/beneficiary/idTypes", "/registration/beneficiary/genders",
    "/registration/beneficiary/new", "/registration/beneficiary/delete",
    "/appointment/sessions/public/findByPin", "/appointment/sessions/public/findByDistrict",
    "/appointment/sessions/public/calendarByPin",
    "/appointment/sessions/public/calendarByDistrict", "/appointment/sessions/findByPin",
    "/appointment/sessions/findByDistrict", "/appointment/sessions/calendarByPin",
    "/appointment/sessions/calendarByDistrict", "/appointment/centers/findByLatLong",
    "/appointment/beneficiaries", "/appointment/schedule", "/appointment/reschedule",
    "/appointment/cancel", "/appointment/appointmentslip/download",
    "/registration/certificate/download", "/registration/certificate/public/download",
}


def test_the_kits_additions_are_marked(client):
    """Operations API Setu v2.1.0 does not have carry `x-cowin-kit: true`; its own do not."""
    document = client.get("/api/v2/openapi.json").get_json()
    marked = {path for path, item in document["paths"].items()
              if any(op.get("x-cowin-kit") is True for m, op in item.items() if m in METHODS)}
    assert marked == set(document["paths"]) - API_SETU_2_1_0
    assert {"/auth/generateMobileOTP", "/appointment/sessions/public/calendarByCenter"} <= marked
    schemas = document["components"]["schemas"]
    session = schemas["SessionFields"]["properties"]
    assert all(session[name].get("x-cowin-kit") for name in (
        "available_capacity_dose1", "available_capacity_dose2", "max_age_limit", "allow_all_age"))
    assert not any(field.get("x-cowin-kit") for name, field in session.items()
                   if name in ("session_id", "date", "available_capacity", "min_age_limit"))
