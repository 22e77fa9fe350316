"""Small JOSE helpers: base64url, JWK thumbprints (RFC 7638), raw ECDSA/EdDSA/PS256 signatures."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64u(value: int, length: int | None = None) -> str:
    length = length or (value.bit_length() + 7) // 8
    return b64u(value.to_bytes(length, "big"))


def public_jwk(public) -> dict:
    """The public JWK of an EC P-256, Ed25519 or RSA public key (members in RFC 7638 order)."""
    if isinstance(public, ec.EllipticCurvePublicKey):
        numbers = public.public_numbers()
        return {"crv": "P-256", "kty": "EC", "x": _int_b64u(numbers.x, 32), "y": _int_b64u(numbers.y, 32)}
    if isinstance(public, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives import serialization

        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64u(raw)}
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"e": _int_b64u(numbers.e), "kty": "RSA", "n": _int_b64u(numbers.n)}
    raise TypeError(f"unsupported key type {type(public).__name__}")


def thumbprint(public) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key."""
    jwk = public_jwk(public)
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canonical.encode("utf-8")).digest())


def jwk_to_public(jwk: dict):
    """Public key object from a JWK (EC P-256, Ed25519 or RSA)."""
    kty = jwk.get("kty")
    if kty == "EC" and jwk.get("crv") == "P-256":
        x = int.from_bytes(b64u_decode(jwk["x"]), "big")
        y = int.from_bytes(b64u_decode(jwk["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    if kty == "OKP" and jwk.get("crv") == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(b64u_decode(jwk["x"]))
    if kty == "RSA":
        n = int.from_bytes(b64u_decode(jwk["n"]), "big")
        e = int.from_bytes(b64u_decode(jwk["e"]), "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise ValueError("unsupported JWK")


@dataclass(frozen=True)
class Unsigned:
    """A format's signed form before its signature: the bytes to sign with ``alg`` and how to
    finish the signed form from their raw JOSE signature (ES256: r||s, EdDSA, PS256). Formats
    prepare these so a certificate's formats can be signed in one batch (by the signer)."""

    alg: str
    message: bytes
    finish: Callable[[bytes], object]

    def sign_with(self, private_key):
        """Finish with an in-memory private key (tests, tools)."""
        alg, signature = sign(private_key, self.message)
        if alg != self.alg:
            raise ValueError(f"a {alg} key cannot make an {self.alg} signature")
        return self.finish(signature)


def sign(private_key, data: bytes) -> tuple[str, bytes]:
    """Sign with the JOSE algorithm of the key: (alg, raw signature)."""
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA", private_key.sign(data)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return "ES256", r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "PS256", private_key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    raise TypeError(f"unsupported key type {type(private_key).__name__}")


def alg_for(private_key) -> str:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return "ES256"
    return "PS256"


def alg_for_public(public) -> str:
    """The JOSE algorithm a public key verifies (EdDSA, ES256 or PS256)."""
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(public, ec.EllipticCurvePublicKey):
        return "ES256"
    if isinstance(public, rsa.RSAPublicKey):
        return "PS256"
    raise TypeError(f"unsupported key type {type(public).__name__}")


def verify(public, alg: str, signature: bytes, data: bytes) -> bool:
    """True when the raw JOSE signature verifies."""
    try:
        if alg == "EdDSA" and isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
        elif alg == "ES256" and isinstance(public, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            public.verify(der, data, ec.ECDSA(hashes.SHA256()))
        elif alg == "PS256" and isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True
