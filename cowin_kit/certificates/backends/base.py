"""What every key backend shares: settings, the error, the base class and how a message is
prepared for signing (``backends/__init__.py`` explains the backends)."""


from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

ALGORITHMS = ("EdDSA", "ES256", "PS256")
BACKENDS = ("files", "pkcs11")
#: The registry file that names each backend's private key.
SUFFIXES = {"files": ".key.pem", "pkcs11": ".pkcs11.json"}

#: Sign what ``to_be_signed`` gave for an algorithm; returns the raw JOSE signature.
SignFunction = Callable[[str, bytes], bytes]


class KeyBackendError(RuntimeError):
    """A backend cannot be used as configured; the message says what to set."""


def to_be_signed(alg: str, message: bytes) -> bytes:
    """What a backend signs: the SHA-256 digest (ES256, PS256) or the message itself (EdDSA)."""
    if alg not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {alg!r}")
    return message if alg == "EdDSA" else hashlib.sha256(message).digest()


def _secret(config: Mapping, name: str) -> str | None:
    """A secret setting exactly as given: COWIN_KIT_<NAME> from the environment (not parsed as
    JSON, so a numeric PIN keeps its leading zeros), else the setting, else the file that
    <NAME>_FILE names (one trailing newline dropped)."""
    value = os.environ.get(f"COWIN_KIT_{name}")
    if value is None and config.get(name) not in (None, ""):
        value = str(config[name])
    if value is None and config.get(f"{name}_FILE"):
        path = Path(str(config[f"{name}_FILE"]))
        try:
            value = path.read_text("utf-8")
        except OSError as exc:
            raise KeyBackendError(f"cannot read COWIN_KIT_{name}_FILE {path} ({exc.strerror})") from exc
        value = value[:-1] if value.endswith("\n") else value
    return value or None


@dataclass(frozen=True)
class BackendSettings:
    """Key backend settings (``KEYS_*`` and ``PKCS11_*``), from app.config or the environment."""

    generate_in: str = "files"
    passphrase: bytes | None = None
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_pin: str | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> "BackendSettings":
        backend = str(config.get("KEYS_BACKEND") or "files")
        if backend not in BACKENDS:
            raise KeyBackendError(f"COWIN_KIT_KEYS_BACKEND is {backend!r}: use files or pkcs11")
        passphrase = _secret(config, "KEYS_PASSPHRASE")
        return cls(backend, passphrase.encode("utf-8") if passphrase else None,
                   str(config.get("PKCS11_MODULE") or ""), str(config.get("PKCS11_TOKEN") or ""),
                   _secret(config, "PKCS11_PIN"))


class KeyBackend:
    """Makes key pairs and signs with them; private keys never leave it."""

    name = ""

    def generate(self, algorithm: str, label: str) -> tuple[object, bytes]:
        """A new key pair: its public key (a ``cryptography`` object) and the content of the
        registry file (``SUFFIXES[name]``) that finds the private key again."""
        raise NotImplementedError

    def signer(self, path: Path) -> SignFunction:
        """The signing function of the private key that registry file ``path`` names."""
        raise NotImplementedError

    def public_key(self, path: Path):
        """The public key of the private key ``path`` names (registries without ``.pub.pem``)."""
        raise NotImplementedError
