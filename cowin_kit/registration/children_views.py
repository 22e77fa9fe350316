"""Citizen web pages for people without documents: add a child, attach an identity document
later, record a pregnancy (registration/children.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.core.errors import KitError
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.profiles import get_profile
from cowin_kit.registration import children, queries
from cowin_kit.registration.views import _date_or_none, _int_or_none

bp = Blueprint("children", __name__, template_folder="templates")

GUARDIAN_LABELS = (("mother", _l("Mother")), ("father", _l("Father")),
                   ("guardian", _l("Guardian")))


def _render(template: str, data: dict, error, fields: dict, shown: tuple, **context):
    """The form page, answering 422 (or the error's status) when there are problems."""
    status = error.status if error else (422 if fields else 200)
    other = [m for name, messages in fields.items() if name not in shown for m in messages]
    return render_template(template, data=data, error=error, fields=fields,
                           other_problems=other, **context), status


def _attempt(action):
    """Run ``action``; return (result, None, {}) or (None, error, its fields)."""
    try:
        return action(), None, {}
    except KitError as exc:
        return None, exc, exc.fields or {}


@bp.route("/my/children/new", methods=["GET", "POST"])
@citizen_required
def new_child():
    account = current_account()
    children.routine_of(get_profile())  # 404 without a routine schedule
    data, error, fields = {}, None, {}
    if request.method == "POST":
        form = request.form
        data = {"name": form.get("name", ""), "birth_date": _date_or_none(form.get("birth_date")),
                "gender": form.get("gender", ""), "guardian": form.get("guardian", ""),
                "mother": form.get("mother") or None}
        if isinstance(data["birth_date"], str):
            fields = {"birth_date": [_("Enter the date of birth as a date (YYYY-MM-DD).")]}
        else:
            child, error, fields = _attempt(lambda: children.add_child(
                account, locale=current_locale_id(), **data))
            if child is not None:
                flash(_("%(name)s is registered. Reference ID: %(ref)s",
                        name=child.name, ref=child.reference_id), "success")
                return redirect(url_for("accounts.my"))
    mothers = [b for b in queries.beneficiaries_of(account)
               if b.gender == "F" and b.id_doc_type is not None]
    return _render("registration/new_child.html", data, error, fields,
                   ("name", "birth_date", "gender", "guardian", "mother"),
                   guardians=GUARDIAN_LABELS, mothers=mothers)


@bp.route("/my/beneficiaries/<reference_id>/document", methods=["GET", "POST"])
@citizen_required
def attach_document(reference_id: str):
    account = current_account()
    person = queries.get_owned_beneficiary(account, reference_id)
    if person.id_doc_type is not None:
        return redirect(url_for("accounts.my"))
    data, error, fields = {}, None, {}
    if request.method == "POST":
        data = {"id_doc_type": request.form.get("id_doc_type", "")}
        done, error, fields = _attempt(lambda: children.attach_document(
            account, reference_id, id_number=request.form.get("id_number", ""), **data))
        if done is not None:
            flash(_("The identity document of %(name)s is saved.", name=person.name), "success")
            return redirect(url_for("accounts.my"))
    return _render("registration/attach_document.html", data, error, fields,
                   ("id_doc_type", "id_number"), person=person)


@bp.route("/my/beneficiaries/<reference_id>/pregnancy", methods=["GET", "POST"])
@citizen_required
def new_pregnancy(reference_id: str):
    account = current_account()
    children.routine_of(get_profile())
    person = queries.get_owned_beneficiary(account, reference_id)
    data, error, fields = {}, None, {}
    if request.method == "POST":
        data = {"week": _int_or_none(request.form.get("week")),
                "expected_delivery": _date_or_none(request.form.get("expected_delivery"))}
        if isinstance(data["week"], str):
            fields["week"] = [_("Enter the week of pregnancy as a number.")]
        if isinstance(data["expected_delivery"], str):
            fields["expected_delivery"] = [_("Enter the expected delivery date as a date "
                                             "(YYYY-MM-DD).")]
        if not fields:
            done, error, fields = _attempt(lambda: children.record_pregnancy(
                account, reference_id, **data))
            if done is not None:
                flash(_("The pregnancy of %(name)s is recorded.", name=person.name), "success")
                return redirect(url_for("accounts.my"))
    return _render("registration/pregnancy.html", data, error, fields,
                   ("week", "expected_delivery"), person=person)
