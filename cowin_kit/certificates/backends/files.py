"""Private keys in PKCS#8 PEM files, encrypted with a passphrase (``KEYS_PASSPHRASE``).

Without a passphrase keys are written unencrypted (demo, tests, a folder the operator encrypts
otherwise); an encrypted key is refused without its passphrase, with a message saying which
setting to give. ``cowin-kit keys encrypt`` encrypts a folder made before passphrases.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from .base import KeyBackend, KeyBackendError, SignFunction

PREHASHED = Prehashed(hashes.SHA256())


def new_private_key(algorithm: str):
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "PS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unsupported algorithm {algorithm!r}")


def pem(private_key, passphrase: bytes | None) -> bytes:
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def is_encrypted(data: bytes) -> bool:
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data


def load(path: Path, passphrase: bytes | None):
    """The private key in ``path``; a clear KeyBackendError when the passphrase is missing or wrong."""
    data = path.read_bytes()
    if is_encrypted(data) and not passphrase:
        raise KeyBackendError(f"{path.name} is encrypted: set COWIN_KIT_KEYS_PASSPHRASE (or "
                              "COWIN_KIT_KEYS_PASSPHRASE_FILE) to its passphrase")
    try:
        return serialization.load_pem_private_key(data, password=passphrase if is_encrypted(data) else None)
    except (ValueError, TypeError) as exc:
        raise KeyBackendError(f"cannot read {path.name}: wrong COWIN_KIT_KEYS_PASSPHRASE or a "
                              "damaged key file") from exc


def sign_function(private_key) -> SignFunction:
    """Sign ``to_be_signed`` output (a SHA-256 digest, or the message for EdDSA) with a key."""
    def sign(alg: str, tbs: bytes) -> bytes:
        if alg == "EdDSA" and isinstance(private_key, ed25519.Ed25519PrivateKey):
            return private_key.sign(tbs)
        if alg == "ES256" and isinstance(private_key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(private_key.sign(tbs, ec.ECDSA(PREHASHED)))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if alg == "PS256" and isinstance(private_key, rsa.RSAPrivateKey):
            return private_key.sign(tbs, padding.PSS(padding.MGF1(hashes.SHA256()), 32), PREHASHED)
        raise KeyBackendError(f"a {type(private_key).__name__} cannot make {alg} signatures")

    return sign


class FileBackend(KeyBackend):
    name = "files"

    def __init__(self, passphrase: bytes | None) -> None:
        self.passphrase = passphrase

    def generate(self, algorithm: str, label: str) -> tuple[object, bytes]:
        private_key = new_private_key(algorithm)
        return private_key.public_key(), pem(private_key, self.passphrase)

    def signer(self, path: Path) -> SignFunction:
        return sign_function(load(path, self.passphrase))

    def public_key(self, path: Path):
        return load(path, self.passphrase).public_key()
