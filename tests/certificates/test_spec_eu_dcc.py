"""EU DCC to the letter: the UVCI check character (eHN "Guidelines on verifiable vaccination
certificates", Annex 2 "UVCI"; DCC schema FAQ "UVCI checksum") and the verifier against the
official conformance data (dgc-testdata, see vectors/dgc-testdata/README.md)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509

from cowin_kit.certificates import verify_upload
from cowin_kit.certificates.formats import eu_dcc
from cowin_kit.certificates.verify import Verifier

VECTORS = Path(__file__).resolve().parent / "vectors" / "dgc-testdata"
#: The expectations a verifier can check from the QR text and its trust list (README there).
CHECKED = ("EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION", "EXPECTEDDECODE",
           "EXPECTEDVERIFY", "EXPECTEDKEYUSAGE", "EXPECTEDEXPIRATIONCHECK", "EXPECTEDSCHEMAVALIDATION")
#: Which expectation each refusal of the kit answers.
ANSWERS = {
    "UNREADABLE": {"EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION", "EXPECTEDDECODE",
                   "EXPECTEDVERIFY", "EXPECTEDSCHEMAVALIDATION"},
    "NOT_A_CERTIFICATE": {"EXPECTEDUNPREFIX", "EXPECTEDDECODE", "EXPECTEDVERIFY",
                          "EXPECTEDSCHEMAVALIDATION"},
    "UNKNOWN_ISSUER": {"EXPECTEDVERIFY"},
    "BAD_SIGNATURE": {"EXPECTEDVERIFY"},
    "WRONG_KEY_USAGE": {"EXPECTEDKEYUSAGE"},
    "NOT_YET_VALID": {"EXPECTEDEXPIRATIONCHECK"},
    "EXPIRED": {"EXPECTEDEXPIRATIONCHECK"},
}


# -- UVCI (Annex 2: Luhn mod N over A-Z, 0-9, '/', ':' of the whole UVCI before '#') ----------

@pytest.mark.parametrize("uvci", [
    "URN:UVCI:01:NL:187/37512422923#Z",  # the DCC schema FAQ's own example
    # UVCIs issued by member states in the conformance data, validated by their apps
    "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
    "URN:UVCI:01:AT:858CC18CFCF5965EF82F60E493349AA5#K",
    "URN:UVCI:01:AT:B5921A35D6A0D696421B3E2462178297#I",
    "URN:UVCI:01:AT:71EE2559DE38C6BF7304FB65A1A451EC#3",
    "URN:UVCI:01:DK:B986830007345F99AE898FB82C6C61F2#A",
    "URN:UVCI:01:GR:7UXL2ZTSS6KUZAF2XAAA3A4C4I#E",
])
def test_published_uvcis_pass_the_check(uvci):
    assert eu_dcc.uvci_is_valid(uvci)


def test_kit_uvci_check_character_is_the_guidelines_one():
    uvci = eu_dcc.make_uvci("IN", "CK12345678901")
    body, check = uvci.split("#")
    assert body == "URN:UVCI:01:IN:CK12345678901"
    # the same Luhn mod N written out, over the guidelines' alphabet
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * alphabet.index(char)
        factor = 3 - factor
        total += addend // len(alphabet) + addend % len(alphabet)
    assert check == alphabet[-total % len(alphabet)]
    assert eu_dcc.uvci_is_valid(uvci)
    assert not eu_dcc.uvci_is_valid(body + "#" + ("A" if check != "A" else "B"))


# -- dgc-testdata -----------------------------------------------------------------------------

class TrustList:
    """The vector's document signer as the only trusted certificate."""

    def __init__(self, certificates):
        self.certificates = certificates

    def keys(self, kind):
        return []

    def trusted_certificates(self):
        return self.certificates

    def trusted_jwks(self):
        return []


def load(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def vector_verifier(vector: dict) -> Verifier:
    context = vector["TESTCTX"]
    signer = x509.load_der_x509_certificate(base64.b64decode(context["CERTIFICATE"]))
    now = dt.datetime.fromisoformat(context["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    return Verifier(TrustList([signer]), now=now)


QR_VECTORS = sorted(p for p in VECTORS.glob("*.json") if "PREFIX" in load(p))


def test_the_subset_covers_every_negative_kind():
    refused = {flag for p in QR_VECTORS for flag, value in load(p)["EXPECTEDRESULTS"].items()
               if value is False}
    assert set(CHECKED) <= refused
    assert len(QR_VECTORS) >= 45


@pytest.mark.parametrize("path", QR_VECTORS, ids=lambda p: p.stem)
def test_verifier_agrees_with_the_conformance_data(path):
    vector = load(path)
    expected = vector["EXPECTEDRESULTS"]
    refused = {flag for flag in CHECKED if expected.get(flag) is False}
    result = vector_verifier(vector).verify(vector["PREFIX"])
    if refused:
        assert not result.valid, vector["TESTCTX"].get("DESCRIPTION")
        # refused for the reason the vector tests, not for another one
        assert ANSWERS[result.reason_code] & refused, (result.reason_code, refused)
    else:
        assert result.valid, (result.reason_code, vector["TESTCTX"].get("DESCRIPTION"))
        assert result.format == "eu_dcc"


def test_unreadable_and_readable_pictures(app):
    """EXPECTEDPICTUREDECODE: Q1's picture holds no readable QR code; AT-1's holds its text."""
    unreadable = load(VECTORS / "common-Q1.json")
    with pytest.raises(verify_upload.ImageUnreadable):
        verify_upload.decode_image(base64.b64decode(unreadable["2DCODE"]))
    readable = load(VECTORS / "AT-1.json")
    assert verify_upload.decode_image(base64.b64decode(readable["2DCODE"])) == readable["PREFIX"]


@pytest.mark.parametrize("path", QR_VECTORS, ids=lambda p: p.stem)
def test_verify_api_answers_every_vector_without_a_server_error(client, path):
    """POST /api/kit/v1/certificates/verify: CBO1 (the DCC is not a map) was a 500."""
    vector = load(path)
    response = client.post("/api/kit/v1/certificates/verify", json={"payload": vector["PREFIX"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False  # the instance does not trust these test signers
    assert body["reason_code"] in ANSWERS and body["reason"]


def _signer(not_before: dt.datetime, not_after: dt.datetime):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from cowin_kit.certificates.formats.hcert import HcertSigner

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DSC")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(not_before).not_valid_after(not_after).sign(key, hashes.SHA256()))
    return HcertSigner(key, cert)


def test_the_signers_validity_is_checked_when_verifying_not_at_iat():
    """dgc-testdata EXPECTEDEXPIRATIONCHECK: the signer's certificate must be valid; the kit
    signs on first download, so a DSC newer than the certificate's iat signs it (and verifies),
    while an expired DSC does not."""
    from . import samples

    now = dt.datetime.now(dt.timezone.utc)
    data = samples.certificate(valid_until=(now + dt.timedelta(days=300)).date())  # iat in 2021
    fresh = _signer(now - dt.timedelta(days=1), now + dt.timedelta(days=700))
    assert Verifier(TrustList([fresh.certificate]), now=now).verify(eu_dcc.encode(data, fresh)).valid
    old = _signer(now - dt.timedelta(days=900), now - dt.timedelta(days=1))
    result = Verifier(TrustList([old.certificate]), now=now).verify(eu_dcc.encode(data, old))
    assert (result.status, result.reason_code) == ("expired", "EXPIRED")
