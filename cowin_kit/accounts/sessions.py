"""Server-side sessions for staff and citizens: the cookie or token only names a row here.

Signing out deletes the row, so a copied cookie or token stops working at once; a password
change or a deactivated account ends every other session of that person. Lifetimes are checked
with a small leeway for clocks that differ between pods (``CLOCK_SKEW_SECONDS``).
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app

from cowin_kit.accounts.models import AuthSession
from cowin_kit.core.db import db, utcnow


def clock_skew() -> dt.timedelta:
    """Return how far apart the clocks of two pods may be (for expiry and not-before checks)."""
    return dt.timedelta(seconds=float(current_app.config.get("CLOCK_SKEW_SECONDS", 30)))


def _subject(staff_user_id: int | None, citizen_account_id: int | None):
    if (staff_user_id is None) == (citizen_account_id is None):
        raise ValueError("a session belongs to exactly one staff user or citizen account")
    if staff_user_id is not None:
        return AuthSession.staff_user_id == staff_user_id
    return AuthSession.citizen_account_id == citizen_account_id


def start_session(*, kind: str, lifetime: dt.timedelta, staff_user_id: int | None = None,
                  citizen_account_id: int | None = None,
                  now: dt.datetime | None = None) -> AuthSession:
    """Add a new session row (the caller commits) and forget this person's expired ones."""
    now = now or utcnow()
    db.session.execute(sa.delete(AuthSession).where(
        _subject(staff_user_id, citizen_account_id),
        AuthSession.expires_at < now - clock_skew()))
    row = AuthSession(id=secrets.token_urlsafe(32), kind=kind, staff_user_id=staff_user_id,
                      citizen_account_id=citizen_account_id, created_at=now,
                      expires_at=now + lifetime)
    db.session.add(row)
    return row


def alive(session_id: object, *, now: dt.datetime | None = None):
    """Return the condition "this session exists and has not expired" for a query."""
    now = now or utcnow()
    return sa.and_(AuthSession.id == str(session_id),
                   AuthSession.expires_at > now - clock_skew())


def end_session(session_id: object) -> None:
    """Delete one session (the caller commits)."""
    if session_id:
        db.session.execute(sa.delete(AuthSession).where(AuthSession.id == str(session_id)))


def end_sessions(*, staff_user_id: int | None = None, citizen_account_id: int | None = None,
                 keep: object = None) -> None:
    """Delete every session of one person except ``keep`` (the caller commits)."""
    query = sa.delete(AuthSession).where(_subject(staff_user_id, citizen_account_id))
    if keep:
        query = query.where(AuthSession.id != str(keep))
    db.session.execute(query)
