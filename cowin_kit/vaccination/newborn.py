"""Birth doses at the facility (issue #19): a vaccinator registers a newborn under the
mother's account (or a mobile) and records the birth doses the routine schedule offers."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.accounts.staff_permissions import DESK, staff_required
from cowin_kit.accounts.staff_web import error_context, form_date, me
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.core.audit import audit
from cowin_kit.core.db import committing, db
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import normalize_mobile
from cowin_kit.registration import children, queries
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination import routine_desk
from cowin_kit.vaccination.operations import clean_lot, desk_account
from cowin_kit.vaccination.views import _facility

bp = Blueprint("newborn", __name__, url_prefix="/desk", template_folder="templates")

MOTHER_NEEDED = _l("Enter the mother's reference ID or a mobile number.")


def _mother(staff, facility, reference_id: str) -> Beneficiary | None:
    """The mother's record by reference ID: a counted, audited staff look-up."""
    queries.count_lookup(staff)
    mother = db.session.scalar(sa.select(Beneficiary).where(
        Beneficiary.reference_id == reference_id))
    if mother is not None:
        audit("beneficiary.view", "beneficiary", mother.reference_id, facility=facility.id,
              purpose="newborn")
    return mother


def _doses(offered: tuple[str, ...], chosen: list[str], lots: dict) -> tuple[dict, dict]:
    """(product -> clean lot, field errors) for the birth doses chosen."""
    errors: dict[str, list] = {}
    doses = {}
    if not chosen or set(chosen) - set(offered):
        errors["products"] = [_l("Choose the birth doses given from the list.")]
    for product in chosen:
        try:
            doses[product] = clean_lot(lots.get(product))
        except KitError as exc:
            errors[f"lot-{product}"] = [exc.text()]
    return doses, errors


def register_newborn(staff, facility, *, mother: str, mobile: str, name: str,
                     birth_date: dt.date | None, gender: str, chosen: list[str],
                     lots: dict) -> Beneficiary:
    """Register the newborn and record the birth doses given today; commits."""
    routine = children.routine_of(get_profile())
    today = facility_today(facility)
    errors: dict[str, list] = {}
    account, mother_row = None, None
    if mother.strip():
        mother_row = _mother(staff, facility, mother.strip())
        if mother_row is None or mother_row.account_id is None:
            errors["mother"] = [_l("No registered mother with an account has this reference ID.")]
        else:
            account = db.session.get(CitizenAccount, mother_row.account_id)
    elif mobile.strip():
        account = desk_account(normalize_mobile(get_profile(), mobile), None)
    else:
        errors["mother"] = [MOTHER_NEEDED]
    offered = children.birth_products(routine, birth_date, today) if birth_date else ()
    doses, dose_errors = _doses(offered, chosen, lots)
    errors.update(dose_errors if birth_date and birth_date <= today else {})
    if errors or account is None:
        db.session.rollback()
        raise ValidationFailed(fields=errors or {"mother": [MOTHER_NEEDED]})
    child = children.add_child(account, name=name, birth_date=birth_date, gender=gender,
                               guardian="mother" if mother_row else "guardian",
                               mother=mother_row.reference_id if mother_row else None,
                               registered_by=staff.id)
    with committing():
        if doses:
            routine_desk.join_area(child, facility)
        for product, lot in doses.items():
            children.record_routine_dose(staff.id, facility.id, child, product=product, lot=lot,
                                         given_on=today)
        if mother_row is not None:
            children.end_pregnancy(mother_row, birth_date)
    return child


@bp.route("/newborn", methods=["GET", "POST"])
@staff_required(DESK, writes=True)
def newborn():
    """Register a newborn and record the birth doses in one form."""
    facility = _facility()
    routine = children.routine_of(get_profile())
    today = facility_today(facility)
    context = {"facility": facility, "form": request.form, "today": today,
               "offered": [routine.product(p) for p in children.birth_products(routine, today,
                                                                               today)]}
    if request.method == "GET":
        return render_template("desk/newborn.html", **context)
    form = request.form
    try:
        child = register_newborn(
            me(), facility, mother=form.get("mother", ""), mobile=form.get("mobile", ""),
            name=form.get("name", ""), birth_date=form_date("birth_date"),
            gender=form.get("gender", ""), chosen=form.getlist("products"),
            lots={p: form.get(f"lot-{p}", "") for p in form.getlist("products")})
    except KitError as exc:
        db.session.rollback()
        return render_template("desk/newborn.html", **context, **error_context(exc)), exc.status
    return redirect(url_for("desk.person", reference_id=child.reference_id))
