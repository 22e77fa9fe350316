"""Native API: availability (validated, cached), sessions, appointments with idempotency."""

from __future__ import annotations

import uuid

import pytest
from flask import g
import sqlalchemy as sa

from tests.booking.conftest import sign_in

JSON = {"X-Requested-With": "fetch"}


@pytest.fixture
def api(app, client, areas, make_facility, make_session, make_beneficiary):
    session = make_session(make_facility(areas["a"]), capacities={"1": 2, "2": 2})
    person = make_beneficiary()
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.core.db import db

    sign_in(client, db.session.get(CitizenAccount, person.account_id))
    return {"session": session, "person": person, "client": client}


def book(api, **extra):
    body = {"reference_id": api["person"].reference_id, "session_id": str(api["session"].id),
            "slot": api["session"].slots[0], **extra.pop("body", {})}
    return api["client"].post("/api/kit/v1/appointments", json=body,
                              headers={**JSON, **extra.pop("headers", {})})


def test_availability_is_public_and_validated(client, api, areas, today):
    response = client.get(f"/api/kit/v1/availability?area_id={areas['state'].id}"
                          f"&date={today.strftime('%d-%m-%Y')}")
    assert response.status_code == 200
    centres = response.get_json()["centers"]
    assert centres[0]["sessions"][0]["capacity"] == {"1": 2, "2": 2}
    for bad in ("age=abc", "days=0", "dose_kind=9", "date=32-01-2021", "fee_type=x"):
        response = client.get(f"/api/kit/v1/availability?{bad}")
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["code"] == "VALIDATION_FAILED"


def test_booking_flow_over_the_api(api, db):
    from cowin_kit.booking.models import Appointment

    response = book(api, headers={"Idempotency-Key": "abc"})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["dose"] == 1 and len(made["secret_code"]) == 4 and made["status"] == "booked"
    # A network retry returns the same appointment, and nothing more is claimed.
    again = book(api, headers={"Idempotency-Key": "abc"})
    assert again.get_json()["appointment_id"] == made["appointment_id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 1
    # Without the key, a second booking of the same dose is refused.
    refused = book(api)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "ALREADY_BOOKED"

    client, aid = api["client"], made["appointment_id"]
    assert client.get(f"/api/kit/v1/appointments/{aid}").get_json()["slot"] == made["slot"]
    pdf = client.get(f"/api/kit/v1/appointments/{aid}/slip.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    moved = client.post(f"/api/kit/v1/appointments/{aid}/reschedule", headers=JSON,
                        json={"session_id": made["session_id"], "slot": api["session"].slots[1]})
    assert moved.status_code == 200 and moved.get_json()["slot"] == api["session"].slots[1]
    cancelled = client.post(f"/api/kit/v1/appointments/{aid}/cancel", headers=JSON, json={})
    assert cancelled.get_json()["status"] == "cancelled"
    again = client.post(f"/api/kit/v1/appointments/{aid}/cancel", headers=JSON, json={})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "APPOINTMENT_NOT_ACTIVE"


@pytest.mark.parametrize("change, status, code", [
    ({"session_id": "x' OR '1'='1"}, 404, "SESSION_NOT_FOUND"),
    ({"session_id": str(uuid.uuid4())}, 404, "SESSION_NOT_FOUND"),
    ({"slot": "23:00-23:59"}, 422, "SLOT_NOT_OFFERED"),
    ({"reference_id": "99999999999999"}, 404, "BENEFICIARY_NOT_FOUND"),
    ({"dose": 2}, 422, "WRONG_DOSE"),
    ({"slot": None}, 422, "VALIDATION_FAILED"),
])
def test_bad_booking_requests(api, db, change, status, code):
    from cowin_kit.booking.models import SessionCapacity

    body = {k: v for k, v in change.items() if v is not None}
    if change.get("slot", "") is None:
        response = api["client"].post("/api/kit/v1/appointments", headers=JSON, json={
            "reference_id": api["person"].reference_id, "session_id": str(api["session"].id)})
    else:
        response = book(api, body=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(sa.select(sa.func.sum(SessionCapacity.booked))) == 0


def test_full_session_is_409(api, make_beneficiary):
    from cowin_kit.booking import operations

    for _ in range(2):
        operations.book(make_beneficiary(), api["session"].id, api["session"].slots[0])
    response = book(api)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "SESSION_FULL"


def test_others_appointments_and_anonymous_access(api, client, app, make_beneficiary):
    from cowin_kit.booking import operations

    stranger = operations.book(make_beneficiary(), api["session"].id, api["session"].slots[0])
    response = api["client"].get(f"/api/kit/v1/appointments/{stranger.id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "APPOINTMENT_NOT_FOUND"
    g.pop("citizen_account", None)  # the test's app context outlives each request's
    anonymous = app.test_client()
    assert anonymous.get(f"/api/kit/v1/appointments/{stranger.id}").status_code == 401
    assert anonymous.post("/api/kit/v1/appointments", json={}).status_code in (401, 422)


def test_session_endpoint_and_openapi(client, api):
    sid = str(api["session"].id)
    body = client.get(f"/api/kit/v1/sessions/{sid}").get_json()
    assert body["session"]["session_id"] == sid
    assert client.get("/api/kit/v1/sessions/nope").status_code == 404
    paths = client.get("/api/kit/v1/openapi.json").get_json()["paths"]
    assert "/api/kit/v1/availability" in paths and "/api/kit/v1/appointments" in paths


def test_personal_availability_explains_itself(api, client, areas, today, give_dose):
    give_dose(api["person"], api["session"], 1, today)
    response = api["client"].get(f"/api/kit/v1/availability?area_id={areas['state'].id}"
                                 f"&reference_id={api['person'].reference_id}")
    body = response.get_json()
    assert response.status_code == 200 and body["centers"] == [] and body["reason"]
    g.pop("citizen_account", None)
    assert client.application.test_client().get(
        f"/api/kit/v1/availability?reference_id={api['person'].reference_id}").status_code == 401


def test_public_availability_can_come_gzipped(client, api, areas):
    import gzip
    import json

    url = f"/api/kit/v1/availability?area_id={areas['state'].id}"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert "Content-Encoding" not in plain.headers
