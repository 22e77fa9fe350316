"""CoWIN v2 compatibility, round two (#17): what published 2021 clients sent and read that the
first surface did not take or give, checked over real HTTP against recorded CoWIN behaviour."""

from __future__ import annotations

import json
import uuid

import requests

from tests.api.conftest import otp_from_outbox, sha256
from tests.api.test_cowin_v2_contract import MOBILE, cowin_date

# -- 1. JSON bodies without Content-Type: application/json ---------------------------------------


def test_json_body_without_content_type_is_read(live_server, seeded, db):
    """Go's http.Post(url, "", body) sends no type, curl -d sends form-urlencoded: CoWIN read
    the JSON either way."""
    body = json.dumps({"mobile": MOBILE, "secret": "x"})
    for headers in ({}, {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "text/plain"}):
        r = requests.post(f"{live_server}/api/v2/auth/generateMobileOTP", data=body.encode(),
                          headers=headers)
        assert r.status_code == 200, (headers, r.text)
        uuid.UUID(r.json()["txnId"])
    txn = r.json()["txnId"]
    otp = otp_from_outbox(db, MOBILE[-4:])
    r = requests.post(f"{live_server}/api/v2/auth/validateMobileOtp",
                      data=json.dumps({"otp": sha256(otp), "txnId": txn}).encode())
    assert r.status_code == 200 and r.json()["token"]


def test_untyped_json_body_keeps_the_input_checks(live_server, seeded):
    url = f"{live_server}/api/v2/auth/generateMobileOTP"
    deep = ("[" * 200 + "]" * 200).encode()
    r = requests.post(url, data=deep)
    assert r.status_code == 400 and r.json()["errorCode"] == "JSON_TOO_DEEP"
    r = requests.post(url, data=b'{"mobile": "98765\\u0000"}')
    assert r.status_code == 400 and r.json()["errorCode"] == "NUL_CHARACTER"
    r = requests.post(url, data=b'{"mobile": "\\ud800"}')
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_CHARACTER"
    r = requests.post(url, data=b'{"mobile": ')
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_JSON"
    assert set(r.json()) == {"errorCode", "error"}
