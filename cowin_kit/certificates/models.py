"""Certificates issued from dose records, and citizens' correction requests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cowin_kit.core.db import db, utcnow

KINDS = ("provisional", "final", "booster")
CORRECTION_FIELDS = ("name", "birth_year", "gender")
CORRECTION_STATUSES = ("pending", "approved", "rejected")


class Certificate(db.Model):
    """One certificate per recorded dose; ``data`` is the snapshot every format is built from."""

    __tablename__ = "certificate"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('provisional', 'final', 'booster')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[str] = mapped_column(sa.String(20), unique=True)  # stable, digits
    uvci: Mapped[str] = mapped_column(sa.String(80), unique=True)
    revocation_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # opaque (SHC rid)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    dose_record_id: Mapped[int] = mapped_column(sa.ForeignKey("dose_record.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    dose_number: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(default=dict)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(200))
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    # the keys that sign it, recorded at issuance: {kind: {"kid", ...}}; the DIVOC key's
    # verificationMethod (its did:web) too. NULL for certificates issued before 0007.
    signed_with: Mapped[dict | None] = mapped_column()

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None and self.superseded_by_id is None


class CorrectionRequest(db.Model):
    """A citizen asks to correct the name, birth year or gender on a certificate."""

    __tablename__ = "certificate_correction"
    __table_args__ = (
        sa.CheckConstraint("field IN ('name', 'birth_year', 'gender')", name="field"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizen_account.id"))
    field: Mapped[str] = mapped_column(sa.String(16))
    old_value: Mapped[str] = mapped_column(sa.String(200))
    new_value: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    new_certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
