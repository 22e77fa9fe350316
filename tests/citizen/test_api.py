"""Native API /api/kit/v1: OTP sign-in, Bearer token, beneficiaries; shapes and error codes."""

from __future__ import annotations

import hashlib

from tests.citizen.helpers import MOBILE, aadhaar, bad_check_digit, last_otp, person, sign_up

API = "/api/kit/v1"


def api_token(client, mobile=MOBILE, sha=False):
    response = client.post(f"{API}/auth/otp", json={"mobile": mobile})
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == {"txn_id", "mobile", "expires_at", "resend_after_seconds"}
    assert body["mobile"].endswith(mobile[-4:]) and mobile not in body["mobile"]
    otp = last_otp("+91" + mobile)
    if sha:
        otp = hashlib.sha256(otp.encode()).hexdigest()
    response = client.post(f"{API}/auth/otp/confirm", json={"txn_id": body["txn_id"], "otp": otp})
    assert response.status_code == 200, response.json
    return response.json


def test_sign_in_returns_a_bearer_token(client):
    body = api_token(client, sha=True)
    assert set(body) == {"token", "expires_at", "new_account", "mobile"}
    assert body["new_account"] is True and body["mobile"] == "******3210"


def test_errors_have_stable_codes(client):
    response = client.post(f"{API}/auth/otp", json={"mobile": "12"})
    assert response.status_code == 422 and response.json["error"]["code"] == "INVALID_MOBILE"
    response = client.post(f"{API}/auth/otp", json={})
    assert response.status_code == 422 and "mobile" in response.json["error"]["fields"]["json"]
    txn = client.post(f"{API}/auth/otp", json={"mobile": MOBILE}).json["txn_id"]
    response = client.post(f"{API}/auth/otp", json={"mobile": MOBILE})
    assert response.status_code == 429
    assert response.json["error"]["code"] == "OTP_RESEND_TOO_SOON"
    wrong = "000000" if last_otp() != "000000" else "111111"
    response = client.post(f"{API}/auth/otp/confirm", json={"txn_id": txn, "otp": wrong})
    assert response.status_code == 422 and response.json["error"]["code"] == "OTP_WRONG"


def test_error_message_follows_accept_language(client):
    response = client.post(f"{API}/auth/otp", json={"mobile": "12"},
                           headers={"Accept-Language": "hi-IN"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "INVALID_MOBILE"
    assert response.json["error"]["message"]


def test_beneficiaries_need_a_token(client):
    response = client.get(f"{API}/beneficiaries")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "UNAUTHENTICATED"
    response = client.get(f"{API}/beneficiaries", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_beneficiary_crud_never_returns_identity_numbers(client):
    auth = {"Authorization": f"Bearer {api_token(client)['token']}"}
    number = aadhaar(50)
    body = {**person(50), "groups": ["health_worker"]}
    response = client.post(f"{API}/beneficiaries", json=body, headers=auth)
    assert response.status_code == 201, response.json
    created = response.json
    assert number not in response.get_data(as_text=True)
    assert created["id_masked"].endswith(number[-4:]) and "id_number" not in created
    assert created["vaccination_status"] == "none" and created["doses"] == 0
    ref = created["reference_id"]
    listing = client.get(f"{API}/beneficiaries", headers=auth).json
    assert [b["reference_id"] for b in listing] == [ref]
    assert client.get(f"{API}/beneficiaries/{ref}", headers=auth).json["name"] == "Asha Devi"
    response = client.post(f"{API}/beneficiaries", json=body, headers=auth)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "DUPLICATE_ID_DOCUMENT"
    response = client.post(f"{API}/beneficiaries", headers=auth,
                           json={**person(51), "id_number": bad_check_digit(aadhaar(51))})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "INVALID_ID_DOCUMENT"
    assert "id_number" in response.json["error"]["fields"]
    assert client.delete(f"{API}/beneficiaries/{ref}", headers=auth).status_code == 204
    response = client.get(f"{API}/beneficiaries/{ref}", headers=auth)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "BENEFICIARY_NOT_FOUND"


def test_tampered_reference_ids_are_not_found(client):
    from cowin_kit.registration.operations import add_beneficiary

    other = sign_up("9812345678")
    ref = add_beneficiary(other, **person(60)).reference_id
    auth = {"Authorization": f"Bearer {api_token(client)['token']}"}
    assert client.get(f"{API}/beneficiaries/{ref}", headers=auth).status_code == 404
    assert client.delete(f"{API}/beneficiaries/{ref}", headers=auth).status_code == 404


def test_session_cookie_needs_a_custom_header_for_unsafe_api_calls(client):
    from tests.citizen.test_web import web_sign_in

    web_sign_in(client)
    assert client.get(f"{API}/beneficiaries").status_code == 200
    response = client.post(f"{API}/beneficiaries", json=person(70))
    assert response.status_code == 401
    response = client.post(f"{API}/beneficiaries", json=person(70),
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 201


def test_openapi_documents_the_citizen_endpoints(client):
    spec = client.get(f"{API}/openapi.json").json
    for path in ("/api/kit/v1/auth/otp", "/api/kit/v1/auth/otp/confirm",
                 "/api/kit/v1/beneficiaries", "/api/kit/v1/beneficiaries/{reference_id}"):
        assert path in spec["paths"], path
    assert "citizenBearer" in spec["components"]["securitySchemes"]


def test_otp_requests_are_limited_per_client_address(make_app):
    app = make_app(OTP_RATE_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    codes = [client.post(f"{API}/auth/otp", json={"mobile": f"98123456{i:02d}"}).status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429]
