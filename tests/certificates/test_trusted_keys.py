"""/api/kit/v1/certificates/keys also lists the other issuers the verifier trusts (KEYS_DIR/
trust), public parts only, for the offline verifier; its "formats" stay this instance's keys."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cowin_kit.certificates.formats import jose
from tests.certificates.samples import ec_key_and_certificate


def test_keys_lists_trusted_issuers_without_private_members(app):
    trust = Path(app.config["KEYS_DIR"]) / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    _key, dsc = ec_key_and_certificate("Other Ministry DSC")
    (trust / "other.pem").write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**jose.public_jwk(key.public_key()), "kid": "k1", "alg": "ES256",
           "d": jose.b64u(key.private_numbers().private_value.to_bytes(32, "big"))}
    (trust / "other.json").write_text(json.dumps({"iss": "https://other.example", "name": "Other Ministry",
                                                  "keys": [jwk, {"kty": "EC", "kid": "broken"}]}))
    body = app.test_client().get("/api/kit/v1/certificates/keys").get_json()
    assert set(body["formats"]) == {"divoc_vc", "eu_dcc", "ddcc", "shc"}
    assert all(k["kid"] != "k1" for k in body["formats"]["shc"])  # not mixed into its own keys
    [hcert] = body["trusted"]["hcert"]
    assert hcert["name"] == "Other Ministry DSC" and hcert["jwk"]["kty"] == "EC"
    assert hcert["certificate"] and "d" not in hcert["jwk"]
    [keyset] = body["trusted"]["jwks"]
    assert keyset["iss"] == "https://other.example" and keyset["name"] == "Other Ministry"
    assert keyset["keys"] == [{**jose.public_jwk(key.public_key()), "kid": "k1", "alg": "ES256"}]
