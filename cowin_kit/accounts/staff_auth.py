"""Staff passwords (argon2), sign-in throttled per address and per account, server-side staff
sessions, and the signed-in staff member of a request."""

from __future__ import annotations

import datetime as dt
import functools
import math
import time

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from cowin_kit.accounts.models import AuthSession, StaffLoginThrottle, StaffUser
from cowin_kit.accounts.sessions import alive, end_session, end_sessions, start_session
from cowin_kit.core.audit import audit, audit_now, set_actor
from cowin_kit.core.db import UTCDateTime, db, utcnow
from cowin_kit.core.errors import KitError, Unauthorized
from cowin_kit.core.i18n import clear_session_keeping_locale
from cowin_kit.core.ratelimit import hit
from cowin_kit.core.keys import keyed_hash

#: The session cookie holds only the id of a server-side session row (never hash material).
SESSION_KEY = "staff_session"
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


def _setting(name: str, default):
    return current_app.config.get(name, default)


def _lock_times(now: dt.datetime) -> list[dt.datetime]:
    """When a new lock ends, by how many locks came before it (doubling, up to the maximum)."""
    base = dt.timedelta(minutes=float(_setting("STAFF_LOCKOUT_MINUTES", 15)))
    ceiling = max(base, dt.timedelta(minutes=float(_setting("STAFF_LOCKOUT_MAX_MINUTES", 1440))))
    times = [now + base]
    while base * 2 ** len(times) < ceiling and len(times) < 32:
        times.append(now + base * 2 ** len(times))
    return times + [now + ceiling]


def _claim(table: sa.Table, where, max_failures: int, now: dt.datetime) -> int | None:
    """Count one attempt on a throttle row unless it is locked; return the new count or None.

    One UPDATE decides, so parallel attempts cannot pass the limit: the attempt that reaches
    ``max_failures`` locks the row at once (a success undoes it), before any password is checked.
    A lock that has run out starts a new count; each new lock lasts twice as long as the last.
    """
    c = table.c
    expired = sa.and_(c.locked_until.is_not(None), c.locked_until <= now)
    count = sa.case((expired, 1), else_=c.failed_logins + 1)
    times = _lock_times(now)
    lock_end = sa.case({k: sa.literal(t, UTCDateTime()) for k, t in enumerate(times[:-1])},
                       value=c.lockouts, else_=sa.literal(times[-1], UTCDateTime()))
    locks = count >= max_failures
    return db.session.execute(
        table.update()
        .where(where, sa.or_(c.locked_until.is_(None), c.locked_until <= now))
        .values(failed_logins=count,
                locked_until=sa.case((locks, lock_end), else_=sa.null()),
                lockouts=sa.case((locks, c.lockouts + 1), else_=c.lockouts))
        .returning(c.failed_logins)).scalar()


def _locked(table: sa.Table, where, now: dt.datetime) -> AccountLocked:
    until = db.session.scalar(sa.select(table.c.locked_until).where(where))
    seconds = (until - now).total_seconds() if until else 60
    return AccountLocked(minutes=max(1, math.ceil(seconds / 60)))


def _trusted_since(now: dt.datetime) -> dt.datetime:
    """Addresses where the account signed in after this are its own."""
    return now - dt.timedelta(days=float(_setting("STAFF_TRUSTED_ADDRESS_DAYS", 30)))


def _address_key() -> str:
    # The client address, as a keyed hash: enough to tell addresses apart, nothing to read back.
    address = (request.remote_addr or "unknown") if has_request_context() else "local"
    return keyed_hash("staff-login-address", address.encode())


def _throttle_row(user_id: int, key: str) -> StaffLoginThrottle:
    table = StaffLoginThrottle.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(table).values(staff_user_id=user_id, address_key=key,
                                            failed_logins=0, lockouts=0)
                       .on_conflict_do_nothing())
    return db.session.execute(sa.select(StaffLoginThrottle).where(
        StaffLoginThrottle.staff_user_id == user_id,
        StaffLoginThrottle.address_key == key)).scalar_one()


def _refuse_unknown(username: str, password: str) -> None:
    # Per client address before any hashing: guessing names must not buy argon2 time.
    hit("staff-login-unknown", _setting("STAFF_LOGIN_UNKNOWN_RATE_LIMIT_PER_IP",
                                        "10 per 10 minutes"))
    verify_password(_dummy_hash(_hasher()), password)  # as slow as for a real user
    audit_now("staff.login", "staff_user", None, outcome="denied", username=username[:64],
              reason="unknown")
    raise Unauthorized(_l("Wrong username or password."), code="BAD_CREDENTIALS")


