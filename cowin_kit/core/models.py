"""Models of the shared kernel: the audit log and the SMS outbox."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cowin_kit.core.db import db, utcnow


class AuditEntry(db.Model):
    """Append-only record of every write and every staff view of personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(sa.String(16))  # staff | citizen | system
    actor_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)  # e.g. beneficiary.view
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16), default="ok")  # ok | denied | error
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(default=dict)


#: Texts not yet handed to the gateway: few at any time, among millions kept for retention.
SMS_WAITING = "status IN ('queued', 'sending')"


class SmsMessage(db.Model):
    """A text message sent (or held, with the outbox backend) for a mobile number."""

    __tablename__ = "sms_message"
    # The waiting texts, by age: /metrics counts them and finds the oldest at every scrape, and
    # `cowin-kit sms deliver` picks them up, without reading the finished ones (migration 0013).
    __table_args__ = (
        sa.Index("ix_sms_message_waiting", "created_at", sqlite_where=sa.text(SMS_WAITING),
                 postgresql_where=sa.text(SMS_WAITING)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    mobile: Mapped[str] = mapped_column(sa.String(20), index=True)  # E.164
    purpose: Mapped[str] = mapped_column(sa.String(32))  # otp | booking | cancel | certificate
    locale: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    backend: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")  # queued|sent|failed|held
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # When a deliverer took it ("sending"): another may take it over only long after this.
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
