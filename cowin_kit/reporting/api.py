"""Native API: a person's vaccination record as a FHIR R4 Bundle."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_smorest import Blueprint

from cowin_kit.accounts.citizen import current_account
from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.accounts.staff_permissions import require_any_scope
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound, Unauthorized
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.fhir import patient_bundle
from cowin_kit.vaccination.models import DoseRecord

bp = Blueprint("reporting_api", __name__, url_prefix="/api/kit/v1",
               description="Reports and exports (FHIR R4)")

#: Staff roles that may export a person's record (within their area).
FHIR_ROLES = ("national_admin", "area_admin", "facility_manager", "vaccinator", "auditor")


def _may_read(person: Beneficiary) -> str:
    """Return who reads ("staff" or "citizen"); raise when nobody entitled is signed in."""
    staff = current_staff()
    if staff is not None:
        # Where the person lives, and every facility that vaccinated them: staff reaching
        # any of these places may export (a vaccinator: people vaccinated at their facility).
        places = [db.session.get(Area, person.area_id)] if person.area_id else []
        places += db.session.scalars(sa.select(Facility).where(Facility.id.in_(
            sa.select(DoseRecord.facility_id).where(DoseRecord.beneficiary_id == person.id))))
        if staff.role not in FHIR_ROLES:
            places = []  # refused (and logged) like every other refusal
        require_any_scope(staff, places, "beneficiary.fhir_export")
        return "staff"
    account = current_account()
    if account is None:
        raise Unauthorized()
    if person.account_id != account.id:
        raise NotFound()  # do not confirm that someone else's reference exists
    return "citizen"


@bp.get("/beneficiaries/<reference_id>/fhir")
@bp.doc(summary="FHIR R4 Bundle (collection) with the person's Patient and Immunization "
                "resources", responses={200: {"description": "application/fhir+json Bundle"}})
def beneficiary_fhir(reference_id: str):
    """Export one beneficiary's record as FHIR (staff in scope, or the citizen themself)."""
    person = db.session.scalar(sa.select(Beneficiary).where(Beneficiary.reference_id == reference_id))
    if person is None:
        raise NotFound()
    reader = _may_read(person)
    bundle = patient_bundle(get_profile(), person)
    audit("beneficiary.fhir_export", "beneficiary", person.id, reader=reader,
          immunizations=len(bundle["entry"]) - 1)
    db.session.commit()
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    response.headers["Cache-Control"] = "no-store"
    return response
