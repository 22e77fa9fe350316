"""Mobile OTP sign-in: request an OTP by SMS, confirm it, get (or create) the citizen account.

The OTP is never stored: we keep HMAC-SHA256(app key, sha256_hex(otp)), because CoWIN clients
send sha256(otp) on confirmation and the web form sends the plain OTP; both reduce to the same
hex digest before the keyed hash is compared in constant time. The SMS record keeps the text with
the code masked (``stored_body``); only the gateway gets it whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cowin_kit.accounts.models import CitizenAccount, OtpTransaction
from cowin_kit.accounts.sessions import clock_skew
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import RateLimited, ServiceUnavailable, ValidationFailed
from cowin_kit.core.keys import keyed_hash, keyed_hash_matches
from cowin_kit.core.outage import limit
from cowin_kit.core.sms import render_sms, send_sms
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import normalize_mobile

OTP_DIGITS = 6
REDACTED_OTP = "*" * OTP_DIGITS
DAILY_WINDOW = dt.timedelta(hours=24)
_PLAIN_OTP = re.compile(r"^[0-9]{%d}$" % OTP_DIGITS)
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class OtpExpired(ValidationFailed):
    code = "OTP_EXPIRED"
    default_message = _l("This OTP has expired or was already used. Please ask for a new one.")


class OtpMalformed(ValidationFailed):
    """Not an OTP at all ("12ab", five digits): a typing slip, refused before it costs a try."""

    code = "OTP_MALFORMED"
    default_message = _l("Enter the %(digits)s-digit OTP from the SMS, using digits only. "
                         "This did not use up a try.")

    def __init__(self) -> None:
        super().__init__(digits=OTP_DIGITS)
        self.fields = {"otp": [self.text()]}


class OtpWrong(ValidationFailed):
    code = "OTP_WRONG"
    default_message = _l("The OTP is not correct. Tries left: %(left)s.")


class OtpTooManyTries(RateLimited):
    code = "OTP_TOO_MANY_TRIES"
    default_message = _l("Too many wrong tries for this OTP. Please ask for a new one.")


class OtpDailyLimit(RateLimited):
    code = "OTP_DAILY_LIMIT"
    default_message = _l("Too many OTPs were sent to this mobile number today. "
                         "Please try again tomorrow.")


class OtpResendTooSoon(RateLimited):
    code = "OTP_RESEND_TOO_SOON"
    default_message = _l("Please wait %(seconds)s seconds before asking for a new OTP.")

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds=seconds)
        self.retry_after = seconds  # the Retry-After header: when a resend is allowed


class OtpUnavailable(ServiceUnavailable):
    """Redis (the per-address limit) is down: no OTP is sent (docs/security.md, "Outages")."""

    default_message = _l("We cannot send OTPs at the moment. Please try again in a few minutes.")


def _setting(name: str) -> int:
    return int(current_app.config[name])


def hash_otp(otp_sha256_hex: str) -> str:
    """Return the stored form of an OTP given as its SHA-256 hex digest."""
    return keyed_hash("otp", otp_sha256_hex.lower().encode())


def _lock_mobile(mobile: str) -> None:
    """Serialise OTP requests of one mobile on PostgreSQL (cool-down and cap stay exact)."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(mobile.encode()).digest()[:8], "big", signed=True)
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def request_otp(mobile_raw: str, locale: str, *, now: dt.datetime | None = None) -> OtpTransaction:
    """Send a new 6-digit OTP to a mobile; return its transaction (the id is the txnId)."""
    if has_request_context():
        # Per client address too: the per-mobile cap alone lets one client SMS-bomb many numbers.
        # Generous, because many phones share one address behind carrier-grade NAT. Without
        # Redis this limit would count per process, so the request fails closed instead.
        try:
            limit("otp_request", current_app.config.get("OTP_RATE_LIMIT_PER_IP", "60 per 10 minutes"),
                  when_redis_down="closed")
        except ServiceUnavailable as exc:
            raise OtpUnavailable(retry_after=exc.retry_after) from None
    mobile = normalize_mobile(get_profile(), mobile_raw)
    now = now or utcnow()
    _lock_mobile(mobile)
    last = db.session.scalar(sa.select(sa.func.max(OtpTransaction.created_at))
                             .where(OtpTransaction.mobile == mobile))
    cool_down = dt.timedelta(seconds=_setting("OTP_RESEND_SECONDS"))
    if last is not None and now - last < cool_down:
        db.session.rollback()
        wait = int((cool_down - (now - last)).total_seconds()) + 1
        raise OtpResendTooSoon(seconds=wait)
    sent_today = db.session.scalar(
        sa.select(sa.func.count()).select_from(OtpTransaction)
        .where(OtpTransaction.mobile == mobile, OtpTransaction.created_at > now - DAILY_WINDOW))
    if sent_today >= _setting("OTP_DAILY_CAP"):
        db.session.rollback()
        raise OtpDailyLimit()
    otp = f"{secrets.randbelow(10 ** OTP_DIGITS):0{OTP_DIGITS}d}"
    txn = OtpTransaction(
        id=uuid.uuid4(), mobile=mobile, purpose="login", created_at=now, tries=0,
        otp_hash=hash_otp(hashlib.sha256(otp.encode()).hexdigest()),
        expires_at=now + dt.timedelta(seconds=_setting("OTP_VALID_SECONDS")))
    db.session.add(txn)
    db.session.commit()
    # The record keeps the text with the code masked: an OTP is never stored (docs/security.md).
    send_sms(mobile, render_sms("otp", locale, otp=otp), purpose="otp", locale=locale,
             stored_body=render_sms("otp", locale, otp=REDACTED_OTP))
    return txn


