"""Who the citizen is in this request: web session after OTP sign-in, or a Bearer token.

Contract used by other domains: ``current_account()``, ``citizen_required``, ``sign_in``,
``sign_out``. Both the cookie and the token name a server-side session (``accounts.sessions``)
that signing out deletes.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask import current_app, redirect, request, session, url_for

from cowin_kit.accounts.models import AuthSession, CitizenAccount
from cowin_kit.accounts.sessions import alive, end_session, start_session
from cowin_kit.accounts.tokens import verify_token
from cowin_kit.core.audit import set_actor
from cowin_kit.core.db import db
from cowin_kit.core.errors import Unauthorized
from cowin_kit.core.security import is_api_request, session_usable_for_api

#: The cookie holds only the id of a server-side session row (``accounts.sessions``).
SESSION_KEY = "citizen_session"
#: Per-request cache (in the WSGI environ, not ``g``: an app context may outlive a request).
CACHE_KEY = "cowin_kit.citizen_account"
_UNSET = object()


def _session_seconds() -> int:
    return int(current_app.config.get("CITIZEN_SESSION_SECONDS", 3600))


def bearer_token() -> str | None:
    """The token of this request's ``Authorization: Bearer …`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _from_header() -> CitizenAccount | None:
    token = bearer_token()
    if token is None:
        return None

    return verify_token(token)


def _from_session() -> CitizenAccount | None:
    session_id = session.get(SESSION_KEY)
    if session_id is None:
        return None
    if is_api_request() and not session_usable_for_api():
        return None  # a cross-site form must not act through the cookie
    account = db.session.execute(
        sa.select(CitizenAccount)
        .join(AuthSession, AuthSession.citizen_account_id == CitizenAccount.id)
        .where(alive(session_id))).scalar_one_or_none()
    if account is None:  # signed out (here or elsewhere), expired, or revoked
        session.pop(SESSION_KEY, None)
    return account


def current_account() -> CitizenAccount | None:
    """Return the signed-in citizen of this request, or None (bad tokens raise Unauthorized)."""
    cached = request.environ.get(CACHE_KEY, _UNSET)
    if cached is not _UNSET:
        return cached
    account = _from_header()
    if account is None:
        account = _from_session()
    request.environ[CACHE_KEY] = account
    if account is not None:
        set_actor("citizen", account.id)
    return account


def citizen_required(view):
    """Let only signed-in citizens in: 401 JSON under /api/, else redirect to sign-in."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_account() is None:
            if is_api_request():
                raise Unauthorized()
            return redirect(url_for("accounts.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def sign_in(account: CitizenAccount) -> None:
    """Start a server-side session for the citizen and name it in the web session (commits)."""
    end_session(session.get(SESSION_KEY))  # never carry an earlier session id over
    row = start_session(kind="web", lifetime=dt.timedelta(seconds=_session_seconds()),
                        citizen_account_id=account.id)
    db.session.commit()
    session[SESSION_KEY] = row.id
    request.environ[CACHE_KEY] = account
    set_actor("citizen", account.id)


def sign_out() -> None:
    """End the citizen's web session server-side, so a copy of the cookie stops working too
    (keeps other session data such as the chosen language)."""
    session_id = session.pop(SESSION_KEY, None)
    if session_id:
        end_session(session_id)
        db.session.commit()
    request.environ[CACHE_KEY] = None
