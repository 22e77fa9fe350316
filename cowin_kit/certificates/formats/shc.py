"""SMART Health Card: compact JWS (ES256, DEFLATE) over a minimised FHIR R4 bundle."""

from __future__ import annotations

import json
import re
import zlib

from . import jose
from .data import CertificateData

TYPES = ["https://smarthealth.cards#health-card", "https://smarthealth.cards#immunization",
         "https://smarthealth.cards#covid19"]
ICD11 = "http://id.who.int/icd11/mms"
SNOMED = "http://snomed.info/sct"
PREFIX = "shc:/"
_NUMERIC = re.compile(r"^shc:/(\d+)$")


class ShcError(ValueError):
    """The SMART Health Card cannot be decoded or does not verify."""


def _vaccine_coding(codes: dict, fallback: str) -> dict:
    if codes.get("icd11"):
        return {"system": ICD11, "code": str(codes["icd11"])}
    if codes.get("snomed"):
        return {"system": SNOMED, "code": str(codes["snomed"])}
    return {"system": ICD11, "code": fallback}


def bundle(data: CertificateData) -> dict:
    """Minimised FHIR R4 bundle: the patient and one immunization per dose."""
    entries = [{"fullUrl": "resource:0", "resource": {
        "resourceType": "Patient", "name": [{"text": data.name}], "birthDate": data.dob_text}}]
    for i, dose in enumerate(data.doses, start=1):
        immunization = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [_vaccine_coding(dose.codes or {}, "XM68M6")]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": dose.date.isoformat(),
            "performer": [{"actor": {"display": dose.facility_name or data.issuer.name}}],
            "lotNumber": dose.batch,
        }
        entries.append({"fullUrl": f"resource:{i}", "resource": immunization})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def payload(data: CertificateData) -> dict:
    vc = {"type": TYPES, "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": bundle(data)}}
    if data.revocation_id:
        vc["rid"] = data.revocation_id
    return {"iss": data.issuer.url.rstrip("/"), "nbf": int(data.issued_at.timestamp()), "vc": vc}


def encode(data: CertificateData, private_key, kid: str) -> str:
    """Sign and return the compact JWS (header.payload.signature)."""
    header = jose.b64u(json.dumps({"alg": "ES256", "zip": "DEF", "kid": kid}, separators=(",", ":")).encode())
    body = json.dumps(payload(data), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = compressor.compress(body) + compressor.flush()
    signing_input = f"{header}.{jose.b64u(raw)}"
    _alg, signature = jose.sign(private_key, signing_input.encode("ascii"))
    return f"{signing_input}.{jose.b64u(signature)}"


def to_qr_text(jws: str) -> str:
    """The numeric QR form: 'shc:/' then two digits (ord(c) - 45) per JWS character."""
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
        body = zlib.decompress(raw, -15) if header.get("zip") == "DEF" else raw
        return header, json.loads(body)
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
        raise ShcError("unknown issuer key")
    signing_input, _, sig = jws.rpartition(".")
    if not jose.verify(public, "ES256", jose.b64u_decode(sig), signing_input.encode("ascii")):
        raise ShcError("signature does not verify")
    return body
