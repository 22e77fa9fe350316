"""The immunisation card's downloads: the citizen's for a person of their account, the desk's
for a person in the staff user's reach (a counted, audited look-up)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, request

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.accounts.staff_permissions import (AREA_ADMIN, DESK, NATIONAL_ADMIN, in_scope,
                                                  staff_area_path, staff_required)
from cowin_kit.accounts.staff_web import me
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.audit import audit, audit_now
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.profiles import get_profile
from cowin_kit.registration import children, queries
from cowin_kit.registration.models import Beneficiary, RoutineDose
from cowin_kit.vaccination.models import DoseRecord

from .routine_card import card_for
from .routine_card_pdf import build_card_pdf

bp = Blueprint("routine_card", __name__)

#: Staff who may print a person's card: the desk, and administrators, within their reach.
CARD_ROLES = (*DESK, NATIONAL_ADMIN, AREA_ADMIN)


def _language(person: Beneficiary) -> str:
    """``?lang=`` when the profile has it, else the person's language, else the reader's."""
    profile = get_profile()
    wanted = request.args.get("lang")
    known = {code.split("_")[0]: code for code in profile.locale_ids}
    for choice in (wanted, person.locale, current_locale_id()):
        if choice and choice in profile.locale_ids:
            return choice
        if choice and choice.split("_")[0] in known:
            return known[choice.split("_")[0]]
    return profile.default_locale


def _pdf(person: Beneficiary) -> Response:
    pdf = build_card_pdf(card_for(person), _language(person))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="immunisation-card-{person.reference_id}.pdf"',
        "Cache-Control": "no-store"})


def reaches(staff, person: Beneficiary) -> bool:
    """Whether ``staff`` reaches the person: where they live is under the staff user's area
    (a facility's staff: the facility's area), or a facility in reach vaccinated them."""
    if staff.role == NATIONAL_ADMIN:
        return True
    reach = staff_area_path(staff)
    home = db.session.get(Area, person.area_id) if person.area_id else None
    if reach is not None and home is not None and home.path.startswith(reach):
        return True
    given_at = sa.union(
        sa.select(DoseRecord.facility_id).where(DoseRecord.beneficiary_id == person.id),
        sa.select(RoutineDose.facility_id).where(RoutineDose.beneficiary_id == person.id))
    return any(in_scope(staff, facility) for facility in db.session.scalars(
        sa.select(Facility).where(Facility.id.in_(given_at))))


@bp.get("/my/beneficiaries/<reference_id>/immunisation-card.pdf")
@citizen_required
def citizen_card(reference_id: str):
    """The card of a person of the signed-in account (anyone else's: 404)."""
    person = queries.get_owned_beneficiary(current_account(), reference_id)
    children.routine_of(get_profile())  # 404 without a routine schedule
    audit("routine_card.download", "beneficiary", person.reference_id, via="citizen")
    db.session.commit()
    return _pdf(person)


@bp.get("/desk/people/<reference_id>/immunisation-card.pdf")
@staff_required(CARD_ROLES)
def desk_card(reference_id: str):
    """The card of a person in the staff user's reach, printed at the desk."""
    staff = me()
    queries.count_lookup(staff)
    person = queries.by_reference(reference_id)
    children.routine_of(get_profile())
    if not reaches(staff, person):
        audit_now(f"route:{request.endpoint}", "beneficiary", None, outcome="denied",
                  role=staff.role, path=request.path, method=request.method)
        raise Forbidden()
    audit("beneficiary.view", "beneficiary", person.reference_id, purpose="immunisation_card")
    db.session.commit()
    return _pdf(person)
