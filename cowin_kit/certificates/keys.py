"""Signing keys: a registry of public keys (``KEYS_DIR``) and the backends holding the private ones.

Layout of ``KEYS_DIR``::

    KEYS_DIR/<kind>/<stem>.pub.pem      the public key (SubjectPublicKeyInfo)
    KEYS_DIR/hcert/<stem>.crt.pem       the document-signer certificate (DSC) of an hcert key
    KEYS_DIR/<kind>/<stem>.key.pem      backend "files": PKCS#8 private key (0600), encrypted
                                        with KEYS_PASSPHRASE when one is set
    KEYS_DIR/<kind>/<stem>.pkcs11.json  backend "pkcs11": the token object holding the private key
    KEYS_DIR/active.json                {"divoc": kid, "hcert": kid, "shc": kid}
    KEYS_DIR/trust/*.pem|*.crt          foreign issuers' DSCs (EU DCC / DDCC verification)
    KEYS_DIR/trust/*.json               foreign issuers' JWKS: {"iss": url, "keys": [...]}

Kinds: ``divoc`` (Ed25519 or RSA: DIVOC W3C credential), ``hcert`` (ECDSA P-256: EU DCC, WHO
DDCC:VS, the signed revocation list), ``shc`` (ECDSA P-256: SMART Health Cards). Folders made
before ``.pub.pem`` existed (private keys only) still load.

Rotated-out keys stay in their folder so certificates signed with them still verify. The web
pods of a production installation hold no private key: ``SIGNER_URL`` makes :func:`stores.keystore`
return the signer's client (``signer.RemoteKeyStore``), which lists the signer's public keys and
asks it for signatures. Both stores offer the same interface (docs/certificates.md, "Where keys
live: backends and the signer"): ``keys(kind)``, ``active(kind)``, ``get(kind, kid)``,
``sign_batch([SignRequest])``, ``trusted_certificates()``, ``trusted_jwks()``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import Conflict, ServiceUnavailable

from .backends import SUFFIXES, BackendSettings, KeyBackendError, SignFunction, backend, to_be_signed
from .backends import files as file_backend
from . import lifecycle
from .dsc import self_signed_dsc
from .formats import jose
from .keyinfo import KeyInfo, kid_of  # noqa: F401 - part of this module's interface

log = logging.getLogger(__name__)

KINDS = ("divoc", "hcert", "shc")
FORMAT_KIND = {"divoc_vc": "divoc", "eu_dcc": "hcert", "ddcc": "hcert", "shc": "shc"}
#: What each kind of key may sign (``SignRequest.purpose``): the certificate formats, and the
#: revocation list (a JWS with the document signer's key).
PURPOSES = {**FORMAT_KIND, "revocations": "hcert"}
#: Algorithms per kind; the first is the default for new keys.
KIND_ALGORITHMS = {"divoc": ("EdDSA", "PS256"), "hcert": ("ES256",), "shc": ("ES256",)}
#: The names ``cowin-kit keys generate --algorithm`` takes for the DIVOC key.
ALGORITHM_NAMES = {"ed25519": "EdDSA", "rsa": "PS256", "ec": "ES256"}
KEY_SUFFIX = SUFFIXES["files"]
PUBLIC_SUFFIX = ".pub.pem"
CERT_SUFFIX = ".crt.pem"


class MissingKey(Conflict):
    """No signing key of the asked kind: run ``cowin-kit keys generate``."""

    code = "SIGNING_KEY_MISSING"
    default_message = _l("Certificate signing keys are not set up on this server yet.")


class SigningUnavailable(ServiceUnavailable):
    """The signer (or the key backend) cannot sign now; the detail went to the log."""

    code = "SIGNING_UNAVAILABLE"
    default_message = _l("Certificates cannot be signed at the moment. Please try again in a few minutes.")

    def __init__(self, message=None, *, retry_after: int | None = None, **params) -> None:
        from flask import has_app_context

        # the signer service runs without a Flask app: it needs no Retry-After setting
        super().__init__(message, retry_after=retry_after or (None if has_app_context() else 30), **params)


@dataclass(frozen=True)
class SignRequest:
    """Sign ``message`` with key ``kid`` for ``purpose`` (a format, or ``revocations``)."""

    kid: str
    purpose: str
    message: bytes


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _public_pem(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class KeyLookup:
    """What both key stores share: finding keys in ``keys(kind)``, signing one message."""

    #: What to do when a kind has no active key.
    missing_hint = "run `cowin-kit keys generate`"

    def keys(self, kind: str) -> list[KeyInfo]:
        raise NotImplementedError

    def active_kid(self, kind: str) -> str | None:
        """The signing key: the latest whose activation time has come (lifecycle.py)."""
        return next((info.kid for info in self.keys(kind) if info.active), None)

    def sign_batch(self, requests: Sequence[SignRequest]) -> list[bytes]:
        raise NotImplementedError

    def get(self, kind: str, kid: str) -> KeyInfo:
        for info in self.keys(kind):
            if info.kid == kid:
                return info
        raise MissingKey(detail=f"no {kind} key {kid}")

    def active(self, kind: str) -> KeyInfo:
        kid = self.active_kid(kind)
        if not kid:
            raise MissingKey(detail=f"no active {kind} signing key: {self.missing_hint}")
        return self.get(kind, kid)

    def sign(self, kid: str, purpose: str, message: bytes) -> bytes:
        """The raw JOSE signature of ``message`` by key ``kid`` for ``purpose``."""
        return self.sign_batch([SignRequest(kid, purpose, message)])[0]


class KeyStore(KeyLookup):
    """This process's keys: the registry in ``root`` and the backends holding private keys."""

    remote = False

    def __init__(self, root: str | Path, settings: BackendSettings | None = None) -> None:
        self.root = Path(root)
        self.settings = settings or BackendSettings()
        self._cache: dict[str, tuple[float, list[KeyInfo]]] = {}
        self._private: dict[str, tuple[str, str, Path]] = {}  # kid -> (kind, backend, registry file)
        self._signers: dict[Path, tuple[float, SignFunction]] = {}
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        return f"keys:{self.root}"

    # -- writing ------------------------------------------------------------------------------
    def generate(self, kind: str, *, algorithm: str | None = None, issuer_name: str = "",
                 country: str = "", force: bool = False, backend_name: str | None = None,
                 public_url: str = "", activates_at: dt.datetime | None = None) -> KeyInfo:
        """Create a key of ``kind`` and make it active (unless one is active and not ``force``).

        ``algorithm``: a JOSE name (EdDSA, ES256, PS256) or ed25519/rsa; ``backend_name``:
        files or pkcs11 (default ``KEYS_BACKEND``). ``activates_at`` in the future makes the
        key ``next`` until then (lifecycle.py); ``public_url`` gives its did:web."""
        if kind not in KINDS:
            raise ValueError(f"unknown key kind {kind!r}; one of {', '.join(KINDS)}")
        if not force:
            current = self.active_kid(kind)
            if current:
                return self.get(kind, current)
        alg = ALGORITHM_NAMES.get(algorithm or "", algorithm) or KIND_ALGORITHMS[kind][0]
        if alg not in KIND_ALGORITHMS[kind]:
            alg = KIND_ALGORITHMS[kind][0]  # the hcert and shc formats are ES256 only
        chosen = backend(backend_name or self.settings.generate_in, self.settings)
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        public_key, private_file = chosen.generate(alg, f"cowin-kit {kind} {alg}")
        certificate = None
        if kind == "hcert":
            tmp = folder / f".new-{os.getpid()}{SUFFIXES[chosen.name]}"
            _write_private(tmp, private_file)
            try:
                certificate = self_signed_dsc(public_key, chosen.signer(tmp), issuer_name, country)
            finally:
                tmp.unlink()
        kid, stem = kid_of(kind, public_key, certificate)
        _write_private(folder / f"{stem}{SUFFIXES[chosen.name]}", private_file)
        (folder / f"{stem}{PUBLIC_SUFFIX}").write_bytes(_public_pem(public_key))
        if certificate is not None:
            (folder / f"{stem}{CERT_SUFFIX}").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        now = lifecycle.utcnow()
        lifecycle.record(self.root, kind, kid, public_url=public_url, activates_at=activates_at or now, now=now)
        if activates_at is None or activates_at <= now:
            self._set_active(kind, kid)
        self._cache.clear()
        log.info("signing key generated: kind=%s kid=%s alg=%s backend=%s", kind, kid, alg, chosen.name)
        return self.get(kind, kid)

    def rotate(self, kind: str, *, delay: dt.timedelta = dt.timedelta(hours=48), **options) -> KeyInfo:
        """Publish a new key as ``next``; it signs once ``delay`` has passed (lifecycle.py).
        The old ones stay, verify-only, for the certificates they signed."""
        return self.generate(kind, force=True, activates_at=lifecycle.utcnow() + delay, **options)

    def encrypt_files(self) -> list[str]:
        """Encrypt every unencrypted ``*.key.pem`` with the configured passphrase (in place,
        atomically) and write any missing ``.pub.pem``. Returns the files encrypted."""
        if not self.settings.passphrase:
            raise KeyBackendError("set COWIN_KIT_KEYS_PASSPHRASE (or COWIN_KIT_KEYS_PASSPHRASE_FILE) first")
        done = []
        for kind in KINDS:
            for path in sorted((self.root / kind).glob(f"*{KEY_SUFFIX}")):
                private_key = file_backend.load(path, self.settings.passphrase)
                public = path.with_name(path.name[: -len(KEY_SUFFIX)] + PUBLIC_SUFFIX)
                if not public.exists():
                    public.write_bytes(_public_pem(private_key.public_key()))
                if file_backend.is_encrypted(path.read_bytes()):
                    continue
                tmp = path.with_name(f".{path.name}.tmp")
                tmp.unlink(missing_ok=True)
                _write_private(tmp, file_backend.pem(private_key, self.settings.passphrase))
                tmp.replace(path)
                done.append(f"{kind}/{path.name}")
        self._cache.clear()
        self._signers.clear()
        return done

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

    def keys(self, kind: str) -> list[KeyInfo]:
        """Every key of a kind (active first), reloaded when the folder changes."""
        folder = self.root / kind
        try:
            stamp = max(folder.stat().st_mtime, (self.root / "active.json").stat().st_mtime)
        except FileNotFoundError:
            return []
        cached = self._cache.get(kind)
        if cached and cached[0] == stamp:
            return lifecycle.with_status(self.root, kind, self._active().get(kind), cached[1])
        stems: dict[str, dict[str, Path]] = {}
        suffixes = {PUBLIC_SUFFIX: "public", CERT_SUFFIX: "certificate",
                    **{suffix: name for name, suffix in SUFFIXES.items()}}
        for path in folder.iterdir():
            for suffix, role in suffixes.items():
                if path.name.endswith(suffix) and not path.name.startswith("."):
                    stems.setdefault(path.name[: -len(suffix)], {})[role] = path
        found = []
        for stem in sorted(stems):
            files = stems[stem]
            private = next(((name, files[name]) for name in SUFFIXES if name in files), None)
            certificate = (x509.load_pem_x509_certificate(files["certificate"].read_bytes())
                           if "certificate" in files else None)
            if certificate is not None:
                public_key = certificate.public_key()
            elif "public" in files:
                public_key = serialization.load_pem_public_key(files["public"].read_bytes())
            elif private is not None:  # a folder from before .pub.pem
                public_key = self._backend(private[0]).public_key(private[1])
            else:
                continue
            kid, _stem = kid_of(kind, public_key, certificate)
            found.append(KeyInfo(kind, kid, jose.alg_for_public(public_key), public_key, certificate,
                                 False, private[0] if private else None,
                                 lifecycle.file_extras(kind, folder / stem)))
            if private is not None:
                self._private[kid] = (kind, private[0], private[1])
            found.extend(lifecycle.superseded(kind, folder / stem, public_key))
        self._cache[kind] = (stamp, found)
        return lifecycle.with_status(self.root, kind, self._active().get(kind), found)

    # -- signing ------------------------------------------------------------------------------
    def _backend(self, name: str):
        return backend(name, self.settings)

    def _signer(self, info: KeyInfo) -> SignFunction:
        """The loaded private key of ``info`` (kept while its registry file is unchanged)."""
        try:
            _kind, name, path = self._private[info.kid]
        except KeyError:
            raise MissingKey(detail=f"this process holds no private key for {info.kind} key {info.kid}") from None
        stamp = path.stat().st_mtime
        with self._lock:
            cached = self._signers.get(path)
            if cached is None or cached[0] != stamp:
                cached = self._signers[path] = (stamp, self._backend(name).signer(path))
        return cached[1]

    def _key_for(self, kid: str, purpose: str) -> KeyInfo:
        kind = PURPOSES.get(purpose)
        if kind is None:
            raise MissingKey(detail=f"nothing is signed for {purpose!r}")
        return self.get(kind, kid)

    def _sign_tbs(self, info: KeyInfo, tbs: bytes) -> bytes:
        try:
            return self._signer(info)(info.algorithm, tbs)
        except KeyBackendError as exc:  # a missing passphrase, a token that will not open
            log.error("signing failed: kind=%s kid=%s: %s", info.kind, info.kid, exc)
            raise SigningUnavailable() from exc

    def sign_prepared(self, kid: str, purpose: str, tbs: bytes) -> tuple[KeyInfo, bytes]:
        """Sign what :func:`backends.to_be_signed` made (the signer service's entry point)."""
        info = self._key_for(kid, purpose)
        if len(tbs) != 32 and info.algorithm != "EdDSA":
            raise ValueError("ES256 and PS256 sign a SHA-256 digest (32 bytes)")
        return info, self._sign_tbs(info, tbs)

    def sign_batch(self, requests: Sequence[SignRequest]) -> list[bytes]:
        """Raw JOSE signatures of each request's message, in order."""
        out = []
        for request in requests:
            info = self._key_for(request.kid, request.purpose)
            out.append(self._sign_tbs(info, to_be_signed(info.algorithm, request.message)))
        return out

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


def sign_unsigned(store, items: Sequence[tuple[str, str, jose.Unsigned]]) -> list:
    """Finish prepared signed forms ``(kid, purpose, unsigned)`` with one batch of signatures
    (one call to the signer for all of a certificate's formats)."""
    signatures = store.sign_batch([SignRequest(kid, purpose, unsigned.message) for kid, purpose, unsigned in items])
    return [unsigned.finish(signature) for (_kid, _purpose, unsigned), signature in zip(items, signatures)]


def issuer_settings(profile) -> tuple[str, str]:
    """Issuer name and country from the profile's certificate settings."""
    certs = getattr(profile, "certificates", None)
    name = getattr(certs, "issuer_name", None) or "cowin-kit"
    country = getattr(certs, "issuer_country", None) or getattr(profile, "alpha2", "XX")
    return name, country
