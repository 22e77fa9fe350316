"""Where the private signing keys live: key backends.

A backend makes key pairs and signs with them; it never hands out private material. The key
registry (``keys.KeyStore``, the ``KEYS_DIR`` folder) names each key's backend by the file kept
next to its public key:

    <kind>/<stem>.key.pem      ``files``: PKCS#8 PEM, encrypted with ``KEYS_PASSPHRASE``
    <kind>/<stem>.pkcs11.json  ``pkcs11``: which object of the configured PKCS#11 token holds it

so keys of both backends can coexist (a ministry moving its keys into an HSM keeps verifying
certificates signed with the old files). ``KEYS_BACKEND`` chooses where new keys are made.

What is signed is prepared here, the same way for every backend and for the signer service:
ES256 and PS256 sign the SHA-256 digest of the message (pre-hashed), EdDSA (Ed25519, pure)
signs the message itself. Every signature is the raw JOSE form: r||s for ES256.
"""

from __future__ import annotations

from .base import (ALGORITHMS, BACKENDS, SUFFIXES, BackendSettings,  # noqa: F401 - the API
                   KeyBackend, KeyBackendError, SignFunction, to_be_signed)
from .files import FileBackend
from .pkcs11 import Pkcs11Backend

_pkcs11_backends: dict[tuple, KeyBackend] = {}


def backend(name: str, settings: BackendSettings) -> KeyBackend:
    """The backend called ``name`` (one PKCS#11 session per module, token and PIN per process)."""
    if name == "files":
        return FileBackend(settings.passphrase)
    if name == "pkcs11":
        key = (settings.pkcs11_module, settings.pkcs11_token, settings.pkcs11_pin)
        found = _pkcs11_backends.get(key)
        if found is None:
            found = _pkcs11_backends[key] = Pkcs11Backend(*key)
        return found
    raise KeyBackendError(f"unknown key backend {name!r}: use files or pkcs11")
