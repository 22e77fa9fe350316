"""Dose records (what was given, to whom, where, by whom) and AEFI reports."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cowin_kit.core.db import db, utcnow


class DoseRecord(db.Model):
    __tablename__ = "dose_record"
    __table_args__ = (sa.UniqueConstraint("beneficiary_id", "dose_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("appointment.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("vaccination_session.id"))
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    vaccinator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    vaccine: Mapped[str] = mapped_column(sa.String(32))  # profile vaccines[].id
    lot: Mapped[str] = mapped_column(sa.String(32))
    dose_number: Mapped[int] = mapped_column()
    series_total: Mapped[int] = mapped_column()  # doses in the primary series (for certificates)
    is_booster: Mapped[bool] = mapped_column(default=False)
    administered_on: Mapped[dt.date] = mapped_column(index=True)
    administered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    corrected_at: Mapped[dt.datetime | None] = mapped_column()

    facility = relationship("Facility")


class AefiReport(db.Model):
    """Adverse event following immunisation, linked to the dose record."""

    __tablename__ = "aefi_report"
    __table_args__ = (
        sa.CheckConstraint("severity IN ('mild', 'moderate', 'severe', 'death')", name="severity"),
        sa.CheckConstraint("outcome IN ('recovered', 'recovering', 'not_recovered', "
                           "'hospitalised', 'sequelae', 'died', 'unknown')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dose_record_id: Mapped[int] = mapped_column(sa.ForeignKey("dose_record.id"), index=True)
    reported_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    onset_at: Mapped[dt.datetime] = mapped_column(index=True)  # the AEFI report's date range
    symptoms: Mapped[list] = mapped_column(default=list)
    severity: Mapped[str] = mapped_column(sa.String(16))  # mild | moderate | severe | death
    outcome: Mapped[str] = mapped_column(sa.String(32))  # recovered | recovering | hospitalised …
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeskSyncEvent(db.Model):
    """One event an offline desk recorded and synced (issue #22), keyed by the id the device
    generated: the primary key makes the same event applied once, whichever device sends it
    and however often. Conflicts are kept too, so a re-sent event gets the same answer."""

    __tablename__ = "desk_sync_event"
    __table_args__ = (
        sa.CheckConstraint("status IN ('applied', 'conflict')", name="status"),
        sa.CheckConstraint("kind IN ('dose', 'walk_in', 'no_show', 'aefi')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # client-generated UUID
    kind: Mapped[str] = mapped_column(sa.String(16))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    device_id: Mapped[str] = mapped_column(sa.String(64), default="")
    digest: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of the event, secret code left out
    status: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[str | None] = mapped_column(sa.String(40))  # the conflict's reason code
    dose_record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dose_record.id"))
    aefi_report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("aefi_report.id"))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    dose_record = relationship("DoseRecord")
    aefi_report = relationship("AefiReport")
