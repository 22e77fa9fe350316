"""The reminder log (who was reminded of which dose, when) and the mobiles that opted out.

Mobile numbers are kept only as keyed hashes (``core.keys`` purpose ``sms-mobile``, from the
stable identity hash key): the log and the opt-out list need to match a number, never to read it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cowin_kit.core.db import db, utcnow


class ReminderLog(db.Model):
    """One reminder claimed for one person and one stage of one dose.

    ``due_key`` names the dose and the stage (``"2:2026-12-05:due"``, ``"B3:2026-12-05:overdue"``):
    the unique pair is the claim a run inserts before it queues anything (INSERT … ON CONFLICT DO
    NOTHING), so a second run the same day, or two runs at once, never text the same reminder
    twice. ``sent_on`` (the country's local day) and ``mobile_hash`` give the daily cap per mobile.
    """

    __tablename__ = "reminder_log"
    __table_args__ = (
        sa.UniqueConstraint("beneficiary_id", "due_key"),
        sa.Index("ix_reminder_log_mobile_day", "mobile_hash", "sent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beneficiary.id", ondelete="CASCADE"))
    due_key: Mapped[str] = mapped_column(sa.String(40))
    mobile_hash: Mapped[str] = mapped_column(sa.String(64))
    sent_on: Mapped[dt.date] = mapped_column()
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The text that carried it (one text may remind of several people of one account); no
    #: foreign key: ``sms purge`` deletes old texts, the log outlives them.
    sms_message_id: Mapped[int | None] = mapped_column()


class SmsOptOut(db.Model):
    """A mobile that asked for no reminders (a citizen's setting or a STOP reply). Transactional
    texts (OTP, bookings, the certificate link) still go out."""

    __tablename__ = "sms_opt_out"

    mobile_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(16))  # citizen | stop | staff
