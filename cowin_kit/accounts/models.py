"""Citizen accounts (a mobile number), OTP transactions, staff users, their sign-in throttles
and the server-side sessions of both."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cowin_kit.core.db import db, utcnow


class CitizenAccount(db.Model):
    """A citizen's sign-in: one mobile number, under which beneficiaries are registered."""

    __tablename__ = "citizen_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(sa.String(20), unique=True)  # E.164
    locale: Mapped[str | None] = mapped_column(sa.String(16))  # language of the last sign-in (SMS)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()


class OtpTransaction(db.Model):
    """One OTP sent to a mobile; the OTP itself is stored only as a hash."""

    __tablename__ = "otp_transaction"
    __table_args__ = (
        # Resend cool-down and daily cap: the newest transactions of one mobile.
        sa.Index("ix_otp_transaction_mobile_created_at", "mobile", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)  # txnId
    mobile: Mapped[str] = mapped_column(sa.String(20))
    otp_hash: Mapped[str] = mapped_column(sa.String(128))  # HMAC of sha256(otp), never the OTP
    purpose: Mapped[str] = mapped_column(sa.String(16), default="login")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    tries: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column()


class StaffUser(db.Model):
    """A health worker or official. Role decides what, area/facility decide where."""

    __tablename__ = "staff_user"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'auditor', "
            "'store_manager')",
            name="role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(32))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Failed sign-ins from addresses this account never signed in from (see staff_auth): the
    # account-wide ceiling, its lock, and how many locks in a row (exponential back-off).
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    lockouts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()


class StaffLoginThrottle(db.Model):
    """Failed sign-ins of one staff account from one client address, and that pair's lock.

    The address is kept only as a keyed hash. A successful sign-in marks the address as the
    account's own (``last_success_at``): the account-wide lock does not apply there.
    """

    __tablename__ = "staff_login_throttle"

    staff_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True)
    address_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    lockouts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    last_success_at: Mapped[dt.datetime | None] = mapped_column()


class AuthSession(db.Model):
    """A signed-in session, kept server-side: a staff or citizen web cookie, or a citizen's API
    token (its ``jti``). The cookie or token names the row; deleting the row ends the session."""

    __tablename__ = "auth_session"
    __table_args__ = (
        sa.CheckConstraint("(staff_user_id IS NULL) <> (citizen_account_id IS NULL)",
                           name="one_subject"),
    )

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # random, URL-safe
    kind: Mapped[str] = mapped_column(sa.String(8))  # "web" | "token"
    staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    citizen_account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("citizen_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
