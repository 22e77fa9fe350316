"""Routine doses at the desk (issue #19): after the birth doses (newborn.py), a vaccinator
records the routine doses due today (Pentavalent 1 at six weeks, MR at nine months...) for a
child or a pregnant woman, and a dose given elsewhere (abroad, the private sector, another
programme). The schedule engine (profiles/routine.py) decides: a dose it would not count
(too early, too soon, live vaccine spacing, beyond the series) is refused and nothing is
recorded. A person without an area (a child registered by a parent) takes the facility's area
with the first routine dose recorded at a facility, so they appear in its due lists."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import DESK, staff_required
from cowin_kit.accounts.staff_web import error_context, form_date, me
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.routine import EXTRA, LIVE_TOO_SOON, TOO_EARLY_AGE, TOO_SOON, NextDose
from cowin_kit.registration import children, queries
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.routine_rows import engine_for, is_child
from cowin_kit.vaccination.operations import clean_lot
from cowin_kit.vaccination.views import LOT_MEMORY, _card_page, _facility

bp = Blueprint("routine_desk", __name__, url_prefix="/desk", template_folder="templates")

#: The engine's reasons for not counting a dose, as the desk shows them.
REFUSED = {
    TOO_EARLY_AGE: _l("%(vaccine)s cannot be given yet: the person is younger than its "
                      "minimum age."),
    TOO_SOON: _l("%(vaccine)s cannot be given yet: too soon after the previous dose."),
    LIVE_TOO_SOON: _l("%(vaccine)s cannot be given yet: too soon after another live vaccine."),
    EXTRA: _l("%(vaccine)s is not needed: the series is complete."),
}
CHOOSE = _l("Choose the vaccines given from the list.")
NOT_DUE = _l("%(vaccine)s is not due for this person today.")
NOT_CONCERNED = _l("The routine schedule concerns children and women with a current "
                   "pregnancy: it does not apply to this person.")


def _applies(person: Beneficiary, routine, on: dt.date):
    """(applies, current pregnancy): whether the routine schedule applies to the person."""
    pregnancy = children.current_pregnancy(person, on)
    return is_child(routine, person.birth_date, on) or pregnancy is not None, pregnancy


def givable(doses: list[NextDose], on: dt.date) -> tuple[str, ...]:
    """The products that give an open dose on ``on`` (its earliest day has come)."""
    found: dict[str, None] = {}
    for dose in doses:
        if dose.can_give and dose.earliest <= on:
            found.update(dict.fromkeys(dose.products))
    return tuple(found)


def _refusals(routine, person: Beneficiary, pregnancy, given: list[tuple[str, dt.date]],
              on: dt.date) -> list[tuple[str, str]]:
    """(product, reason) for the doses of ``given`` the engine would not count."""
    before = children.routine_history(person)
    found = {}
    for dose in engine_for(routine, person, pregnancy)(on, before + given):
        for rejected in dose.rejected:
            if (rejected.product, rejected.day) in given and rejected.reason in REFUSED:
                found.setdefault(rejected.product, rejected.reason)
    return list(found.items())


def _check(routine, person: Beneficiary, pregnancy, products: list[str], day: dt.date,
           offered: tuple[str, ...] | None) -> dict[str, list]:
    """Field errors for ``products`` given on ``day`` (``offered``: what may be given today;
    None for a dose given elsewhere, checked by the engine only)."""
    if not products or any(routine.product(p) is None for p in products):
        return {"products": [CHOOSE]}
    errors = [REFUSED[reason] % {"vaccine": routine.product(p).name}
              for p, reason in _refusals(routine, person, pregnancy,
                                         [(p, day) for p in products], day)]
    if not errors and offered is not None:
        errors = [NOT_DUE % {"vaccine": routine.product(p).name}
                  for p in products if p not in offered]
    return {"products": errors} if errors else {}


def _record(staff, facility_id: int | None, person: Beneficiary, doses: dict, day: dt.date,
            **extra) -> None:
    for product, lot in doses.items():
        children.record_routine_dose(staff.id, facility_id, person, product=product, lot=lot,
                                     given_on=day, **extra)


def join_area(person: Beneficiary, facility) -> None:
    """A person without an area (a child registered by a parent) takes the area of the
    facility of their first routine dose there, so they appear in its due lists and reports
    (docs/routine-immunisation.md); call before recording the dose (its due rows copy it)."""
    if person.area_id is None:
        person.area_id = facility.area_id


def record_today(staff, facility, person: Beneficiary, products: list[str],
                 lots: dict) -> None:
    """Record the routine doses given today at the staff user's facility; commits."""
    routine = children.routine_of(get_profile())
    today = facility_today(facility)
    applies, pregnancy = _applies(person, routine, today)
    offered = givable(children.routine_due(person, today, every=True), today) if applies else ()
    errors = _check(routine, person, pregnancy, products, today, offered)
    doses = {}
    for product in products:
        try:
            doses[product] = clean_lot(lots.get(product))
        except KitError as exc:
            errors[f"lot-{product}"] = [exc.text()]
    if errors:
        raise ValidationFailed(fields=errors)
    join_area(person, facility)
    _record(staff, facility.id, person, doses, today)
    db.session.commit()


