"""Small helpers the staff pages share: the signed-in user, form errors, typed form values."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import StaffUser
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.core.inputs import date_out_of_range, int_out_of_range


def me() -> StaffUser:
    """Return the signed-in staff user (views behind ``staff_required`` always have one)."""
    from cowin_kit.accounts.staff_auth import current_staff

    return current_staff()


def error_context(exc: KitError) -> dict:
    """Template values for a refused form: the message, its code and the fields at fault."""
    body = exc.to_dict()
    return {"error": body["message"], "error_code": exc.code, "fields": body.get("fields", {})}


def form_int(name: str, default=None):
    """Read an integer form field (None/default when empty; ValidationFailed when not a number)."""
    raw = (request.values.get(name) or "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(fields={name: [_l("Not a whole number.")]}) from None
    if refusal := int_out_of_range(value):  # what an INTEGER column holds
        raise ValidationFailed(fields={name: [refusal]})
    return value


def form_datetime(name: str) -> dt.datetime | None:
    """Read a ``datetime-local`` or ISO field; naive values are the facility's wall clock."""
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(fields={name: [_l("Use YYYY-MM-DDTHH:MM.")]}) from None
    if refusal := date_out_of_range(value):
        raise ValidationFailed(fields={name: [refusal]})
    return value


def form_date(name: str) -> dt.date | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(fields={name: [_l("Use YYYY-MM-DD.")]}) from None
    if refusal := date_out_of_range(value):  # far dates overflow date arithmetic
        raise ValidationFailed(fields={name: [refusal]})
    return value
