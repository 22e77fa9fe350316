"""HCERT container shared by the EU DCC and WHO DDCC:VS: CWT in COSE_Sign1, zlib, base45, "HC1:"."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable

import base45
import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from . import jose

PREFIX = "HC1:"
ES256, PS256 = -7, -37
HCERT_CLAIM = -260
MAX_INFLATED = 65536  # a QR holds under 3 kB; a larger inflated payload is a zip bomb


class HcertError(ValueError):
    """The HC1 text cannot be decoded or its signature does not verify."""


def kid_for(certificate: x509.Certificate) -> bytes:
    """Key id of a document-signer certificate: first 8 bytes of SHA-256 over its DER."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()[:8]


@dataclass(frozen=True)
class HcertSigner:
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def kid(self) -> bytes:
        return kid_for(self.certificate)


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


COSE_ALG = {"ES256": ES256, "PS256": PS256}


def prepare(claims: dict, alg: str, kid: bytes) -> jose.Unsigned:
    """The COSE_Sign1 message before its signature (``alg`` ES256 or PS256, JOSE names)."""
    protected = cbor2.dumps({1: COSE_ALG[alg], 4: kid})
    payload = cbor2.dumps(claims)

    def finish(signature: bytes) -> str:
        message = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
        return PREFIX + base45.b45encode(zlib.compress(message, 9)).decode("ascii")

    return jose.Unsigned(alg, _sig_structure(protected, payload), finish)


def sign(signer: HcertSigner, claims: dict) -> str:
    """Sign CWT claims and return the HC1 QR text."""
    return prepare(claims, jose.alg_for(signer.private_key), signer.kid).sign_with(signer.private_key)


@dataclass(frozen=True)
class Decoded:
    kid: bytes
    alg: int
    claims: dict
    protected: bytes
    payload: bytes
    signature: bytes


def decode(text: str) -> Decoded:
    """Decode HC1 text without verifying: accepts CWT tag 61, COSE tag 18 or untagged, and a
    kid in the protected or the unprotected header. The COSE message must be zlib-compressed
    (eHN hcert specification 1.0.5, section 3.2; dgc-testdata Z2 "Not compressed")."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise HcertError("not an HC1 health certificate")
    try:
        raw = base45.b45decode(text[len(PREFIX):])
    except Exception as exc:  # noqa: BLE001 - base45 raises ValueError or others on bad input
        raise HcertError("the HC1 text is not valid base45") from exc
    try:
        inflate = zlib.decompressobj()
        data = inflate.decompress(raw, MAX_INFLATED)
        if inflate.unconsumed_tail or not inflate.eof:
            raise HcertError("the HC1 payload inflates to more than 64 KiB, or is cut short")
    except zlib.error as exc:
        raise HcertError("the HC1 payload is not zlib-compressed") from exc
    try:
        obj = cbor2.loads(data)
        if isinstance(obj, cbor2.CBORTag) and obj.tag == 61:
            obj = obj.value
        if isinstance(obj, cbor2.CBORTag):
            if obj.tag != 18:
                raise HcertError("not a COSE_Sign1 message")
            obj = obj.value
        protected, unprotected, payload, signature = obj
        header = cbor2.loads(protected) if protected else {}
        unprotected = unprotected or {}
        kid = header.get(4, unprotected.get(4))
        alg = header.get(1, unprotected.get(1))
        claims = cbor2.loads(payload)
    except HcertError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoding failure means "not a valid HC1"
        raise HcertError(f"cannot decode HC1 payload ({exc.__class__.__name__})") from exc
    if not isinstance(claims, dict) or not isinstance(kid, bytes):
        raise HcertError("HC1 payload lacks claims or key id")
    return Decoded(kid, alg, claims, protected, payload, signature)


def verify(text: str, keys_for: Callable[[bytes], Iterable], now: dt.datetime | None = None) -> Decoded:
    """Decode and verify HC1 text; ``keys_for(kid)`` yields candidate public keys or certificates."""
    decoded = decode(text)
    to_verify = _sig_structure(decoded.protected, decoded.payload)
    for candidate in keys_for(decoded.kid):
        public = candidate.public_key() if isinstance(candidate, x509.Certificate) else candidate
        try:
            if decoded.alg == ES256 and isinstance(public, ec.EllipticCurvePublicKey):
                sig = decoded.signature
                if len(sig) != 64:
                    continue
                der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
                public.verify(der, to_verify, ec.ECDSA(hashes.SHA256()))
            elif decoded.alg == PS256 and isinstance(public, rsa.RSAPublicKey):
                public.verify(decoded.signature, to_verify,
                              padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
            else:
                continue
        except InvalidSignature:
            continue
        exp = decoded.claims.get(4)
        if now is not None and isinstance(exp, (int, float)) and exp < now.timestamp():
            raise HcertError("certificate expired")
        return decoded
    raise HcertError("signature does not verify with any known key")


def timestamps(issued_at: dt.datetime, valid_until: dt.date | None, default_days: int = 365) -> tuple[int, int]:
    """CWT iat and exp (seconds) for an issue time and an optional end of validity."""
    iat = int(issued_at.timestamp())
    if valid_until:
        exp = int(dt.datetime.combine(valid_until, dt.time(23, 59, 59), dt.timezone.utc).timestamp())
    else:
        exp = iat + default_days * 86400
    return iat, exp
