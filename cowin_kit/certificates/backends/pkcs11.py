"""Private keys in a PKCS#11 token: a hardware security module, or a cloud KMS through its
PKCS#11 library (``PKCS11_MODULE``: the library's path; ``PKCS11_TOKEN``: the token label;
``PKCS11_PIN`` or ``PKCS11_PIN_FILE``: the user PIN). Keys are made inside the token as
sensitive, non-extractable objects; the registry file ``<stem>.pkcs11.json`` records the
object's CKA_ID (and, for people, its label and the token's label).

Mechanisms: CKM_ECDSA over the SHA-256 digest (ES256, P-256), CKM_EDDSA (Ed25519),
CKM_RSA_PKCS_PSS with SHA-256/MGF1-SHA-256/32-byte salt over the digest (PS256). CI runs them
against SoftHSM2 (tests/certificates/test_pkcs11.py).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .base import KeyBackend, KeyBackendError, SignFunction

P256 = "secp256r1"
ED25519_OID = "1.3.101.112"


def _pkcs11():
    try:
        import pkcs11
    except ImportError as exc:  # pragma: no cover - python-pkcs11 is a dependency
        raise KeyBackendError("the PKCS#11 backend needs python-pkcs11 (pip install python-pkcs11)") from exc
    return pkcs11


class Pkcs11Backend(KeyBackend):
    name = "pkcs11"

    def __init__(self, module: str, token: str, pin: str | None) -> None:
        if not module or not token:
            raise KeyBackendError("the pkcs11 key backend needs COWIN_KIT_PKCS11_MODULE (the "
                                  "PKCS#11 library's path) and COWIN_KIT_PKCS11_TOKEN (the token label)")
        if not pin:
            raise KeyBackendError("the pkcs11 key backend needs COWIN_KIT_PKCS11_PIN or "
                                  "COWIN_KIT_PKCS11_PIN_FILE (the token's user PIN)")
        self.module, self.token_label, self._pin = module, token, pin
        self._lock = threading.Lock()
        self._session = None

    # -- session --------------------------------------------------------------------------------
    def _open(self):
        pkcs11 = _pkcs11()
        try:
            lib = pkcs11.lib(self.module)
            token = lib.get_token(token_label=self.token_label)
            try:
                return token.open(user_pin=self._pin, rw=True)
            except pkcs11.exceptions.UserAlreadyLoggedIn:
                # PKCS#11 logs in per process: a new session of a logged-in process shares it
                return token.open(rw=True)
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            raise KeyBackendError(f"cannot open PKCS#11 token {self.token_label!r} with "
                                  f"{self.module} ({type(exc).__name__}): check the module path, "
                                  "the token label and the PIN") from exc

    def _run(self, action):
        """Run ``action(session)`` under the lock; reopen the session once if the token dropped it."""
        pkcs11 = _pkcs11()
        with self._lock:
            for attempt in (1, 2):
                if self._session is None:
                    self._session = self._open()
                try:
                    return action(self._session)
                except (pkcs11.exceptions.SessionClosed, pkcs11.exceptions.SessionHandleInvalid,
                        pkcs11.exceptions.DeviceRemoved, pkcs11.exceptions.TokenNotPresent):
                    self._session = None
                    if attempt == 2:
                        raise

    def _key(self, session, object_class, key_id: bytes):
        pkcs11 = _pkcs11()
        try:
            return session.get_key(object_class=object_class, id=key_id)
        except pkcs11.NoSuchKey:
            raise KeyBackendError(f"PKCS#11 token {self.token_label!r} has no key with id "
                                  f"{key_id.hex()}") from None

    @staticmethod
    def _key_id(path: Path) -> bytes:
        try:
            return bytes.fromhex(json.loads(path.read_text("utf-8"))["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyBackendError(f"{path.name} does not name a PKCS#11 key (expected {{\"id\": hex}})") from exc

    # -- KeyBackend -----------------------------------------------------------------------------
    def generate(self, algorithm: str, label: str) -> tuple[object, bytes]:
        pkcs11 = _pkcs11()
        from pkcs11 import Attribute, KeyType, Mechanism
        from pkcs11.util.ec import encode_named_curve_parameters

        key_id = os.urandom(16)
        private = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True}
        public = {Attribute.VERIFY: True}

        def make(session):
            options = dict(store=True, label=label, id=key_id, private_template=private, public_template=public)
            if algorithm == "PS256":
                pub, _priv = session.generate_keypair(KeyType.RSA, 2048, **options)
            elif algorithm in ("ES256", "EdDSA"):
                curve = P256 if algorithm == "ES256" else ED25519_OID
                params = session.create_domain_parameters(
                    KeyType.EC if algorithm == "ES256" else KeyType.EC_EDWARDS,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)}, local=True)
                if algorithm == "EdDSA":
                    options["mechanism"] = Mechanism.EC_EDWARDS_KEY_PAIR_GEN
                pub, _priv = params.generate_keypair(**options)
            else:
                raise ValueError(f"unsupported algorithm {algorithm!r}")
            return _public_key(pub, algorithm)

        try:
            public_key = self._run(make)
        except pkcs11.PKCS11Error as exc:
            raise KeyBackendError(f"PKCS#11 token {self.token_label!r} cannot make an {algorithm} key "
                                  f"({type(exc).__name__})") from exc
        content = {"token": self.token_label, "id": key_id.hex(), "label": label, "alg": algorithm}
        return public_key, (json.dumps(content, indent=2) + "\n").encode("utf-8")

    def signer(self, path: Path) -> SignFunction:
        from pkcs11 import MGF, Mechanism, ObjectClass

        key_id = self._key_id(path)

        def sign(alg: str, tbs: bytes) -> bytes:
            def run(session):
                key = self._key(session, ObjectClass.PRIVATE_KEY, key_id)
                if alg == "ES256":
                    return key.sign(tbs, mechanism=Mechanism.ECDSA)  # r||s, as JOSE wants
                if alg == "EdDSA":
                    return key.sign(tbs, mechanism=Mechanism.EDDSA)
                if alg == "PS256":
                    return key.sign(tbs, mechanism=Mechanism.RSA_PKCS_PSS,
                                    mechanism_param=(Mechanism.SHA256, MGF.SHA256, 32))
                raise KeyBackendError(f"unsupported algorithm {alg!r}")

            return self._run(run)

        return sign

    def public_key(self, path: Path):
        from pkcs11 import KeyType, ObjectClass

        key_id = self._key_id(path)

        def read(session):
            key = self._key(session, ObjectClass.PUBLIC_KEY, key_id)
            algorithm = {KeyType.RSA: "PS256", KeyType.EC: "ES256", KeyType.EC_EDWARDS: "EdDSA"}[key.key_type]
            return _public_key(key, algorithm)

        return self._run(read)


def _public_key(key, algorithm: str):
    """A ``cryptography`` public key from a PKCS#11 public key object."""
    from asn1crypto.core import OctetString
    from pkcs11 import Attribute

    if algorithm == "PS256":
        return rsa.RSAPublicNumbers(int.from_bytes(key[Attribute.PUBLIC_EXPONENT], "big"),
                                    int.from_bytes(key[Attribute.MODULUS], "big")).public_key()
    point = OctetString.load(key[Attribute.EC_POINT]).native  # DER OCTET STRING around the point
    if algorithm == "EdDSA":
        return ed25519.Ed25519PublicKey.from_public_bytes(point)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
