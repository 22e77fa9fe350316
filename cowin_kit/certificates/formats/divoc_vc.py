"""DIVOC / CoWIN W3C Verifiable Credential (ProofOfVaccinationCredential), India-compatible.

Signature: linked-data proof with a detached JWS (``b64: false``); the signed bytes are
``base64url(header) + "."`` followed by SHA-256 of the canonical proof options and SHA-256 of
the canonical credential (URDNA2015 N-Quads, see ``canonical``). QR: ``certificate.json`` in a
DEFLATE zip, the zip bytes read as a Latin-1 "binary string" and written UTF-8 encoded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

from . import canonical, jose
from .contexts import CREDENTIALS_V1, SECURITY_V2, document_loader, vaccination_context
from .data import Address, CertificateData

PROOF_TYPES = {"EdDSA": "Ed25519Signature2018", "PS256": "RsaSignature2018"}


class DivocError(ValueError):
    """The credential cannot be read or does not verify. ``code`` is the
    verifier's reason (verify_result.REASONS): UNREADABLE unless the signature or the key is at fault."""

    def __init__(self, message: str, code: str = "UNREADABLE") -> None:
        super().__init__(message)
        self.code = code


def _address(a: Address) -> dict:
    return {"streetAddress": a.street, "streetAddress2": a.street2, "district": a.district,
            "city": a.city, "addressRegion": a.region, "addressCountry": a.country,
            "postalCode": a.postal_code}


def _safe_iri_part(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-._~") else f"%{ord(c):02X}"
                   for c in text.encode("utf-8").decode("latin-1")) if text else "x"


def credential(data: CertificateData) -> dict:
    """The unsigned credential for the certificate's latest dose."""
    dose = data.dose
    base = data.issuer.url.rstrip("/")
    until = data.valid_until.isoformat() if data.valid_until else ""  # no expiry
    evidence = {
        "id": f"{base}/vaccine/{data.certificate_id}",
        "feedbackUrl": f"{base}/?{data.certificate_id}",
        "infoUrl": f"{base}/?{data.certificate_id}",
        "certificateId": data.certificate_id,
        "type": ["Vaccination"],
        "batch": dose.batch,
        "vaccine": dose.vaccine_name,
        "manufacturer": dose.manufacturer,
        "date": dose.date.isoformat(),
        "effectiveStart": dose.date.isoformat(),
        "effectiveUntil": until,
        "dose": dose.dose_number,
        "totalDoses": max(dose.series_total, dose.dose_number),
        "verifier": {"name": dose.vaccinator_name},
        "facility": {"name": dose.facility_name, "address": _address(dose.facility_address)},
    }
    return {
        "@context": [CREDENTIALS_V1, vaccination_context(base, data.issuer.country)],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": f"did:{_safe_iri_part(data.subject[0])}:{_safe_iri_part(data.subject[1])}",
            "refId": data.reference_id,
            "name": data.name,
            "gender": data.gender_label,
            "age": str(data.age_on(dose.date)),
            "nationality": data.nationality,
            "address": _address(data.address),
        },
        "issuer": f"{base}/",
        "issuanceDate": data.issued_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{data.issued_at.microsecond // 1000:03d}Z",
        "evidence": [evidence],
        "nonTransferable": "true",
    }


def canonicalize(doc: dict, *, proof: bool = False, strict: bool = False) -> str:
    """URDNA2015 N-Quads of a credential (or proof options): the fast path, else pyld.

    ``strict`` refuses the pyld fallback: JSON-LD silently drops undefined terms, so a renamed
    key whose value duplicates another one would not change the canonical form. Verification
    therefore only accepts the credential shape this module knows term by term."""
    try:
        return canonical.canonicalize_proof(doc) if proof else canonical.canonicalize_credential(doc)
    except canonical.Unsupported as exc:
        if strict:
            raise DivocError(f"unsupported credential shape: {exc}") from exc
        try:
            from pyld import jsonld
        except ImportError:  # pragma: no cover - pyld is a test/verification extra
            raise DivocError("credential shape not supported without pyld") from None
        import copy

        try:
            return jsonld.normalize(copy.deepcopy(doc), {"algorithm": "URDNA2015",
                                                         "format": "application/n-quads",
                                                         "documentLoader": document_loader})
        except Exception as exc:  # noqa: BLE001 - pyld raises many kinds; all mean "cannot verify"
            raise DivocError("credential cannot be canonicalised") from exc


