"""SMART Health Card: compact JWS (ES256, DEFLATE) over a minimised FHIR R4 bundle."""

from __future__ import annotations

import json
import re
import zlib

from . import jose
from .data import CertificateData

#: vc.type: only health-card; VCI 1.4.0 deprecated the "additional" #immunization and #covid19
#: types in favour of classifying cards by their contents (spec change log).
TYPES = ["https://smarthealth.cards#health-card"]
#: The longest JWS one QR code of version 22 holds ("Health Cards as QR codes": longer ones would
#: need chunking, deprecated since VCI 1.3.0). ES256 kids are RFC 7638 thumbprints: 43 characters.
MAX_QR_JWS = 1195
_KID_LENGTH = 43
_SIGNATURE_LENGTH = 86  # 64 bytes of ES256 signature, base64url
ICD11 = "http://id.who.int/icd11/mms"
SNOMED = "http://snomed.info/sct"
PREFIX = "shc:/"
_NUMERIC = re.compile(r"^shc:/(\d+)$")


class ShcError(ValueError):
    """The SMART Health Card cannot be decoded or does not verify. ``code`` is the
    verifier's reason (verify_result.REASONS): UNREADABLE unless the signature or the key is at fault."""

    def __init__(self, message: str, code: str = "UNREADABLE") -> None:
        super().__init__(message)
        self.code = code


def _vaccine_coding(codes: dict, fallback: str) -> dict:
    if codes.get("icd11"):
        return {"system": ICD11, "code": str(codes["icd11"])}
    if codes.get("snomed"):
        return {"system": SNOMED, "code": str(codes["snomed"])}
    return {"system": ICD11, "code": fallback}


def bundle(data: CertificateData, performers: bool = True) -> dict:
    """Minimised FHIR R4 bundle: the patient and one immunization per dose (``performers``
    False leaves out the optional ``Immunization.performer``)."""
    entries = [{"fullUrl": "resource:0", "resource": {
        "resourceType": "Patient", "name": [{"text": data.name}], "birthDate": data.dob_text}}]
    for i, dose in enumerate(data.doses, start=1):
        immunization = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [_vaccine_coding(dose.codes or {}, "XM68M6")]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": dose.date.isoformat(),
            "lotNumber": dose.batch,
        }
        if performers:
            immunization["performer"] = [{"actor": {"display": dose.facility_name or data.issuer.name}}]
        entries.append({"fullUrl": f"resource:{i}", "resource": immunization})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def payload(data: CertificateData) -> dict:
    """The JWT claims. ``vc.rid`` is the certificate's own revocation id (16 hex characters:
    base64url alphabet, at most 24; spec "Revocation" allows a per-card rid). When the card would
    not fit one QR code, the optional performers are left out."""
    def claims(performers: bool) -> dict:
        vc = {"type": TYPES, "credentialSubject": {"fhirVersion": "4.0.1",
                                                   "fhirBundle": bundle(data, performers)}}
        if data.revocation_id:
            vc["rid"] = data.revocation_id
        return {"iss": data.issuer.url.rstrip("/"), "nbf": int(data.issued_at.timestamp()), "vc": vc}

    full = claims(True)
    return full if jws_length(full) <= MAX_QR_JWS else claims(False)


def _deflate(body: dict) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return compressor.compress(raw) + compressor.flush()


def jws_length(body: dict) -> int:
    """The length of the compact JWS that will carry these claims (before signing)."""
    header = jose.b64u(json.dumps({"alg": "ES256", "zip": "DEF", "kid": "k" * _KID_LENGTH},
                                  separators=(",", ":")).encode())
    return len(header) + 1 + len(jose.b64u(_deflate(body))) + 1 + _SIGNATURE_LENGTH


def prepare(data: CertificateData, kid: str) -> jose.Unsigned:
    """The compact JWS (ES256, DEFLATE) before its signature."""
    header = jose.b64u(json.dumps({"alg": "ES256", "zip": "DEF", "kid": kid}, separators=(",", ":")).encode())
    body = json.dumps(payload(data), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = compressor.compress(body) + compressor.flush()
    signing_input = f"{header}.{jose.b64u(raw)}"
    return jose.Unsigned("ES256", signing_input.encode("ascii"),
                         lambda signature: f"{signing_input}.{jose.b64u(signature)}")


def encode(data: CertificateData, private_key, kid: str) -> str:
    """Sign and return the compact JWS (header.payload.signature)."""
    return prepare(data, kid).sign_with(private_key)


def to_qr_text(jws: str) -> str:
    """The numeric QR form: 'shc:/' then two digits (ord(c) - 45) per JWS character. A JWS too
    long for one version-22 QR code is refused (chunking is deprecated)."""
    if len(jws) > MAX_QR_JWS:
        raise ShcError(f"a SMART Health Card of {len(jws)} characters does not fit one QR code")
    return PREFIX + "".join(f"{ord(c) - 45:02d}" for c in jws)


def from_qr_text(text: str) -> str:
    match = _NUMERIC.match(text.strip())
    if not match or len(match.group(1)) % 2:
        raise ShcError("not a single-chunk SMART Health Card QR text")
    digits = match.group(1)
    return "".join(chr(int(digits[i:i + 2]) + 45) for i in range(0, len(digits), 2))


def decode(jws: str) -> tuple[dict, dict]:
    """Header and payload of a compact JWS, without verifying."""
    try:
        header_b64, payload_b64, _sig = jws.split(".")
        header = json.loads(jose.b64u_decode(header_b64))
        raw = jose.b64u_decode(payload_b64)
        body = json.loads(zlib.decompress(raw, -15) if header.get("zip") == "DEF" else raw)
        if not isinstance(body, dict):
            raise TypeError("the JWS payload is not a JSON object")
        return header, body
    except Exception as exc:  # noqa: BLE001 - any failure here means "not a SMART Health Card"
        raise ShcError(f"cannot decode SMART Health Card ({exc.__class__.__name__})") from exc


def verify(text: str, key_for) -> dict:
    """Verify a JWS or its 'shc:/' QR text; ``key_for(iss, kid)`` returns a public key or None."""
    jws = from_qr_text(text) if text.strip().startswith(PREFIX) else text.strip()
    header, body = decode(jws)
    if header.get("alg") != "ES256":
        raise ShcError("unsupported algorithm")
    public = key_for(body.get("iss"), header.get("kid"))
    if public is None:
        raise ShcError("unknown issuer key", "UNKNOWN_ISSUER")
    signing_input, _, sig = jws.rpartition(".")
    try:
        signature = jose.b64u_decode(sig)
    except ValueError as exc:
        raise ShcError("signature is not base64url", "BAD_SIGNATURE") from exc
    if jose.b64u(signature) != sig:  # spare bits set: another text for the same signature
        raise ShcError("signature is not in canonical base64url", "BAD_SIGNATURE")
    if not jose.verify(public, "ES256", signature, signing_input.encode("ascii")):
        raise ShcError("signature does not verify", "BAD_SIGNATURE")
    return body
