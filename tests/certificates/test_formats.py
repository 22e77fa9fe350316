"""Certificate formats, checked with software other than ours: jsonschema, cwt, jwcrypto, pyld,
zxing-cpp."""

from __future__ import annotations

import json
import zlib

import base45
import jsonschema
import pytest

from cowin_kit.certificates.formats import ddcc, divoc_vc, eu_dcc, hcert, jose, qr, shc
from cowin_kit.certificates.formats.icao import transliterate

from .samples import certificate, dose, ec_key_and_certificate, ed25519_key, read_qr


@pytest.fixture(scope="module")
def dsc():
    return ec_key_and_certificate()


@pytest.fixture(scope="module")
def signer(dsc):
    return hcert.HcertSigner(*dsc)


def test_eu_dcc_verifies_with_cwt_against_the_dsc_and_matches_schema_and_value_sets(
        signer, dsc, dcc_schema, value_sets):
    import cwt
    from cryptography.hazmat.primitives import serialization

    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    text = eu_dcc.encode(certificate(issued_at=now, valid_until=None), signer)
    assert text.startswith("HC1:")
    cose = zlib.decompress(base45.b45decode(text[4:]))
    pem = dsc[1].public_bytes(serialization.Encoding.PEM)
    key = cwt.load_pem_hcert_dsc(pem)
    assert key.kid == hcert.kid_for(dsc[1])
    claims = cwt.decode(cose, keys=[key])
    dcc = claims[-260][1]
    assert claims[1] == "IN"
    jsonschema.validate(dcc, dcc_schema)
    entry = dcc["v"][0]
    for field in ("tg", "vp", "mp", "ma", "co"):
        assert entry[field] in value_sets[field], field
    assert (entry["dn"], entry["sd"]) == (2, 2)
    assert eu_dcc.uvci_is_valid(entry["ci"])


def test_verify_accepts_cwt_tag_untagged_and_kid_in_unprotected_header(signer, dsc):
    import cbor2

    text = eu_dcc.encode(certificate(), signer)
    tagged = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    protected, _unprotected, payload, signature = tagged.value
    variants = [
        cbor2.dumps(cbor2.CBORTag(61, tagged)),
        cbor2.dumps(tagged.value),
    ]
    # kid moved to the unprotected header: signature still covers the protected bucket
    header = cbor2.loads(protected)
    kid = header.pop(4)
    new_protected = cbor2.dumps(header)
    to_sign = cbor2.dumps(["Signature1", new_protected, b"", payload])
    _alg, sig = jose.sign(signer.private_key, to_sign)
    variants.append(cbor2.dumps(cbor2.CBORTag(18, [new_protected, {4: kid}, payload, sig])))
    for raw in variants:
        hc1 = "HC1:" + base45.b45encode(zlib.compress(raw)).decode()
        assert eu_dcc.verify(hc1, lambda k: [dsc[1]] if k == kid else [])["nam"]["fnt"] == "VED<PRAKASH"
    assert signature


def test_uvci_check_character():
    uvci = eu_dcc.make_uvci("IN", "CK12345678901")
    assert uvci.startswith("URN:UVCI:01:IN:CK12345678901#")
    assert eu_dcc.uvci_is_valid(uvci)
    wrong = uvci[:-1] + ("A" if uvci[-1] != "A" else "B")
    assert not eu_dcc.uvci_is_valid(wrong)
    # single substitution anywhere in the body changes the check character
    body = uvci[:-2]
    for i in range(15, len(body)):
        changed = body[:i] + ("7" if body[i] != "7" else "8") + body[i + 1:]
        assert eu_dcc.luhn_mod_n(changed) != uvci[-1]


@pytest.mark.parametrize("name,expected", [
    ("Ved Prakash", "VED<PRAKASH"),
    ("Jürgen Müller-Lüdenscheidt", "JUERGEN<MUELLER<LUEDENSCHEIDT"),
    ("Nguyễn Thị Đoàn", "NGUYEN<THI<DOAN"),
    ("Щербаков Юрий", "SHCHERBAKOV<IURII"),
    ("O'Brien", "OBRIEN"),
])
def test_icao_transliteration(name, expected):
    assert transliterate(name) == expected


@pytest.mark.parametrize("name", ["वेद प्रकाश", "محمد علي", "Đặng Thu Thảo"])
def test_icao_transliteration_of_other_scripts_stays_in_the_mrz_alphabet(name):
    text = transliterate(name)
    assert text and set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ<")


def test_ddcc_payload(signer, dsc):
    data = certificate(doses=(dose(1, next_dose_from=None),))
    body = ddcc.verify(ddcc.encode(data, signer), lambda kid: [dsc[1]])
    vaccination = body["vaccination"]
    assert vaccination["disease"]["code"] == "RA01"
    assert vaccination["brand"]["code"] == "XM97T2" and vaccination["vaccine"]["code"] == "XM9QW8"
    assert vaccination["country"]["code"] == "IND"
    assert body["certificate"]["kid"] == signer.kid.hex()
    assert body["certificate"]["hcid"]["value"] == data.uvci