def _verify_data(doc: dict, proof_options: dict, strict: bool = False) -> bytes:
    options = {"@context": SECURITY_V2, **{k: v for k, v in proof_options.items() if k != "jws"}}
    return (hashlib.sha256(canonicalize(options, proof=True, strict=strict).encode("utf-8")).digest()
            + hashlib.sha256(canonicalize(doc, strict=strict).encode("utf-8")).digest())


def prepare_signed(doc: dict, alg: str, verification_method: str, created: dt.datetime) -> jose.Unsigned:
    """The credential's linked-data proof (Ed25519Signature2018 for EdDSA, RsaSignature2018 for
    PS256) before its signature: the detached JWS signs ``header.`` + two SHA-256 digests."""
    proof = {
        "type": PROOF_TYPES[alg],
        "created": created.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    header = jose.b64u(json.dumps({"alg": alg, "b64": False, "crit": ["b64"]}, separators=(",", ":")).encode())

    def finish(signature: bytes) -> dict:
        return {**doc, "proof": {**proof, "jws": f"{header}..{jose.b64u(signature)}"}}

    return jose.Unsigned(alg, header.encode("ascii") + b"." + _verify_data(doc, proof), finish)


def sign(doc: dict, private_key, verification_method: str, created: dt.datetime) -> dict:
    """Return the credential with a linked-data proof (Ed25519Signature2018 or RsaSignature2018)."""
    return prepare_signed(doc, jose.alg_for(private_key), verification_method, created).sign_with(private_key)


def prepare(data: CertificateData, alg: str, verification_method: str) -> jose.Unsigned:
    return prepare_signed(credential(data), alg, verification_method, data.issued_at)


def encode(data: CertificateData, private_key, verification_method: str) -> dict:
    return sign(credential(data), private_key, verification_method, data.issued_at)


def verify(signed: dict, key_for) -> dict:
    """Verify a signed credential; ``key_for(verification_method)`` returns a public key or None."""
    if not isinstance(signed, dict) or not isinstance(signed.get("proof"), dict):
        raise DivocError("no proof in credential")
    proof = signed["proof"]
    doc = {k: v for k, v in signed.items() if k != "proof"}
    try:
        header_b64, empty, sig_b64 = str(proof.get("jws", "")).split(".")
        header = json.loads(jose.b64u_decode(header_b64))
    except ValueError as exc:
        raise DivocError("malformed proof") from exc
    if empty or header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise DivocError("proof is not a detached JWS")
    alg = header.get("alg")
    if PROOF_TYPES.get(alg) != proof.get("type"):
        raise DivocError("proof type and algorithm disagree")
    public = key_for(proof.get("verificationMethod"))
    if public is None:
        raise DivocError("unknown signing key", "UNKNOWN_ISSUER")
    data = header_b64.encode("ascii") + b"." + _verify_data(doc, proof, strict=True)
    if not jose.verify(public, alg, jose.b64u_decode(sig_b64), data):
        raise DivocError("signature does not verify", "BAD_SIGNATURE")
    return doc


def to_zip(signed: dict, when: dt.datetime | None = None) -> bytes:
    """``certificate.json`` in a DEFLATE zip (deterministic timestamp)."""
    when = when or dt.datetime(2021, 1, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("certificate.json", date_time=when.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(signed, separators=(",", ":"), ensure_ascii=False))
    return buffer.getvalue()


def qr_bytes(signed: dict, when: dt.datetime | None = None) -> bytes:
    """The QR payload bytes existing CoWIN scanners expect (zip as a UTF-8-encoded binary string)."""
    return to_zip(signed, when).decode("latin-1").encode("utf-8")


def from_qr_bytes(data: bytes) -> dict:
    """Read the credential back from QR bytes (or from a plain zip / JSON)."""
    try:
        raw = data.decode("utf-8").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        raw = data
    try:
        if raw.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                raw = archive.read("certificate.json")
        return json.loads(raw.decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DivocError("not a CoWIN/DIVOC certificate", "NOT_A_CERTIFICATE") from exc
