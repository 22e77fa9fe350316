"""Facilities, vaccination sessions with capacity per dose, and appointments."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cowin_kit.core.db import db, utcnow


class Facility(db.Model):
    """A vaccination centre; ``id`` is CoWIN's integer center_id."""

    __tablename__ = "facility"
    __table_args__ = (sa.CheckConstraint("fee_type IN ('Free', 'Paid')", name="fee_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id"), index=True)  # lowest level
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    postal_code: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    fee_type: Mapped[str] = mapped_column(sa.String(8), default="Free")
    opens: Mapped[dt.time] = mapped_column(default=dt.time(9, 0))
    closes: Mapped[dt.time] = mapped_column(default=dt.time(17, 0))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class VaccinationSession(db.Model):
    """One day of vaccination with one vaccine at one facility."""

    __tablename__ = "vaccination_session"
    __table_args__ = (
        # Reports over a period (wastage: doses opened per facility) read the index alone.
        sa.Index("ix_vaccination_session_date_facility_opened", "date", "facility_id",
                 postgresql_include=["doses_opened"]),
        # Availability reads one area's facilities over a week: facility first, then dates.
        sa.Index("ix_vaccination_session_facility_date", "facility_id", "date"),
        sa.CheckConstraint("status IN ('open', 'cancelled', 'closed')", name="status"),
        sa.CheckConstraint("allocation IN ('first_come', 'lottery')", name="allocation"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"))
    date: Mapped[dt.date] = mapped_column()
    vaccine: Mapped[str] = mapped_column(sa.String(32))  # profile vaccines[].id
    min_age: Mapped[int] = mapped_column(default=18)
    max_age: Mapped[int | None] = mapped_column()
    fee: Mapped[int] = mapped_column(default=0)  # whole units of the local currency
    slots: Mapped[list] = mapped_column(default=list)  # ["09:00-11:00", ...] 24h local time
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    doses_opened: Mapped[int] = mapped_column(default=0)  # vials opened x doses per vial (wastage)
    # "lottery": doses go by a draw (booking/lottery.py), never to a direct booking (#21).
    allocation: Mapped[str] = mapped_column(sa.String(16), default="first_come",
                                            server_default="first_come")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    facility: Mapped[Facility] = relationship()
    capacities: Mapped[list["SessionCapacity"]] = relationship(
        back_populates="session", order_by="SessionCapacity.dose_kind")


class SessionCapacity(db.Model):
    """Capacity for one kind of dose in a session, claimed atomically by booking.

    ``dose_kind`` is "1" (first dose), "2" (any later dose of the primary series) or
    "booster" (CoWIN's dose1 / dose2 / precaution capacities). Booking runs
    ``UPDATE … SET booked = booked + 1 WHERE id = :id AND booked < capacity``.
    """

    __tablename__ = "session_capacity"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "dose_kind"),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vaccination_session.id"))
    dose_kind: Mapped[str] = mapped_column(sa.String(8))
    capacity: Mapped[int] = mapped_column()
    booked: Mapped[int] = mapped_column(default=0)

    session: Mapped[VaccinationSession] = relationship(back_populates="capacities")

    @property
    def available(self) -> int:
        return max(self.capacity - self.booked, 0)


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        # One active appointment per beneficiary and dose.
        sa.Index("uq_appointment_active_dose", "beneficiary_id", "dose_number", unique=True,
                 sqlite_where=sa.text("status = 'booked'"),
                 postgresql_where=sa.text("status = 'booked'")),
        sa.CheckConstraint("status IN ('booked', 'cancelled', 'completed', 'no_show')",
                           name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vaccination_session.id"), index=True)
    capacity_id: Mapped[int] = mapped_column(sa.ForeignKey("session_capacity.id"))
    dose_number: Mapped[int] = mapped_column()
    slot: Mapped[str] = mapped_column(sa.String(32))
    secret_code: Mapped[str] = mapped_column(sa.String(4))
    status: Mapped[str] = mapped_column(sa.String(16), default="booked")
    # A retried request with the same key returns the same appointment.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_reason: Mapped[str | None] = mapped_column(sa.String(64))
    # web | api | walk_in | assisted (fair_models.CHANNELS, checked by operations.book: no
    # CHECK constraint, which would scan the largest table under an exclusive lock when added);
    # NULL for bookings before 0010.
    channel: Mapped[str | None] = mapped_column(sa.String(16))

    session: Mapped[VaccinationSession] = relationship()


from cowin_kit.booking import fair_models  # noqa: E402,F401 - lottery, standby (complete metadata)
