"""Reads of the certificates domain for staff: correction requests within a staff user's reach."""

from __future__ import annotations

import sqlalchemy as sa

from cowin_kit.accounts.staff_permissions import area_filter
from cowin_kit.core.db import db
from cowin_kit.vaccination.models import DoseRecord

from .models import Certificate, CorrectionRequest


def correction_facility(correction: CorrectionRequest):
    """The facility that gave the dose of the certificate a correction request is about."""
    certificate = db.session.get(Certificate, correction.certificate_id)
    return db.session.get(DoseRecord, certificate.dose_record_id).facility


def corrections_in_reach(staff, status: str = "pending", limit: int = 200) -> list[CorrectionRequest]:
    """Correction requests with ``status`` whose certificate's dose was given in the staff
    user's reach (area subtree or facility), oldest first."""
    query = (sa.select(CorrectionRequest)
             .join(Certificate, Certificate.id == CorrectionRequest.certificate_id)
             .join(DoseRecord, DoseRecord.id == Certificate.dose_record_id)
             .where(CorrectionRequest.status == status)
             .order_by(CorrectionRequest.requested_at, CorrectionRequest.id).limit(limit))
    condition = area_filter(staff, DoseRecord.facility_id)
    if condition is not None:
        query = query.where(condition)
    return list(db.session.execute(query).scalars())
