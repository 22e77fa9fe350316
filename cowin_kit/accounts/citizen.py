"""Who the citizen is in this request: web session after OTP sign-in, or a Bearer token.

Contract used by other domains: ``current_account()``, ``citizen_required``, ``sign_in``,
``sign_out``.
"""

from __future__ import annotations

import functools
import time

from flask import current_app, redirect, request, session, url_for

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.audit import set_actor
from cowin_kit.core.db import db
from cowin_kit.core.errors import Unauthorized
from cowin_kit.core.security import is_api_request, session_usable_for_api

SESSION_KEY = "citizen_id"
SESSION_AT = "citizen_signed_in_at"
#: Per-request cache (in the WSGI environ, not ``g``: an app context may outlive a request).
CACHE_KEY = "cowin_kit.citizen_account"
_UNSET = object()


def _session_seconds() -> int:
    return int(current_app.config.get("CITIZEN_SESSION_SECONDS", 3600))


def _from_header() -> CitizenAccount | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from cowin_kit.accounts.tokens import verify_token

    return verify_token(token.strip())


def _from_session() -> CitizenAccount | None:
    account_id = session.get(SESSION_KEY)
    if account_id is None:
        return None
    if is_api_request() and not session_usable_for_api():
        return None  # a cross-site form must not act through the cookie
    if time.time() - float(session.get(SESSION_AT, 0)) > _session_seconds():
        sign_out()
        return None
    return db.session.get(CitizenAccount, account_id)


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
    """Remember the citizen in the web session."""
    session[SESSION_KEY] = account.id
    session[SESSION_AT] = time.time()
    request.environ[CACHE_KEY] = account
    set_actor("citizen", account.id)


def sign_out() -> None:
    """Forget the citizen (keeps other session data such as the chosen language)."""
    session.pop(SESSION_KEY, None)
    session.pop(SESSION_AT, None)
    request.environ[CACHE_KEY] = None
