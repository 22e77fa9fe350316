"""Web pages: public search, booking for a beneficiary, appointment, reschedule, cancel, slip."""

from __future__ import annotations

import datetime as dt
import functools

from babel.dates import format_skeleton
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.areas import queries as areas
from cowin_kit.booking import changes, operations, queries
from cowin_kit.booking.personal import for_beneficiary
from cowin_kit.booking.slip import check_slip_available, slip_pdf_response, slip_rows
from cowin_kit.core.collation import sort_by_name
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.core.i18n import digit_system, localize_digits
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.queries import get_owned_beneficiary

bp = Blueprint("booking", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/booking")

SEARCH_FIELDS = ("date", "postal_code", "vaccine", "age", "dose_kind", "fee_type", "lat", "lon")
#: Centres per page of results (a state can have hundreds: never the whole list at once).
PER_PAGE = 20
#: Reschedule starts from the current centre's area down to this level (1 = state, 2 = district).
RESCHEDULE_LEVEL = 2


@bp.context_processor
def _helpers():
    """Locale-aware formatting and vaccine names for the booking templates."""
    profile = get_profile()

    def vaccine_name(vaccine_id: str) -> str:
        try:
            return profile.vaccine(vaccine_id).name
        except Exception:  # noqa: BLE001 - a session of a vaccine the profile dropped
            return vaccine_id.upper()

    # format_date, format_decimal, format_currency: app-wide (cowin_kit/web/formatting.py),
    # in the locale's digits.
    return {"vaccine_name": vaccine_name}


def _area_path(default: list[int], children=areas.children) -> tuple[list[int], dict]:
    """The drill-down selection a1, a2, … each a child of the previous, and a message for the
    first one that is not (a tampered or stale link): said, never silently dropped. Without
    any a1…, ``default`` (reschedule: the current centre's district) is the selection."""
    given = [request.args.get(f"a{level}", "").strip() for level in range(1, 10)]
    if not any(given) and not _located_elsewhere():
        given = [str(i) for i in default]
    chosen: list[int] = []
    parent = None
    for level, raw in enumerate(given, start=1):
        if not raw:
            break
        if not raw.isdigit() or int(raw) not in {a.id for a in children(parent)}:
            return chosen, {f"a{level}": [_("This area is not in the list. Please choose it "
                                            "again.")]}
        chosen.append(int(raw))
        parent = int(raw)
    return chosen, {}


def _located_elsewhere() -> bool:
    """Whether the search names a place other than by area (postal code, the browser's location)."""
    return any(request.args.get(name, "").strip() for name in ("postal_code", "lat", "lon"))


def _search_form(default_path: list[int]):
    """Read the search form: (query or None, errors, area selects, values).

    Location first: without an area, a postal code or a position there is no query (nothing
    is listed), but every value given is checked and a bad one is said at its field."""
    profile = get_profile()
    language = str(get_locale()).split("_")[0]
    children = functools.cache(areas.children)  # the path check and the selects read the same
    path, errors = _area_path(default_path, children)
    selects = []
    parent = None
    for depth, level in enumerate(profile.admin_levels, start=1):
        options = sort_by_name(children(parent), lambda a: a.display_name(language))
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
    query = None
    try:
        query = queries.availability_query(area_id=path[-1] if path else None,
                                           **{k: v or None for k, v in values.items()})
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if query is not None and query.postal_code:
        formats, examples = queries.postal_code_rules(profile.alpha2)
        if formats and not any(f.fullmatch(query.postal_code) for f in formats):
            errors["postal_code"] = [_("This is not a postal code of %(country)s. It looks like "
                                       "%(example)s.", country=profile.country_name(language),
                                       example=examples[0] if examples else "")]
        elif not queries.postal_code_known(query.postal_code):
            errors["postal_code"] = [_("No vaccination centre has the postal code %(code)s. "
                                       "Check the number, or search by area.",
                                       code=query.postal_code)]
    if errors or not (path or query.postal_code or query.near):
        query = None
    return query, errors, selects, values


def _page_of(centres: list) -> tuple[list, dict]:
    """One page of centres and the pager's numbers (page, pages, total)."""
    raw = request.args.get("page", "").strip()
    pages = max(1, -(-len(centres) // PER_PAGE))
    page = min(int(raw), pages) if raw.isdigit() and int(raw) >= 1 else 1
    first = (page - 1) * PER_PAGE
    return (centres[first:first + PER_PAGE],
            {"page": page, "pages": pages, "total": len(centres), "first": first + 1,
             "last": min(first + PER_PAGE, len(centres))})


def _page_url(page: int) -> str:
    """This search with another page number."""
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _ordered(centres: list[dict], query, first_centre: int | None = None) -> list[dict]:
    """Centres by name in the reader's language, or nearest first for a search near a
    position; the current centre first when rescheduling. Ordered whole, then paged."""
    if query is None or query.near is None:
        centres = sort_by_name(centres, lambda c: c["name"])
    if first_centre is not None:
        centres = sorted(centres, key=lambda c: c["center_id"] != first_centre)
    return centres


def _calendar(query, centres):
    """Dates of the week and, per centre, the sessions of each date."""
    days = query.dates() if query else []
    rows = []
    for centre in centres:  # in the order _ordered gave them, before the page was cut
        by_day: dict[str, list] = {}
        for item in centre["sessions"]:
            by_day.setdefault(item["date"], []).append(item)
        rows.append((centre, [by_day.get(d.isoformat(), []) for d in days]))
    return days, rows


def _context(default_path: list[int] | None = None, **extra):
    query, errors, selects, values = _search_form(default_path or [])
    return dict(query=query, errors=errors, selects=selects, values=values,
                vaccines=get_profile().vaccines, dose_kinds=queries.DOSE_KINDS,
                fee_types=queries.FEE_TYPES, day_label=_day_label, page_url=_page_url, **extra)


def _day_label(day: dt.date) -> str:
    """A short weekday-and-date column heading ("Mon, 7 Jun") in the locale and its digits."""
    locale = str(get_locale())
    return localize_digits(format_skeleton("MMMEd", day, locale=locale), digit_system(locale))


@bp.get("/find")
def find():
    """Public search: area drill-down or postal code, a week of sessions with capacities."""
    ctx = _context()
    centres = queries.public_availability(ctx["query"]) if ctx["query"] else []
    shown, ctx["pager"] = _page_of(_ordered(centres, ctx["query"]))
    ctx["days"], ctx["rows"] = _calendar(ctx["query"], shown)
    return render_template("booking/find.html", centres=shown, **ctx)


@bp.route("/my/book/<reference_id>", methods=["GET", "POST"])
@citizen_required
def book(reference_id):
    """Search what this beneficiary may book, and book a slot."""
    beneficiary = get_owned_beneficiary(current_account(), reference_id)
    if request.method == "POST":
        try:
            appointment = operations.book(beneficiary, request.form.get("session_id", ""),
                                          request.form.get("slot", ""),
                                          idempotency_key=request.form.get("request_key"),
                                          channel="web")
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
            changes.reschedule(found, request.form.get("session_id", ""),
                               request.form.get("slot", ""))
        except KitError as exc:
            flash(exc.text(), "error")
            return redirect(request.full_path.rstrip("?"))
        flash(_("Your appointment has been moved."), "success")
        return redirect(url_for("booking.appointment", appointment_id=found.id))

    beneficiary = db.session.get(Beneficiary, found.beneficiary_id)
    centre = found.session.facility
    area = areas.get(centre.area_id)
    chain = [int(p) for p in area.path.strip("/").split("/") if p]
    chain += [] if area.id in chain else [area.id]
    return _personal_page(beneficiary, "booking/book.html", appointment=found,
                          action=request.full_path.rstrip("?"),
                          default_path=chain[:RESCHEDULE_LEVEL], first_centre=centre.id)


def _personal_page(beneficiary, template, *, default_path=None, first_centre=None, **extra):
    import secrets

    ctx = _context(default_path, **extra)
    found = for_beneficiary(beneficiary, ctx["query"]) if ctx["query"] else None
    shown, ctx["pager"] = _page_of(_ordered(found.centres if found else [], ctx["query"],
                                            first_centre))
    ctx["days"], ctx["rows"] = _calendar(ctx["query"], shown)
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
            changes.cancel(found, "citizen")
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
    check_slip_available(found)
    view = queries.appointment_view(found)
    return render_template("booking/slip.html", view=view, rows=slip_rows(view))


@bp.get("/my/appointments/<appointment_id>/slip.pdf")
@citizen_required
def slip_pdf(appointment_id):
    """The appointment slip as a PDF."""
    return slip_pdf_response(queries.owned_appointment(current_account(), appointment_id))