def _as_sha256_hex(otp_or_sha256: str) -> str | None:
    value = (otp_or_sha256 or "").strip()
    if _PLAIN_OTP.match(value):
        return hashlib.sha256(value.encode()).hexdigest()
    if _SHA256_HEX.match(value):
        return value.lower()
    return None


def _parse_txn_id(txn_id: str | uuid.UUID) -> uuid.UUID:
    if isinstance(txn_id, uuid.UUID):
        return txn_id
    try:
        return uuid.UUID(str(txn_id).strip())
    except ValueError:
        raise OtpExpired() from None


def confirm_otp(txn_id: str | uuid.UUID, otp_or_sha256: str, *, locale: str | None = None,
                now: dt.datetime | None = None) -> tuple[CitizenAccount, bool]:
    """Check an OTP (plain or SHA-256 hex); return the citizen account and whether it is new."""
    now = now or utcnow()
    txn = db.session.get(OtpTransaction, _parse_txn_id(txn_id))
    if txn is None or txn.confirmed_at is not None or now >= txn.expires_at + clock_skew():
        db.session.rollback()
        raise OtpExpired()
    given = _as_sha256_hex(otp_or_sha256)
    if given is None:  # checked before a try is claimed: only real guesses count
        db.session.rollback()
        raise OtpMalformed()
    max_tries = _setting("OTP_MAX_TRIES")
    # Claim one try atomically before comparing, so parallel guesses cannot exceed the limit.
    table = OtpTransaction.__table__
    tries = db.session.execute(
        table.update()
        .where(table.c.id == txn.id, table.c.tries < max_tries, table.c.confirmed_at.is_(None))
        .values(tries=table.c.tries + 1).returning(table.c.tries)).scalar()
    if tries is None:
        db.session.rollback()
        raise OtpTooManyTries()
    # An OTP sent just before the secret key was rotated still matches (a fallback key).
    if not keyed_hash_matches("otp", given.lower().encode(), txn.otp_hash):
        db.session.commit()  # the wrong try counts
        if tries >= max_tries:
            raise OtpTooManyTries()
        raise OtpWrong(left=max_tries - tries)
    used = db.session.execute(
        table.update().where(table.c.id == txn.id, table.c.confirmed_at.is_(None))
        .values(confirmed_at=now)).rowcount
    if not used:
        db.session.rollback()
        raise OtpExpired()
    account, created = _get_or_create_account(txn.mobile, now)
    account.last_login_at = now
    if locale:
        account.locale = locale
    audit("citizen.sign_in", "citizen_account", account.id, actor=("citizen", str(account.id)),
          new_account=created, txn=str(txn.id))
    db.session.commit()
    return account, created


def _get_or_create_account(mobile: str, now: dt.datetime) -> tuple[CitizenAccount, bool]:
    query = sa.select(CitizenAccount).where(CitizenAccount.mobile == mobile)
    account = db.session.scalar(query)
    if account is not None:
        return account, False
    try:
        with db.session.begin_nested():
            account = CitizenAccount(mobile=mobile, created_at=now)
            db.session.add(account)
        return account, True
    except IntegrityError:  # the same mobile signed in twice at once: use the other's account
        return db.session.scalar(query), False
