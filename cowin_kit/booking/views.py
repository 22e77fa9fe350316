"""Web pages: public search, booking for a beneficiary, appointment, reschedule, cancel, slip."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_skeleton
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.areas import queries as areas
from cowin_kit.booking import operations, queries
from cowin_kit.booking.personal import for_beneficiary
from cowin_kit.booking.slip import slip_pdf_response, slip_rows
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.core.i18n import digit_system, localize_digits
from cowin_kit.registration.queries import get_owned_beneficiary

bp = Blueprint("booking", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/booking")

SEARCH_FIELDS = ("date", "postal_code", "vaccine", "age", "dose_kind", "fee_type")


@bp.context_processor
def _helpers():
    """Locale-aware formatting and vaccine names for the booking templates."""
    from cowin_kit.profiles import get_profile

    profile = get_profile()

    def vaccine_name(vaccine_id: str) -> str:
        try:
            return profile.vaccine(vaccine_id).name
        except Exception:  # noqa: BLE001 - a session of a vaccine the profile dropped
            return vaccine_id.upper()

    # format_date, format_decimal, format_currency: app-wide (cowin_kit/web/formatting.py),
    # in the locale's digits.
    return {"vaccine_name": vaccine_name}


def _area_path() -> list[int]:
    """The drill-down selection a1, a2, … kept only while each is a child of the previous."""
    chosen: list[int] = []
    parent = None
    for level in range(1, 10):
        raw = request.args.get(f"a{level}", "")
        if not raw.isdigit():
            break
        ids = {a.id for a in areas.children(parent)}
        if int(raw) not in ids:
            break
        chosen.append(int(raw))
        parent = int(raw)
    return chosen


def _search_form(personal: bool):
    """Read the search form: (query or None, errors, area selects, values)."""
    from cowin_kit.profiles import get_profile

    profile = get_profile()
    language = str(get_locale()).split("_")[0]
    path = _area_path()
    selects = []
    parent = None
    for depth, level in enumerate(profile.admin_levels, start=1):
        options = sorted(areas.children(parent), key=lambda a: a.display_name(language))
        if not options:
            break
        selected = path[depth - 1] if depth <= len(path) else None
        selects.append({"name": f"a{depth}", "label": profile.label(level.labels, language),
                        "options": [(a.id, a.display_name(language)) for a in options],
                        "selected": selected})
        if selected is None:
            break
        parent = selected
    values = {name: request.args.get(name, "").strip() for name in SEARCH_FIELDS}
    query, errors = None, {}
    wanted = path or values["postal_code"] or personal
    if wanted:
        try:
            query = queries.availability_query(area_id=path[-1] if path else None,
                                               **{k: v or None for k, v in values.items()})
        except ValidationFailed as exc:
            errors = exc.fields
    return query, errors, selects, values


def _calendar(query, centres):
    """Dates of the week and, per centre, the sessions of each date."""
    days = query.dates() if query else []
    rows = []
    for centre in centres:
        by_day: dict[str, list] = {}
        for item in centre["sessions"]:
            by_day.setdefault(item["date"], []).append(item)
        rows.append((centre, [by_day.get(d.isoformat(), []) for d in days]))
    return days, rows


def _context(personal: bool = False, **extra):
    from cowin_kit.profiles import get_profile

    query, errors, selects, values = _search_form(personal)
    return dict(query=query, errors=errors, selects=selects, values=values,
                vaccines=get_profile().vaccines, dose_kinds=queries.DOSE_KINDS,
                fee_types=queries.FEE_TYPES, day_label=_day_label, **extra)


def _day_label(day: dt.date) -> str:
    """A short weekday-and-date column heading ("Mon, 7 Jun") in the locale and its digits."""
    locale = str(get_locale())
    return localize_digits(format_skeleton("MMMEd", day, locale=locale), digit_system(locale))


@bp.get("/find")
def find():
    """Public search: area drill-down or postal code, a week of sessions with capacities."""
    ctx = _context()
    centres = queries.public_availability(ctx["query"]) if ctx["query"] else []
    ctx["days"], ctx["rows"] = _calendar(ctx["query"], centres)
    return render_template("booking/find.html", centres=centres, **ctx)


@bp.route("/my/book/<reference_id>", methods=["GET", "POST"])
@citizen_required
def book(reference_id):
    """Search what this beneficiary may book, and book a slot."""
    beneficiary = get_owned_beneficiary(current_account(), reference_id)
    if request.method == "POST":
        try:
            appointment = operations.book(beneficiary, request.form.get("session_id", ""),
                                          request.form.get("slot", ""),
                                          idempotency_key=request.form.get("request_key"))
        except KitError as exc:
            flash(exc.text(), "error")
            return redirect(request.full_path.rstrip("?"))
        flash(_("Booked. Your secret code is %(code)s.", code=appointment.secret_code), "success")
        return redirect(url_for("booking.appointment", appointment_id=appointment.id))
    return _personal_page(beneficiary, "booking/book.html",
                          action=request.full_path.rstrip("?"))


@bp.route("/my/appointments/<appointment_id>/reschedule", methods=["GET", "POST"])
@citizen_required
def reschedule(appointment_id):
    """Pick another session or slot for an appointment."""
    found = queries.owned_appointment(current_account(), appointment_id)
    if request.method == "POST":
        try:
            operations.reschedule(found, request.form.get("session_id", ""),
                                  request.form.get("slot", ""))
        except KitError as exc:
            flash(exc.text(), "error")
            return redirect(request.full_path.rstrip("?"))
        flash(_("Your appointment has been moved."), "success")
        return redirect(url_for("booking.appointment", appointment_id=found.id))
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.core.db import db

    beneficiary = db.session.get(Beneficiary, found.beneficiary_id)
    return _personal_page(beneficiary, "booking/book.html", appointment=found,
                          action=request.full_path.rstrip("?"))


def _personal_page(beneficiary, template, **extra):
    import secrets

    ctx = _context(personal=True, **extra)
    found = for_beneficiary(beneficiary, ctx["query"]) if ctx["query"] else None
    ctx["days"], ctx["rows"] = _calendar(ctx["query"], found.centres if found else [])
    return render_template(template, beneficiary=beneficiary, found=found,
                           request_key=secrets.token_urlsafe(16), **ctx)


@bp.get("/my/appointments/<appointment_id>")
@citizen_required
def appointment(appointment_id):
    """An appointment with its secret code and what can be done with it."""
    found = queries.owned_appointment(current_account(), appointment_id)
    view = queries.appointment_view(found)
    return render_template("booking/appointment.html", appointment=found, view=view,
                           rows=slip_rows(view))


@bp.route("/my/appointments/<appointment_id>/cancel", methods=["GET", "POST"])
@citizen_required
def cancel(appointment_id):
    """Ask for confirmation, then cancel."""
    found = queries.owned_appointment(current_account(), appointment_id)
    if request.method == "POST":
        try:
            operations.cancel(found, "citizen")
        except KitError as exc:
            flash(exc.text(), "error")
        else:
            flash(_("Your appointment has been cancelled."), "success")
        return redirect(url_for("booking.appointment", appointment_id=found.id))
    view = queries.appointment_view(found)
    return render_template("booking/cancel.html", appointment=found, view=view)


@bp.get("/my/appointments/<appointment_id>/slip")
@citizen_required
def slip(appointment_id):
    """A printable appointment slip."""
    found = queries.owned_appointment(current_account(), appointment_id)
    view = queries.appointment_view(found)
    return render_template("booking/slip.html", view=view, rows=slip_rows(view))


@bp.get("/my/appointments/<appointment_id>/slip.pdf")
@citizen_required
def slip_pdf(appointment_id):
    """The appointment slip as a PDF."""
    return slip_pdf_response(queries.owned_appointment(current_account(), appointment_id))