def record_elsewhere(staff, facility, person: Beneficiary, *, product: str,
                     given_on: dt.date | None, place: str, lot: str) -> None:
    """Record a dose given elsewhere (no facility of this programme); commits."""
    routine = children.routine_of(get_profile())
    today = facility_today(facility)
    place = " ".join(place.split())
    errors: dict[str, list] = {}
    if not isinstance(given_on, dt.date):
        errors["given_on"] = [_l("Enter the date the dose was given.")]
    elif given_on > today:
        errors["given_on"] = [_l("The date of the dose cannot be in the future.")]
    elif person.birth_date is not None and given_on < person.birth_date:
        errors["given_on"] = [_l("The dose cannot be given before the date of birth.")]
    if not 1 <= len(place) <= 120:
        errors["place"] = [_l("Enter where the dose was given (1 to 120 characters).")]
    if not _applies(person, routine, today)[0]:
        errors = {"product": [NOT_CONCERNED]}
    elif not errors:
        errors = _check(routine, person, _applies(person, routine, given_on)[1], [product],
                        given_on, None)
    try:
        lot = clean_lot(lot) if lot.strip() else ""
    except KitError as exc:
        errors["lot"] = [exc.text()]
    if errors:
        raise ValidationFailed(fields=errors)
    _record(staff, None, person, {product: lot}, given_on, source="elsewhere", place=place)
    db.session.commit()


@bp.app_template_global()
def routine_panel(person: Beneficiary) -> dict | None:
    """The desk person page's routine section: doses open today, products that can be given
    (None when the schedule does not apply to the person)."""
    routine = get_profile().routine
    if routine is None:
        return None
    today = facility_today(_facility())
    applies, _pregnancy = _applies(person, routine, today)
    if not applies:
        return None
    doses = children.routine_due(person, today)
    return {"doses": doses, "today": today,
            "products": [routine.product(p) for p in givable(doses, today)],
            "known": routine.products}


def _person_or_refuse(reference_id: str) -> Beneficiary:
    queries.count_lookup(me())
    person = queries.by_reference(reference_id)
    children.routine_of(get_profile())  # 404 without a routine schedule
    return person


@bp.post("/people/<reference_id>/routine")
@staff_required(DESK, writes=True)
def record(reference_id: str):
    """Record the routine doses given today (one or more products, each with its lot)."""
    person = _person_or_refuse(reference_id)
    products = request.form.getlist("products")
    lots = {p: request.form.get(f"lot-{p}", "") for p in products}
    try:
        record_today(me(), _facility(), person, products, lots)
    except KitError as exc:
        db.session.rollback()
        return _card_page(person, exc.status, **error_context(exc))
    # The next child usually gets a dose from the same vials.
    session[LOT_MEMORY] = {**session.get(LOT_MEMORY, {}),
                           **{p: clean_lot(lot) for p, lot in lots.items()}}
    return redirect(url_for("desk.person", reference_id=person.reference_id))


@bp.post("/people/<reference_id>/routine/elsewhere")
@staff_required(DESK, writes=True)
def elsewhere(reference_id: str):
    """Record a routine dose given elsewhere: product, date, place, lot if known."""
    person = _person_or_refuse(reference_id)
    form = request.form
    try:
        record_elsewhere(me(), _facility(), person, product=form.get("product", ""),
                         given_on=form_date("given_on"), place=form.get("place", ""),
                         lot=form.get("lot", ""))
    except KitError as exc:
        db.session.rollback()
        return _card_page(person, exc.status, **error_context(exc))
    return redirect(url_for("desk.person", reference_id=person.reference_id))
