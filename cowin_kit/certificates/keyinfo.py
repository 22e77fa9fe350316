"""A signing key's public side (:class:`KeyInfo`) and its key id (:func:`kid_of`).

Below both ``keys`` (the stores) and ``lifecycle`` (next / active / retired), which use them;
``keys`` re-exports both names.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .formats import jose
from .formats.hcert import kid_for

#: What a key's public description carries besides its key (KeyInfo.lifecycle).
PUBLIC_FIELDS = ("status", "activates_at", "created", "did", "chain", "superseded_by")


@dataclass(frozen=True)
class KeyInfo:
    """One signing key's public side: no private material, whichever backend holds it."""

    kind: str
    kid: str
    algorithm: str
    public_key: object
    certificate: x509.Certificate | None = None
    active: bool = False
    backend: str | None = None  # "files", "pkcs11", "signer"; None: public key only
    # lifecycle: status (next | active | retired), activates_at, did, chain (lifecycle.py)
    lifecycle: dict | None = None

    @property
    def status(self) -> str:
        """``next`` (published, not signing yet), ``active`` (signs new certificates) or
        ``retired`` (verify-only)."""
        return (self.lifecycle or {}).get("status") or ("active" if self.active else "retired")

    def public_dict(self) -> dict:
        """The public side as JSON: key id, algorithm, JWK and (for HCERT) the DSC."""
        out = {"kind": self.kind, "kid": self.kid, "alg": self.algorithm, "active": self.active,
               "jwk": {**jose.public_jwk(self.public_key), "kid": self.kid, "use": "sig",
                       "alg": self.algorithm}}
        if self.certificate is not None:
            out["certificate"] = base64.b64encode(
                self.certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
            out["certificate_pem"] = self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return {**out, **(self.lifecycle or {})}

    @classmethod
    def from_public_dict(cls, item: dict, backend: str | None = None) -> "KeyInfo":
        """The inverse of :meth:`public_dict` (what the signer sends web pods)."""
        certificate = (x509.load_der_x509_certificate(base64.b64decode(item["certificate"]))
                       if item.get("certificate") else None)
        return cls(item["kind"], item["kid"], item["alg"], jose.jwk_to_public(item["jwk"]), certificate,
                   bool(item.get("active")), backend,
                   {k: item[k] for k in PUBLIC_FIELDS if k in item} or None)


def kid_of(kind: str, public_key, certificate: x509.Certificate | None) -> tuple[str, str]:
    """A key's id and its file stem: the DSC's 8-byte key id for hcert (base64, and base64url
    for the file name), the RFC 7638 thumbprint otherwise."""
    if kind == "hcert":
        raw = kid_for(certificate)
        return (base64.b64encode(raw).decode("ascii"),
                base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="))
    kid = jose.thumbprint(public_key)
    return kid, kid
