"""Citizen web pages: add a person under the signed-in mobile, remove one."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.core.errors import KitError
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.profiles import get_profile
from cowin_kit.registration import operations, queries

bp = Blueprint("registration", __name__, template_folder="templates")


#: The fields "Add a person" shows its problems at (others are shown above the form).
FORM_FIELDS = ("name", "birth_year", "birth_date", "gender", "id_doc_type", "id_number", "groups")


def _int_or_none(value: str | None):
    value = (value or "").strip()
    return int(value) if value.isdigit() else (value or None)


def _date_or_none(value: str | None):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _form_data(form) -> dict:
    return {
        "name": form.get("name", ""),
        "birth_year": _int_or_none(form.get("birth_year")),
        "birth_date": _date_or_none(form.get("birth_date")),
        "gender": form.get("gender", ""),
        "id_doc_type": form.get("id_doc_type", ""),
        "id_number": form.get("id_number", ""),
        "groups": form.getlist("groups"),
        "comorbidity": form.get("comorbidity") == "1",
    }


def _typed_errors(data: dict) -> dict:
    """Field errors for values that are not even of the right type (e.g. year "abcd")."""
    errors = {}
    if isinstance(data["birth_year"], str):
        errors["birth_year"] = [_("Enter the year of birth as four digits.")]
    if isinstance(data["birth_date"], str):
        errors["birth_date"] = [_("Enter the date of birth as a date (YYYY-MM-DD).")]
    return errors


@bp.route("/my/beneficiaries/new", methods=["GET", "POST"])
@citizen_required
def new_beneficiary():
    data, error, fields = {"groups": []}, None, {}
    if request.method == "POST":
        data = _form_data(request.form)
        fields = _typed_errors(data)
        if not fields:
            try:
                beneficiary = operations.add_beneficiary(current_account(),
                                                         locale=current_locale_id(), **data)
            except KitError as exc:
                error, fields = exc, exc.fields
            else:
                flash(_("%(name)s is registered. Reference ID: %(ref)s",
                        name=beneficiary.name, ref=beneficiary.reference_id), "success")
                return redirect(url_for("accounts.my"))
    data.pop("id_number", None)  # never echo an identity number back into the page
    status = error.status if error else (422 if fields else 200)

    other = [m for name, messages in fields.items() if name not in FORM_FIELDS for m in messages]
    return render_template("registration/new.html", data=data, error=error, fields=fields,
                           other_problems=other,
                           asks_comorbidity=not operations.has_comorbidity_group(get_profile())
                           ), status


@bp.route("/my/beneficiaries/<reference_id>/delete", methods=["GET", "POST"])
@citizen_required
def delete_beneficiary(reference_id: str):
    beneficiary = queries.get_owned_beneficiary(current_account(), reference_id)
    if request.method == "POST":
        name = beneficiary.name
        operations.delete_beneficiary(current_account(), reference_id)
        flash(_("%(name)s was removed.", name=name), "success")
        return redirect(url_for("accounts.my"))
    return render_template("registration/delete.html", beneficiary=beneficiary)
