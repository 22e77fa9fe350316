"""Staff passwords (argon2), login with lockout, and the signed-in staff member of a request."""

from __future__ import annotations

import datetime as dt
import functools
import time

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import StaffUser
from cowin_kit.core.audit import audit, audit_now, set_actor
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import KitError, Unauthorized

SESSION_KEY = "staff_id"
SESSION_STAMP = "staff_stamp"
SESSION_SEEN = "staff_seen"
CACHE_KEY = "cowin_kit.staff_user"


@functools.cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    """Return the argon2id hasher with this instance's cost (default: argon2-cffi's)."""
    cfg = current_app.config
    return _hasher_for(int(cfg.get("STAFF_ARGON2_TIME_COST", 3)),
                       int(cfg.get("STAFF_ARGON2_MEMORY_KIB", 65536)))


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified when the username is unknown, so the answer takes as long as for a real user.
    return hasher.hash("not-a-real-password-just-for-timing")


class AccountLocked(KitError):
    status = 423
    code = "ACCOUNT_LOCKED"
    default_message = _l("Too many failed sign-ins. Try again after %(minutes)s minutes.")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its argon2 hash (False on any mismatch or bad hash)."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _limits() -> tuple[int, dt.timedelta]:
    cfg = current_app.config
    return (int(cfg.get("STAFF_MAX_FAILED_LOGINS", 5)),
            dt.timedelta(minutes=int(cfg.get("STAFF_LOCKOUT_MINUTES", 15))))


def authenticate(username: str, password: str, *, now: dt.datetime | None = None) -> StaffUser:
    """Return the staff user for these credentials; count failures and lock after too many."""
    now = now or utcnow()
    max_failures, lock_for = _limits()
    user = db.session.execute(
        sa.select(StaffUser).where(StaffUser.username == (username or "").strip())
    ).scalar_one_or_none()
    if user is None:
        verify_password(_dummy_hash(_hasher()), password or "")
        audit_now("staff.login", "staff_user", None, outcome="denied", username=username[:64],
                  reason="unknown")
        raise Unauthorized(_l("Wrong username or password."), code="BAD_CREDENTIALS")
    if user.locked_until and user.locked_until > now:
        audit_now("staff.login", "staff_user", user.id, outcome="denied", reason="locked")
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(minutes=minutes)
    if not user.active or not verify_password(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        reason = "inactive" if not user.active else "password"
        if user.failed_logins >= max_failures:
            user.locked_until = now + lock_for
            user.failed_logins = 0
            reason = "locked-now"
        db.session.commit()
        audit_now("staff.login", "staff_user", user.id, outcome="denied", reason=reason)
        if reason == "locked-now":
            raise AccountLocked(minutes=int(lock_for.total_seconds() // 60))
        raise Unauthorized(_l("Wrong username or password."), code="BAD_CREDENTIALS")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _stamp(user: StaffUser) -> str:
    # Changing the password hash or deactivating ends existing sessions.
    return user.password_hash[-16:] + ("1" if user.active else "0")


def login(user: StaffUser) -> None:
    """Start a staff session (the caller commits)."""
    session.clear()
    session[SESSION_KEY] = user.id
    session[SESSION_STAMP] = _stamp(user)
    session[SESSION_SEEN] = int(time.time())
    session.permanent = False
    set_actor("staff", user.id)
    audit("staff.login", "staff_user", user.id)
    request.environ[CACHE_KEY] = user


def refresh_session(user: StaffUser) -> None:
    """Keep this session valid after the user changed their own password (others end)."""
    session[SESSION_STAMP] = _stamp(user)


def logout() -> None:
    """End the staff session, keeping only the language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    request.environ.pop(CACHE_KEY, None)


def _idle_expired() -> bool:
    # Tablets at a centre are shared: an idle staff session ends by itself.
    idle = int(current_app.config.get("STAFF_IDLE_MINUTES", 120)) * 60
    seen = session.get(SESSION_SEEN)
    return seen is not None and time.time() - seen > idle


def current_staff() -> StaffUser | None:
    """Return the signed-in, active staff user of this request, or None."""
    # Cached on the request itself: ``g`` can outlive a request when an app context is shared.
    cache = request.environ
    if CACHE_KEY in cache:
        return cache[CACHE_KEY]
    user = None
    staff_id = session.get(SESSION_KEY)
    if staff_id is not None and _idle_expired():
        logout()
        staff_id = None
    if staff_id is not None:
        user = db.session.get(StaffUser, staff_id)
        if user is None or not user.active or session.get(SESSION_STAMP) != _stamp(user):
            user = None
        else:
            session[SESSION_SEEN] = int(time.time())
    cache[CACHE_KEY] = user
    if user is not None:
        set_actor("staff", user.id)
    return user
