"""Bearer tokens for citizens: short-lived HS256 JWTs keyed from the app's SECRET_KEY (its
"citizen-jwt" purpose key; tokens signed before a rotation pass with a fallback key), each
naming a server-side session (``jti``) that signing out ends."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time

import jwt
import sqlalchemy as sa
from flask import current_app, g, has_request_context

from cowin_kit.accounts.models import AuthSession, CitizenAccount
from cowin_kit.accounts.sessions import alive, clock_skew, end_session, start_session
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Unauthorized
from cowin_kit.core.keys import purpose_key, purpose_keys

ALGORITHM = "HS256"
#: The header segment of every token this kit signs (PyJWT's, for HS256).
_HEADER = jwt.encode({}, bytes(32), algorithm=ALGORITHM).split(".")[0]
_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config["JWT_TTL_SECONDS"]))


def token_expiry(now: dt.datetime | None = None) -> dt.datetime:
    """Return when a token issued now expires."""
    return (now or utcnow()) + _ttl()


def issue_token(account: CitizenAccount, *, txn: str | None = None,
                now: dt.datetime | None = None) -> str:
    """Return a signed token for this account, valid JWT_TTL_SECONDS (commits its session row).

    ``jti`` names a server-side session: signing out with the token deletes it, after which the
    token is refused although its signature and ``exp`` are still good.
    """
    now = now or utcnow()
    row = start_session(kind="token", lifetime=_ttl(), citizen_account_id=account.id, now=now)
    db.session.commit()
    claims = {"sub": str(account.id), "mobile": account.mobile, "jti": row.id, "iat": now,
              "nbf": now, "exp": row.expires_at}
    if txn:
        claims["txn"] = str(txn)
    return jwt.encode(claims, purpose_key("citizen-jwt"), algorithm=ALGORITHM)


def _claims(token: str) -> dict:
    # A request checks its token once (a booking looks at it before and in citizen_required).
    seen = g.get("citizen_token_claims") if has_request_context() else None
    if seen is not None and seen[0] == token:
        return seen[1]
    for key in purpose_keys("citizen-jwt"):  # the current key, then the fallbacks
        try:
            # The leeway covers pods whose clocks differ a little (exp, iat and nbf alike).
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], leeway=clock_skew(),
                                options={"require": ["exp", "sub", "jti"]})
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            break
        if has_request_context():
            g.citizen_token_claims = (token, claims)
        return claims
    raise Unauthorized()


def signature_holds(token: str) -> bool:
    """A cheap look at a bearer token: signed by this kit (the current or a fallback key),
    within its time (exp, nbf, iat, with the clock skew), naming an account and a session.

    Never looser than ``_claims`` (PyJWT): it accepts only the header this kit writes and the
    claim types PyJWT accepts, so a token it passes, ``_claims`` passes too; one it refuses may
    still be good (the full check decides). Whether the token was signed out is not looked at.
    For answers that need no more than that (``booking.refusals``): one HMAC, no PyJWT."""
    if not _SHAPE.fullmatch(token):
        return False
    header, payload, signature = token.split(".")
    if header != _HEADER or len(signature) % 4 == 1 or len(payload) % 4 == 1:
        return False
    signed = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    message = f"{header}.{payload}".encode("ascii")
    if not any(hmac.compare_digest(hmac.new(key, message, hashlib.sha256).digest(), signed)
               for key in purpose_keys("citizen-jwt")):
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return False
    if not isinstance(claims, dict) or "aud" in claims or "iss" in claims or not (
            isinstance(claims.get("sub"), str) and isinstance(claims.get("jti"), str)):
        return False
    now, skew = time.time(), clock_skew().total_seconds()
    exp, nbf, iat = (claims.get(name) for name in ("exp", "nbf", "iat"))
    if type(exp) is not int or any(t is not None and type(t) is not int for t in (nbf, iat)):
        return False
    return exp > now - skew and (nbf is None or nbf <= now + skew) and (
        iat is None or iat <= now + skew)


def _verified(token: str) -> tuple[CitizenAccount, dict]:
    claims = _claims(token)
    try:
        account_id = int(claims["sub"])
    except (ValueError, TypeError):
        raise Unauthorized() from None
    account = db.session.execute(
        sa.select(CitizenAccount)
        .join(AuthSession, AuthSession.citizen_account_id == CitizenAccount.id)
        .where(alive(claims["jti"]), CitizenAccount.id == account_id)).scalar_one_or_none()
    # A token for a mobile that no longer owns this account id is void.
    if account is None or account.mobile != claims.get("mobile"):
        raise Unauthorized()
    return account, claims


def verify_token(token: str) -> CitizenAccount:
    """Return the account a valid, not signed-out token names; raise Unauthorized otherwise."""
    return _verified(token)[0]


def revoke_token(token: str) -> None:
    """Sign out with a token: its session ends, and the token with it (commits)."""
    _account, claims = _verified(token)
    end_session(claims["jti"])
    db.session.commit()