def test_shc_verifies_with_jwcrypto_and_kid_is_the_thumbprint():
    from jwcrypto import jwk, jws

    key, _cert = ec_key_and_certificate()
    kid = jose.thumbprint(key.public_key())
    public = jwk.JWK(**jose.public_jwk(key.public_key()))
    assert public.thumbprint() == kid
    token = shc.encode(certificate(), key, kid)
    checker = jws.JWS()
    checker.deserialize(token)
    checker.verify(public)
    header = json.loads(jose.b64u_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "zip": "DEF", "kid": kid}
    body = json.loads(zlib.decompress(checker.payload, -15))
    assert body["iss"] == "https://cowin.example"
    entries = body["vc"]["credentialSubject"]["fhirBundle"]["entry"]
    assert [e["fullUrl"] for e in entries] == ["resource:0", "resource:1", "resource:2"]
    assert entries[1]["resource"]["patient"] == {"reference": "resource:0"}
    assert "protocolApplied" not in entries[1]["resource"] and "text" not in entries[1]["resource"]
    numeric = shc.to_qr_text(token)
    assert numeric[5:].isdigit() and shc.from_qr_text(numeric) == token


def test_shc_bundle_is_valid_fhir():
    from fhir.resources.bundle import Bundle

    Bundle.model_validate(shc.bundle(certificate()))


def test_divoc_credential_signs_and_round_trips_through_qr_bytes():
    key = ed25519_key()
    signed = divoc_vc.encode(certificate(name="वेद प्रकाश"), key, "https://cowin.example/k#1")
    assert signed["proof"]["type"] == "Ed25519Signature2018"
    header = json.loads(jose.b64u_decode(signed["proof"]["jws"].split(".")[0]))
    assert header == {"alg": "EdDSA", "b64": False, "crit": ["b64"]}
    data = divoc_vc.qr_bytes(signed)
    # bytes >= 0x80 of the zip travel as two UTF-8 bytes
    assert data.decode("utf-8").encode("latin-1")[:2] == b"PK"
    back = divoc_vc.from_qr_bytes(data)
    assert divoc_vc.verify(back, lambda vm: key.public_key())["credentialSubject"]["name"] == "वेद प्रकाश"


def test_divoc_rsa_ps256():
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = divoc_vc.encode(certificate(), key, "https://cowin.example/k#rsa")
    assert signed["proof"]["type"] == "RsaSignature2018"
    divoc_vc.verify(signed, lambda vm: key.public_key())


def _tampered(text: str):
    """Every single-character change of a text (bounded sample of positions)."""
    step = max(1, len(text) // 120)
    for i in range(0, len(text), step):
        replacement = "A" if text[i] != "A" else "B"
        yield text[:i] + replacement + text[i + 1:]


def test_tampering_with_any_format_fails_verification(signer, dsc):
    from cowin_kit.certificates.formats.hcert import HcertError

    data = certificate()
    hc1 = eu_dcc.encode(data, signer)
    signed = zlib.decompress(base45.b45decode(hc1[4:]))
    refused = 0
    for bad in _tampered(hc1[4:]):
        try:
            eu_dcc.verify("HC1:" + bad, lambda kid: [dsc[1]])
        except HcertError:
            refused += 1
            continue
        # Accepted only when the change fell in the deflate stream's unused padding bits of its
        # last byte: the signed COSE message is then byte for byte the original one.
        assert zlib.decompress(base45.b45decode(bad)) == signed
    assert refused >= len(list(_tampered(hc1[4:]))) - 2
    key = dsc[0]
    token = shc.encode(data, key, "k")
    for bad in _tampered(token):
        with pytest.raises(shc.ShcError):
            shc.verify(bad, lambda iss, kid: key.public_key())
    ed = ed25519_key()
    signed = divoc_vc.encode(data, ed, "https://cowin.example/k#1")
    raw = json.dumps(signed, ensure_ascii=False)
    changed = 0
    for bad in _tampered(raw):
        try:
            doc = json.loads(bad)
        except ValueError:
            continue
        if doc == signed:
            continue
        with pytest.raises(divoc_vc.DivocError):
            divoc_vc.verify(doc, lambda vm: ed.public_key())
        changed += 1
    assert changed > 50


@pytest.mark.parametrize("kind", ["hc1", "shc", "divoc"])
def test_qr_png_round_trip_with_zxing(kind, signer, dsc):
    data = certificate(name="Nguyễn Thị Đoàn")
    if kind == "hc1":
        payload = eu_dcc.encode(data, signer)
    elif kind == "shc":
        payload = shc.to_qr_text(shc.encode(data, dsc[0], "kid"))
    else:
        payload = divoc_vc.qr_bytes(divoc_vc.encode(data, ed25519_key(), "https://cowin.example/k#1"))
    for png in (qr.png(payload), qr.png(payload, mask=5), qr.segno_png(payload)):
        results = read_qr(png)
        assert len(results) == 1
        expected = payload if isinstance(payload, bytes) else payload.encode("ascii")
        assert results[0].bytes == expected
        assert results[0].ec_level == {"hc1": "Q", "shc": "L", "divoc": "M"}[kind]
    assert qr.svg(payload).lstrip().startswith("<?xml")


def test_shc_qr_uses_a_numeric_segment(dsc):
    payload = shc.to_qr_text(shc.encode(certificate(), dsc[0], "kid"))
    # byte mode for the digits would need a far larger symbol than numeric mode
    assert qr.barcode(payload).to_image(scale=1, add_quiet_zones=False).shape[0] == qr.segno_qr(payload).symbol_size(scale=1, border=0)[0]
