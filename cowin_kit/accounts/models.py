"""Citizen accounts (a mobile number), OTP transactions and staff users."""

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
            "role IN ('national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'auditor')",
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
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
