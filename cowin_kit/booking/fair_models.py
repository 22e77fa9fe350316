"""Fair access when doses are scarce (issue #21): slot lotteries, standby lists, checks of
priority-group membership at the desk. docs/fair-access.md describes them as a ministry uses
them; the draw itself is ``booking/lottery_draw.py`` (no database, anyone can run it)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cowin_kit.core.db import db, utcnow

#: How an appointment (or a lottery/standby request) came in. NULL: before migration 0010.
CHANNELS = ("web", "api", "walk_in", "assisted")
_CHANNEL_CHECK = "channel IN ('web', 'api', 'walk_in', 'assisted')"


class LotteryRound(db.Model):
    """A session's doses allotted by a draw instead of first come, first served.

    ``seed`` stays in the database until the draw; ``seed_commitment`` (its SHA-256) is public
    from the moment the round opens, so the seed cannot be changed once requests are seen.
    ``ticket_key`` makes each person's ticket (``lottery_draw.ticket``): never published."""

    __tablename__ = "lottery_round"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'drawn', 'cancelled')", name="status"),
        sa.CheckConstraint("closes_at > opens_at", name="window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vaccination_session.id"),
                                                  unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    opens_at: Mapped[dt.datetime] = mapped_column()
    closes_at: Mapped[dt.datetime] = mapped_column(index=True)
    confirm_hours: Mapped[int] = mapped_column(default=12)
    seed_commitment: Mapped[str] = mapped_column(sa.String(64))
    seed: Mapped[str] = mapped_column(sa.String(64))
    ticket_key: Mapped[str] = mapped_column(sa.String(64))
    drawn_at: Mapped[dt.datetime | None] = mapped_column()
    # Doses free per dose kind when the draw ran (published: the first offers follow from it).
    drawn_capacity: Mapped[dict | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    session = relationship("VaccinationSession")


class LotteryRequest(db.Model):
    """One person's request in a round (one per person: the second returns the first)."""

    __tablename__ = "lottery_request"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "beneficiary_id"),
        sa.UniqueConstraint("round_id", "ticket"),
        sa.CheckConstraint("status IN ('entered', 'offered', 'confirmed', 'declined', "
                           "'expired', 'not_drawn', 'skipped', 'withdrawn')", name="status"),
        sa.CheckConstraint(_CHANNEL_CHECK, name="channel"),
        sa.Index("ix_lottery_request_offers", "status", "offer_expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("lottery_round.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    ticket: Mapped[str] = mapped_column(sa.String(64))
    tier: Mapped[int] = mapped_column()
    dose_kind: Mapped[str] = mapped_column(sa.String(8))
    dose_number: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="entered")
    rank: Mapped[int | None] = mapped_column()  # place in the draw's order, from 1
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column()
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appointment.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    round = relationship(LotteryRound)


class StandbyEntry(db.Model):
    """A person waiting for a dose at a facility on a day (cancellations, no-shows, the rest
    of an opened vial); offered in the order of opting in."""

    __tablename__ = "standby_entry"
    __table_args__ = (
        sa.UniqueConstraint("beneficiary_id", "facility_id", "date"),
        sa.CheckConstraint("status IN ('waiting', 'offered', 'confirmed', 'declined', "
                           "'expired', 'withdrawn')", name="status"),
        sa.CheckConstraint(_CHANNEL_CHECK, name="channel"),
        sa.Index("ix_standby_entry_queue", "facility_id", "date", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"))
    date: Mapped[dt.date] = mapped_column()
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="waiting")
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("standby_call.id"))
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column()
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appointment.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StandbyCall(db.Model):
    """Doses the desk has declared free in a session ("call standby: N doses left").

    Offers out (``offered``, not yet expired or declined) plus ``taken`` never exceed
    ``doses``: each offer is claimed with one conditional UPDATE, like a booking.

    ``source``: ``desk`` (declared at the desk: doses beyond the bookings, a confirmation adds
    one to the capacity when it is full), ``no_show`` (the same, made when the desk marks a
    no-show), ``cancellation`` (a citizen cancelled: the dose stays counted in ``booked`` while
    offered, is handed to the confirmed appointment, and goes back to the session when nobody
    is left to offer it to)."""

    __tablename__ = "standby_call"
    __table_args__ = (
        sa.CheckConstraint("taken >= 0 AND outstanding >= 0 AND taken + outstanding <= doses",
                           name="within_doses"),
        sa.CheckConstraint("source IN ('desk', 'cancellation', 'no_show')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vaccination_session.id"),
                                                  index=True)
    dose_kind: Mapped[str] = mapped_column(sa.String(8))
    doses: Mapped[int] = mapped_column()
    outstanding: Mapped[int] = mapped_column(default=0)
    taken: Mapped[int] = mapped_column(default=0)
    confirm_minutes: Mapped[int] = mapped_column(default=30)
    source: Mapped[str] = mapped_column(sa.String(16), default="desk", server_default="desk")
    called_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PriorityCheck(db.Model):
    """Staff checked at the desk whether a person belongs to a priority group they claim."""

    __tablename__ = "priority_check"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('confirmed', 'not_confirmed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    group_id: Mapped[str] = mapped_column(sa.String(32))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    evidence: Mapped[str] = mapped_column(sa.String(120), default="")
    checked_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
