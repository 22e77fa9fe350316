"""Purpose keys: every key the kit uses, derived from the configured secrets in one place.

Two secrets, with different lives (docs/deploy.md, "Secrets"):

* ``COWIN_KIT_SECRET_KEY`` (with ``COWIN_KIT_SECRET_KEY_FALLBACKS``, the keys it replaced)
  keys what lives minutes or hours: the session cookie, CSRF tokens, citizen bearer tokens,
  OTP and captcha hashes. It can be rotated: what was signed with a fallback is still accepted
  until it expires, while everything new is signed with the current key.
* ``COWIN_KIT_IDENTITY_HASH_KEY`` keys what is stored for good: the identity-number hashes
  (registration, duplicate detection) and the staff sign-in address hashes. Changing it would
  make every registered person unfindable, so it never follows a rotation of the secret key.
  When unset it is the secret key itself (how the kit always hashed), which is why rotating
  the secret key without setting it is refused (:func:`check_rotation`).

Each purpose gets its own key, derived with HKDF-SHA256 (RFC 5869) with the purpose as ``info``,
so no two uses ever share a key and a key leaked from one use opens no other.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from flask.sessions import SecureCookieSessionInterface

#: Purposes keyed from the rotating secret key (current key first, then the fallbacks).
ROTATING = frozenset({"session", "csrf", "citizen-jwt", "otp", "captcha"})
#: Purposes keyed from the stable identity hash key (hashes kept in the database).
STABLE = frozenset({"staff-login-address", "sms-mobile"})


@functools.lru_cache(maxsize=256)
def _hkdf(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"cowin-kit:{purpose}".encode()).derive(secret.encode())


def parse_fallbacks(value: object) -> list[str]:
    """Read COWIN_KIT_SECRET_KEY_FALLBACKS: a list (config file, JSON) or a string of keys
    separated by commas, spaces or new lines (an environment variable), newest first."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError("COWIN_KIT_SECRET_KEY_FALLBACKS starts with '[' but is not a "
                                 "JSON list of strings") from None
        else:
            return [key for key in text.replace(",", " ").split() if key]
    if not isinstance(value, (list, tuple)) or not all(isinstance(k, str) for k in value):
        raise ValueError("COWIN_KIT_SECRET_KEY_FALLBACKS must be a list of keys (strings)")
    return [key.strip() for key in value if key.strip()]


def purpose_keys(purpose: str, app: Flask | None = None) -> list[bytes]:
    """The keys for one purpose: the one to sign with first, then those still accepted."""
    config = (app or current_app).config
    if purpose in STABLE:
        return [_hkdf(identity_hash_key(app), purpose)]
    if purpose not in ROTATING:
        raise KeyError(f"unknown key purpose {purpose!r}")
    secrets = [str(config["SECRET_KEY"]), *(config.get("SECRET_KEY_FALLBACKS") or ())]
    return [_hkdf(secret, purpose) for secret in secrets]


def purpose_key(purpose: str, app: Flask | None = None) -> bytes:
    """The key to sign (or hash) with for one purpose now."""
    return purpose_keys(purpose, app)[0]


def identity_hash_key(app: Flask | None = None) -> str:
    """The stable key of stored hashes (identity numbers): IDENTITY_HASH_KEY, else SECRET_KEY."""
    config = (app or current_app).config
    return str(config.get("IDENTITY_HASH_KEY") or config["SECRET_KEY"])


def check_rotation(config) -> list[str]:
    """What is wrong with the key settings in any mode, each with what to do instead."""
    problems = []
    if config.get("SECRET_KEY_FALLBACKS") and not config.get("IDENTITY_HASH_KEY"):
        problems.append(
            "COWIN_KIT_SECRET_KEY_FALLBACKS is set (the secret key is being rotated) but "
            "COWIN_KIT_IDENTITY_HASH_KEY is not: identity numbers would be hashed with the new "
            "key and nobody registered before could be found. Set COWIN_KIT_IDENTITY_HASH_KEY "
            "to the key the identity numbers were hashed with (the first COWIN_KIT_SECRET_KEY "
            "this database ran with) and keep it for good")
    if config.get("SECRET_KEY") in (config.get("SECRET_KEY_FALLBACKS") or ()):
        problems.append("COWIN_KIT_SECRET_KEY_FALLBACKS lists the current COWIN_KIT_SECRET_KEY: "
                        "list only the keys it replaced")
    return problems


class PurposeKeySessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, keyed with the session purpose key; cookies signed with a
    fallback key are still read (and re-signed with the current key when the session changes)."""

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        from itsdangerous import URLSafeTimedSerializer

        keys = purpose_keys("session", app)
        return URLSafeTimedSerializer(
            list(reversed(keys)),  # itsdangerous signs with the last key, accepts them all
            salt=self.salt, serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation,
                           "digest_method": self.digest_method})


def init_app(app: Flask) -> None:
    """Key the session cookie and CSRF tokens with their purpose keys (fallbacks accepted)."""
    app.session_interface = PurposeKeySessionInterface()
    if app.secret_key and "WTF_CSRF_SECRET_KEY" not in app.config:
        # Flask-WTF hands this to itsdangerous, which signs with the last key, accepts them all.
        app.config["WTF_CSRF_SECRET_KEY"] = list(reversed(purpose_keys("csrf", app)))


def keyed_hash(purpose: str, message: bytes, key: bytes | None = None) -> str:
    """HMAC-SHA256 (hex) of ``message`` under the purpose's current key (or ``key``)."""
    return hmac.new(key or purpose_key(purpose), message, hashlib.sha256).hexdigest()


def keyed_hash_matches(purpose: str, message: bytes, expected: str) -> bool:
    """Whether ``expected`` is the keyed hash of ``message`` under the purpose's current key or
    one of its fallbacks (constant-time comparisons, every key tried)."""
    found = False
    for key in purpose_keys(purpose):
        found |= hmac.compare_digest(keyed_hash(purpose, message, key), str(expected))
    return found