def authenticate(username: str, password: str, *, now: dt.datetime | None = None) -> StaffUser:
    """Return the staff user for these credentials, throttled before any password is checked.

    - every attempt counts against the client address (``STAFF_LOGIN_RATE_LIMIT_PER_IP``), and
      unknown usernames against a tighter limit, both before argon2 runs;
    - failures lock the account *for that address* after ``STAFF_MAX_FAILED_LOGINS``, so an
      attacker elsewhere cannot lock its owner out;
    - failures from addresses the account never signed in from also count account-wide, up to
      ``STAFF_MAX_FAILED_LOGINS_TOTAL``; that lock spares the account's own addresses;
    - each lock lasts twice the last one (``STAFF_LOCKOUT_MINUTES`` up to ``_MAX_MINUTES``).
    """
    now = now or utcnow()
    password = password or ""
    hit("staff-login", _setting("STAFF_LOGIN_RATE_LIMIT_PER_IP", "30 per minute"))
    name = (username or "").strip()
    user = db.session.execute(
        sa.select(StaffUser).where(StaffUser.username == name)).scalar_one_or_none()
    if user is None:
        _refuse_unknown(name, password)
    user_id, key = user.id, _address_key()
    throttle = _throttle_row(user_id, key)
    trusted = throttle.last_success_at is not None and throttle.last_success_at > _trusted_since(now)
    here = StaffLoginThrottle.__table__
    at_here = sa.and_(here.c.staff_user_id == user_id, here.c.address_key == key)
    everywhere = StaffUser.__table__
    at_account = everywhere.c.id == user_id
    # Claim this address's attempt first, then the account-wide one: a locked address adds
    # nothing to the account's count (one address alone never locks the account for others).
    max_here = int(_setting("STAFF_MAX_FAILED_LOGINS", 5))
    count_here = _claim(here, at_here, max_here, now)
    if count_here is None:
        db.session.commit()
        audit_now("staff.login", "staff_user", user_id, outcome="denied", reason="locked")
        raise _locked(here, at_here, now)
    max_total = int(_setting("STAFF_MAX_FAILED_LOGINS_TOTAL", 20))
    count_total = None if trusted else _claim(everywhere, at_account, max_total, now)
    if not trusted and count_total is None:
        db.session.rollback()  # this attempt is refused unchecked: it counts nowhere
        audit_now("staff.login", "staff_user", user_id, outcome="denied", reason="locked")
        raise _locked(everywhere, at_account, now)
    db.session.execute(here.update().where(at_here).values(last_attempt_at=now))
    db.session.commit()  # the attempt is counted before the password is checked
    user = db.session.get(StaffUser, user_id)
    if verify_password(user.password_hash, password) and user.active:
        _signed_in(user, here, at_here, None if trusted else at_account, password, now)
        return user
    locked_now = count_here >= max_here or (count_total or 0) >= max_total
    reason = "locked-now" if locked_now else "inactive" if not user.active else "password"
    audit_now("staff.login", "staff_user", user_id, outcome="denied", reason=reason)
    if locked_now:
        raise _locked(here if count_here >= max_here else everywhere,
                      at_here if count_here >= max_here else at_account, now)
    raise Unauthorized(_l("Wrong username or password."), code="BAD_CREDENTIALS")


def _signed_in(user: StaffUser, here: sa.Table, at_here, at_account, password: str,
               now: dt.datetime) -> None:
    """Clear the counts this success went through and remember the address as the account's."""
    cleared = {"failed_logins": 0, "locked_until": None, "lockouts": 0}
    db.session.execute(here.update().where(at_here).values(last_success_at=now, **cleared))
    if at_account is not None:  # a success from a known address says nothing of the others
        db.session.execute(StaffUser.__table__.update().where(at_account).values(**cleared))
    # Forget addresses long quiet, neither the account's own nor locked.
    quiet = _trusted_since(now)
    db.session.execute(here.delete().where(
        here.c.staff_user_id == user.id, here.c.last_attempt_at < quiet,
        sa.or_(here.c.last_success_at.is_(None), here.c.last_success_at < quiet),
        sa.or_(here.c.locked_until.is_(None), here.c.locked_until < now)))
    db.session.refresh(user)
    user.last_login_at = now
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


def unlock(user: StaffUser) -> None:
    """Lift every lock of an account, account-wide and per address (the caller commits)."""
    user.failed_logins, user.locked_until, user.lockouts = 0, None, 0
    db.session.execute(sa.delete(StaffLoginThrottle)
                       .where(StaffLoginThrottle.staff_user_id == user.id))


def _session_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=float(_setting("STAFF_SESSION_HOURS", 12)))


def login(user: StaffUser) -> None:
    """Start a staff session (the caller commits): the cookie names a server-side session row."""
    row = start_session(kind="web", lifetime=_session_lifetime(), staff_user_id=user.id)
    clear_session_keeping_locale()  # the language chosen before signing in stays
    session[SESSION_KEY] = row.id
    session[SESSION_SEEN] = int(time.time())
    session.permanent = False
    set_actor("staff", user.id)
    audit("staff.login", "staff_user", user.id)
    request.environ[CACHE_KEY] = user


def end_other_sessions(user: StaffUser) -> None:
    """End every session of this user except the current one (after a password change)."""
    end_sessions(staff_user_id=user.id, keep=session.get(SESSION_KEY))
    db.session.commit()


def logout() -> None:
    """End the staff session server-side (a copy of the cookie stops working too), keeping only
    the language choice."""
    session_id = session.get(SESSION_KEY)
    if session_id:
        end_session(session_id)
        db.session.commit()
    clear_session_keeping_locale()
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
    session_id = session.get(SESSION_KEY)
    if session_id is not None and _idle_expired():
        logout()
        session_id = None
    if session_id is not None:
        user = db.session.execute(
            sa.select(StaffUser).join(AuthSession, AuthSession.staff_user_id == StaffUser.id)
            .where(alive(session_id), StaffUser.active)).scalar_one_or_none()
        if user is not None:
            session[SESSION_SEEN] = int(time.time())
    cache[CACHE_KEY] = user
    if user is not None:
        set_actor("staff", user.id)
    return user
