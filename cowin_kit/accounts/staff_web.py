"""Small helpers the staff pages share: the signed-in user, form errors, typed form values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask, has_request_context, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts import places
from cowin_kit.accounts.citizen import current_account
from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.areas.models import Area
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.core.inputs import date_out_of_range, int_out_of_range
from cowin_kit.profiles import get_profile
from cowin_kit.web.context import set_viewer


def me() -> StaffUser:
    """Return the signed-in staff user (views behind ``staff_required`` always have one)."""
    return current_staff()


def role_label(role: str) -> str:
    """Return the localised name of a role."""
    return {
        "national_admin": _("National administrator"),
        "area_admin": _("Area administrator"),
        "facility_manager": _("Facility manager"),
        "vaccinator": _("Vaccinator"),
        "auditor": _("Auditor"),
        "store_manager": _("Store manager"),
    }.get(role, role)


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, as every staff page's header says it."""

    full_name: str
    username: str
    role: str
    role_label: str
    place: str  # the facility or area the account works in; the country for national roles


def place_name(staff: StaffUser) -> str:
    """The facility or area a staff account is tied to, in the reader's language."""
    language = str(get_locale() or "en").split("_")[0]
    if facility := places.facility(staff.facility_id):
        return facility.name
    if staff.area_id and (area := db.session.get(Area, staff.area_id)):
        return area.display_name(language)
    return get_profile().country_name(language)


def signed_in() -> SignedIn | None:
    """The signed-in staff member of this request for the page header, or None."""
    staff = current_staff() if has_request_context() else None
    if staff is None:
        return None
    return SignedIn(staff.full_name or staff.username, staff.username, staff.role,
                    role_label(staff.role), place_name(staff))


def init_header(app: Flask) -> None:
    """Say in every page's header who is signed in (staff), and show the menu for that role."""
    def viewer() -> tuple[str | None, str | None]:
        staff = current_staff()
        if staff is not None:
            return "staff", staff.role
        return ("citizen" if current_account() is not None else None), None

    def header() -> dict:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            who = signed_in()
        except SQLAlchemyError:  # an outage's error page still renders, without the name
            who = None
        # Visitors see one discreet way in for staff, not the staff menu.
        return {"signed_in_staff": who,
                "staff_login_url": None if who else url_for("staff.login")}

    set_viewer(app, viewer)
    app.context_processor(header)


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
