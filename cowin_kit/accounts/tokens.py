"""Bearer tokens for citizens: short-lived HS256 JWTs keyed from the app's SECRET_KEY."""

from __future__ import annotations

import datetime as dt

import jwt
from flask import current_app

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Unauthorized
from cowin_kit.core.security import derived_key

ALGORITHM = "HS256"


def _key() -> bytes:
    return derived_key("citizen-jwt")


def token_expiry(now: dt.datetime | None = None) -> dt.datetime:
    """Return when a token issued now expires."""
    return (now or utcnow()) + dt.timedelta(seconds=int(current_app.config["JWT_TTL_SECONDS"]))


def issue_token(account: CitizenAccount, *, txn: str | None = None,
                now: dt.datetime | None = None) -> str:
    """Return a signed token for this account, valid JWT_TTL_SECONDS."""
    now = now or utcnow()
    claims = {"sub": str(account.id), "mobile": account.mobile, "iat": now,
              "exp": token_expiry(now)}
    if txn:
        claims["txn"] = str(txn)
    return jwt.encode(claims, _key(), algorithm=ALGORITHM)


def verify_token(token: str) -> CitizenAccount:
    """Return the account a valid token names; raise Unauthorized otherwise."""
    try:
        claims = jwt.decode(token, _key(), algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub"]})
        account_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthorized() from None
    account = db.session.get(CitizenAccount, account_id)
    # A token for a mobile that no longer owns this account id is void.
    if account is None or account.mobile != claims.get("mobile"):
        raise Unauthorized()
    return account
