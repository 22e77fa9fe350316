"""Signing keys on disk (``KEYS_DIR``), one folder per key kind, plus a trust list.

Layout::

    KEYS_DIR/divoc/<kid>.key.pem       Ed25519 or RSA private key (0600) — DIVOC W3C credential
    KEYS_DIR/hcert/<kid>.key.pem       ECDSA P-256 private key (0600) — EU DCC and WHO DDCC:VS
    KEYS_DIR/hcert/<kid>.crt.pem       its self-signed document-signer certificate (DSC)
    KEYS_DIR/shc/<kid>.key.pem         ECDSA P-256 private key (0600) — SMART Health Cards
    KEYS_DIR/active.json               {"divoc": kid, "hcert": kid, "shc": kid}
    KEYS_DIR/trust/*.pem|*.crt         foreign issuers' DSCs (EU DCC / DDCC verification)
    KEYS_DIR/trust/*.json              foreign issuers' JWKS: {"iss": url, "keys": [...]}

Rotated-out keys stay in their folder so certificates signed with them still verify. Folder
contents can also come from a mounted Kubernetes Secret (read-only is fine for verification).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import Conflict

from .formats import jose
from .formats.hcert import HcertSigner, kid_for

KINDS = ("divoc", "hcert", "shc")
FORMAT_KIND = {"divoc_vc": "divoc", "eu_dcc": "hcert", "ddcc": "hcert", "shc": "shc"}
KEY_SUFFIX = ".key.pem"


class MissingKey(Conflict):
    """No signing key of the asked kind: run ``cowin-kit keys generate``."""

    code = "SIGNING_KEY_MISSING"
    default_message = _l("Certificate signing keys are not set up on this server yet.")


@dataclass(frozen=True)
class KeyInfo:
    kind: str
    kid: str
    algorithm: str
    private_key: object | None
    public_key: object
    certificate: x509.Certificate | None = None
    active: bool = False

    def public_dict(self) -> dict:
        """The public side as JSON: key id, algorithm, JWK and (for HCERT) the DSC."""
        out = {"kind": self.kind, "kid": self.kid, "alg": self.algorithm, "active": self.active,
               "jwk": {**jose.public_jwk(self.public_key), "kid": self.kid, "use": "sig",
                       "alg": self.algorithm}}
        if self.certificate is not None:
            out["certificate"] = base64.b64encode(
                self.certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
            out["certificate_pem"] = self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return out


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _pem(private_key) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def _algorithm(private_key) -> str:
    return jose.alg_for(private_key)


def self_signed_dsc(private_key, issuer_name: str, country: str, days: int = 730) -> x509.Certificate:
    """A self-signed document-signer certificate (CSCA-style subject from the profile issuer)."""
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, (country or "XX")[:2].upper()),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, (issuer_name or "cowin-kit")[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, "cowin-kit DSC"),
    ])
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(private_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
            # extended key usage OIDs for vaccination certificates (EU DCC)
            .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.2")]), False)
            .sign(private_key, hashes.SHA256()))


class KeyStore:
    """Keys of one instance, read from and written to ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, tuple[float, list[KeyInfo]]] = {}

    # -- writing ------------------------------------------------------------------------------
    def generate(self, kind: str, *, algorithm: str = "ed25519", issuer_name: str = "",
                 country: str = "", force: bool = False) -> KeyInfo:
        """Create a key of ``kind`` and make it active (unless one is active and not ``force``)."""
        if kind not in KINDS:
            raise ValueError(f"unknown key kind {kind!r}; one of {', '.join(KINDS)}")
        if not force:
            current = self.active_kid(kind)
            if current:
                return self.get(kind, current)
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        if kind == "divoc":
            private_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                           if algorithm == "rsa" else ed25519.Ed25519PrivateKey.generate())
        else:
            private_key = ec.generate_private_key(ec.SECP256R1())
        certificate = None
        if kind == "hcert":
            certificate = self_signed_dsc(private_key, issuer_name, country)
            kid = base64.b64encode(kid_for(certificate)).decode("ascii")
            stem = base64.urlsafe_b64encode(kid_for(certificate)).decode("ascii").rstrip("=")
        else:
            kid = stem = jose.thumbprint(private_key.public_key())
        _write_private(folder / f"{stem}{KEY_SUFFIX}", _pem(private_key))
        if certificate is not None:
            (folder / f"{stem}.crt.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        self._set_active(kind, kid)
        return self.get(kind, kid)

    def rotate(self, kind: str, **options) -> KeyInfo:
        """Generate a new active key; the old ones stay for verification."""
        return self.generate(kind, force=True, **options)

    def _set_active(self, kind: str, kid: str) -> None:
        active = self._active()
        active[kind] = kid
        tmp = self.root / "active.json.tmp"
        tmp.write_text(json.dumps(active, indent=2))
        tmp.replace(self.root / "active.json")
        self._cache.clear()

    # -- reading ------------------------------------------------------------------------------
    def _active(self) -> dict:
        try:
            return json.loads((self.root / "active.json").read_text())
        except FileNotFoundError:
            return {}

    def active_kid(self, kind: str) -> str | None:
        return self._active().get(kind)

    def keys(self, kind: str) -> list[KeyInfo]:
        """Every key of a kind (active first), reloaded when the folder changes."""
        folder = self.root / kind
        try:
            stamp = max(folder.stat().st_mtime, (self.root / "active.json").stat().st_mtime)
        except FileNotFoundError:
            return []
        cached = self._cache.get(kind)
        if cached and cached[0] == stamp:
            return cached[1]
        active = self.active_kid(kind)
        found = []
        for path in sorted(folder.glob(f"*{KEY_SUFFIX}")):
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            certificate = None
            if kind == "hcert":
                cert_path = path.with_name(path.name[: -len(KEY_SUFFIX)] + ".crt.pem")
                certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
                kid = base64.b64encode(kid_for(certificate)).decode("ascii")
            else:
                kid = jose.thumbprint(private_key.public_key())
            found.append(KeyInfo(kind, kid, _algorithm(private_key), private_key, private_key.public_key(),
                                 certificate, kid == active))
        found.sort(key=lambda k: not k.active)
        self._cache[kind] = (stamp, found)
        return found

    def get(self, kind: str, kid: str) -> KeyInfo:
        for info in self.keys(kind):
            if info.kid == kid:
                return info
        raise MissingKey(detail=f"no {kind} key {kid}")

    def active(self, kind: str) -> KeyInfo:
        kid = self.active_kid(kind)
        if not kid:
            raise MissingKey(detail=f"no active {kind} signing key: run `cowin-kit keys generate`")
        return self.get(kind, kid)

    def hcert_signer(self) -> HcertSigner:
        info = self.active("hcert")
        return HcertSigner(info.private_key, info.certificate)

    # -- trust list ---------------------------------------------------------------------------
    def trusted_certificates(self) -> list[x509.Certificate]:
        """Foreign document-signer certificates (PEM or DER) from ``trust/``."""
        out = []
        for path in sorted((self.root / "trust").glob("*")):
            if path.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
                continue
            data = path.read_bytes()
            try:
                if b"-----BEGIN" in data:
                    out.extend(x509.load_pem_x509_certificates(data))
                else:
                    out.append(x509.load_der_x509_certificate(data))
            except ValueError:
                continue
        return out

    def trusted_jwks(self) -> list[dict]:
        """Foreign issuers' key sets from ``trust/*.json``: [{"iss": url, "keys": [...]}]."""
        out = []
        for path in sorted((self.root / "trust").glob("*.json")):
            try:
                data = json.loads(path.read_text("utf-8"))
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("keys"), list):
                out.append(data)
        return out


def keystore(app=None) -> KeyStore:
    """The app's key store (one per app, created on first use)."""
    from flask import current_app

    app = app or current_app._get_current_object()
    store = app.extensions.get("cowin_keystore")
    if store is None or store.root != Path(app.config["KEYS_DIR"]):
        store = app.extensions["cowin_keystore"] = KeyStore(app.config["KEYS_DIR"])
    return store


def issuer_settings(profile) -> tuple[str, str]:
    """Issuer name and country from the profile's certificate settings."""
    certs = getattr(profile, "certificates", None)
    name = getattr(certs, "issuer_name", None) or "cowin-kit"
    country = getattr(certs, "issuer_country", None) or getattr(profile, "alpha2", "XX")
    return name, country


def ensure_keys(app, profile, echo=None) -> list[KeyInfo]:
    """Generate any missing key (idempotent): used by the demo seed and ``cowin-kit init``."""
    store = keystore(app)
    name, country = issuer_settings(profile)
    made = []
    for kind in KINDS:
        if not store.active_kid(kind):
            info = store.generate(kind, issuer_name=name, country=country)
            made.append(info)
            if echo:
                echo(f"generated {kind} signing key {info.kid}")
    return made
