"""SMART Health Cards to the letter (spec.smarthealth.cards, VCI 1.4): the credential types, the
revocation files outside verifiers read ("Revocation": crlVersion on the JWK, the per-key CRL
with kid, method, ctr and rids), and cards that fit one QR code ("Health Cards as QR codes")."""

from __future__ import annotations

import hashlib
import json
import re
import zlib

import pytest

from cowin_kit.certificates.formats import jose, shc

from . import samples
from .test_issuance import _account, _certs, _dose, app, place  # noqa: F401 - fixtures
from .world import make_person, sign_in


def claims_of(jws: str) -> dict:
    return json.loads(zlib.decompress(jose.b64u_decode(jws.split(".")[1]), -15))


def signed(data) -> str:
    key = samples.ec_key_and_certificate()[0]
    return shc.encode(data, key, jose.thumbprint(key.public_key()))


def test_vc_type_is_health_card_only():
    """VCI 1.4.0: the #immunization and #covid19 types are deprecated."""
    assert claims_of(signed(samples.certificate()))["vc"]["type"] == ["https://smarthealth.cards#health-card"]


def test_rid_uses_the_base64url_alphabet_within_24_characters():
    """"Revocation": rid SHALL use the base64url alphabet and be no longer than 24 characters."""
    rid = claims_of(signed(samples.certificate(revocation_id="9f2c4e1ab3d5c7e8")))["vc"]["rid"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,24}", rid)


def test_predicted_length_is_the_signed_length():
    data = samples.certificate()
    assert shc.jws_length(shc.payload(data)) == len(signed(data))


def test_a_card_too_long_for_one_qr_drops_optional_performers_then_is_refused():
    """"Health Cards as QR codes": a JWS over 1195 characters needs chunking (deprecated)."""
    # distinct facility names that do not compress away
    doses = [samples.dose(n, 2, facility_name=hashlib.sha256(bytes([n])).hexdigest()) for n in range(1, 8)]
    data = samples.certificate(doses=doses)
    with_performers = shc.bundle(data, performers=True)
    assert len(json.dumps(with_performers)) > len(json.dumps(shc.bundle(data, performers=False)))
    jws = signed(data)
    entries = claims_of(jws)["vc"]["credentialSubject"]["fhirBundle"]["entry"]
    assert all("performer" not in e["resource"] for e in entries[1:])
    assert len(jws) <= shc.MAX_QR_JWS
    assert shc.from_qr_text(shc.to_qr_text(jws)) == jws
    huge = samples.certificate(name=hashlib.sha512(b"name").hexdigest(), doses=[
        samples.dose(n, 2, batch=hashlib.sha256(bytes([n])).hexdigest()[:40]) for n in range(1, 16)])
    too_long = signed(huge)
    assert len(too_long) > shc.MAX_QR_JWS
    with pytest.raises(shc.ShcError):
        shc.to_qr_text(too_long)


def _lists(client):
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    return keys, [client.get(f"/.well-known/crl/{key['kid']}.json").get_json() for key in keys]


def test_revocation_files_follow_the_spec(app, db, place):  # noqa: F811 - fixtures
    """"Revocation": every JWK carries crlVersion = the CRL's ctr; ctr starts at 1 and goes up by
    one per update of the list, however many cards the update revokes."""
    from cowin_kit.certificates import issuance, operations

    facility, vaccinator, admin = place
    account = _account(db)
    person = make_person(db, account=account, name="Asha Devy")
    _dose(db, person, facility, vaccinator, 1)
    _dose(db, person, facility, vaccinator, 2)
    first, second = _certs(db, person)
    cards = [issuance.qr_payload(cert, "shc") for cert in (first, second)]
    client = app.test_client()
    keys, lists = _lists(client)
    assert keys and all(k["crlVersion"] == 1 for k in keys)
    assert [(c["kid"], c["method"], c["ctr"], c["rids"]) for c in lists] == [(k["kid"], "rid", 1, []) for k in keys]

    req = operations.request_correction(account, person.reference_id, "name", "Asha Devi")
    sign_in(client, admin)
    response = client.post(f"/api/kit/v1/certificates/corrections/{req.id}/approve", json={"note": "ok"},
                           headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200
    keys, lists = _lists(client)
    assert all(k["crlVersion"] == 2 for k in keys) and all(c["ctr"] == 2 for c in lists)
    # an outside verifier: the card's vc.rid is listed, without a timestamp suffix (every card
    # with that rid is revoked), in the list of the key that signed it
    for card in cards:
        jws = shc.from_qr_text(card)
        kid = json.loads(jose.b64u_decode(jws.split(".")[0]))["kid"]
        crl = next(c for c in lists if c["kid"] == kid)
        assert claims_of(jws)["vc"]["rid"] in crl["rids"]
    new = _certs(db, person)[-1]
    new_rid = claims_of(shc.from_qr_text(issuance.qr_payload(new, "shc")))["vc"]["rid"]
    assert new_rid not in lists[0]["rids"] and len(lists[0]["rids"]) == 2

    req = operations.request_correction(account, person.reference_id, "name", "Asha D.")
    response = client.post(f"/api/kit/v1/certificates/corrections/{req.id}/approve", json={"note": "ok"},
                           headers={"X-Requested-With": "XMLHttpRequest"})
    keys, lists = _lists(client)
    assert all(k["crlVersion"] == 3 for k in keys) and lists[0]["ctr"] == 3
    assert new_rid in lists[0]["rids"]
