"""Bearer tokens for citizens: short-lived HS256 JWTs keyed from the app's SECRET_KEY (its
"citizen-jwt" purpose key; tokens signed before a rotation pass with a fallback key), each
naming a server-side session (``jti``) that signing out ends."""

from __future__ import annotations

import datetime as dt

import jwt
import sqlalchemy as sa
from flask import current_app, g, has_request_context

from cowin_kit.accounts.models import AuthSession, CitizenAccount
from cowin_kit.accounts.sessions import alive, clock_skew, end_session, start_session
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Unauthorized
from cowin_kit.core.keys import purpose_key, purpose_keys

ALGORITHM = "HS256"




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
