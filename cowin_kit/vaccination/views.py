"""Vaccinator desk pages: today's list, look-up, the person's card, dose, walk-in, AEFI."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import DESK, MANAGERS, area_filter, staff_required
from cowin_kit.accounts.staff_web import error_context, form_date, form_datetime, form_int, me
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Appointment, Facility
from cowin_kit.booking.scopes import appointment_scope
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Forbidden, KitError
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination import aefi, operations, queries
from cowin_kit.vaccination.models import AefiReport, DoseRecord
from cowin_kit.vaccination.scopes import aefi_scope, dose_scope

bp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates",
               static_folder="static", static_url_path="/static/desk")
aefi_bp = Blueprint("aefi", __name__, url_prefix="/staff/aefi", template_folder="templates")

REPORTERS = (*MANAGERS, "vaccinator")
LOT_MEMORY = "desk_lots"


def _facility() -> Facility:
    staff = me()
    facility = db.session.get(Facility, staff.facility_id) if staff.facility_id else None
    if facility is None:
        raise Forbidden()
    return facility


def _today(facility: Facility):
    return facility_today(facility)


@bp.get("/")
@staff_required(DESK)
def today():
    """List today's appointments at my facility, with the look-up box."""
    facility = _facility()
    day = _today(facility)
    rows = queries.today_appointments(facility.id, day)
    audit("appointments.view", "facility", facility.id, day=day.isoformat(),
          people=[b.reference_id for _a, b in rows])
    db.session.commit()
    return render_template("desk/today.html", facility=facility, day=day, rows=rows)


#: Look-up fields: personal data that must never travel in a URL (access logs, history, Referer).
LOOKUP_FIELDS = ("q", "kind", "doc_type")
LOOKUP_IN_ADDRESS = _l("Look-ups are not accepted in the page address. Type the reference ID, "
                       "mobile or ID document number in the look-up box and press Find.")


@bp.route("/find", methods=["GET", "POST"])
@staff_required(DESK)
def find():
    """Find a person by reference id, mobile or identity document.

    The look-up is a POST from a CSRF-protected form: mobiles and ID numbers stay out of the
    URL, so no access log, browser history or Referer header ever holds them. A GET shows the
    empty form; a GET with a look-up in its address (an old bookmark) searches nothing and is
    sent on to the clean address, so the number does not stay in the address bar either.
    """
    facility = _facility()
    if request.method == "GET":
        if any(field in request.args for field in LOOKUP_FIELDS):
            flash(str(LOOKUP_IN_ADDRESS), "error")
            return redirect(url_for("desk.find"), 303)
        return render_template("desk/find.html", facility=facility, q="", found=[])
    value = request.form.get("q", "")
    kind = request.form.get("kind") or None
    queries.count_lookup(me())
    try:
        found = queries.find_beneficiaries(value, kind if kind in queries.LOOKUP_KINDS else None,
                                           request.form.get("doc_type") or None)
    except KitError as exc:
        return render_template("desk/find.html", facility=facility, q=value, found=[],
                               **error_context(exc)), exc.status
    audit("beneficiary.search", None, None, kind=kind or queries.guess_kind(value),
          results=[b.reference_id for b in found])
    db.session.commit()
    if len(found) == 1:
        return redirect(url_for("desk.person", reference_id=found[0].reference_id))
    return render_template("desk/find.html", facility=facility, q=value, found=found)


def _card_page(beneficiary: Beneficiary, status: int = 200, **extra):
    facility = _facility()
    card = queries.person_card(beneficiary, facility, _today(facility))
    audit("beneficiary.view", "beneficiary", beneficiary.reference_id, facility=facility.id)
    db.session.commit()
    lots = session.get(LOT_MEMORY, {})
    return render_template("desk/person.html", facility=facility, card=card, lots=lots,
                           **extra), status


@bp.get("/people/<reference_id>")
@staff_required(DESK)
def person(reference_id: str):
    """Show one person: doses, today's appointment here, the dose the schedule proposes."""
    queries.count_lookup(me())
    return _card_page(queries.by_reference(reference_id))


@bp.post("/people/<reference_id>/dose")
@staff_required(DESK, writes=True)
def record(reference_id: str):
    """Verify the secret code (booked people) and record the dose."""
    beneficiary = queries.by_reference(reference_id)
    staff = me()
    try:
        appointment = None
        if request.form.get("appointment_id"):
            appointment = db.session.get(Appointment, _uuid(request.form["appointment_id"]))
            if appointment is None or appointment.beneficiary_id != beneficiary.id:
                raise operations.AppointmentMismatch()
            operations.verify_secret_code(staff, appointment, request.form.get("secret_code"))
        vaccine = request.form.get("vaccine", "")
        dose = operations.record_dose(
            staff, beneficiary, vaccine=vaccine, lot=request.form.get("lot", ""),
            dose_number=form_int("dose_number"), appointment=appointment,
            administered_at=form_datetime("administered_at"))
    except KitError as exc:
        db.session.rollback()
        return _card_page(beneficiary, exc.status, **error_context(exc))
    # Remember the lot per vaccine: the next person usually gets a dose from the same vial.
    session[LOT_MEMORY] = {**session.get(LOT_MEMORY, {}), vaccine: dose.lot}
    return redirect(url_for("desk.dose", dose_id=dose.id))


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        raise operations.AppointmentMismatch() from None


@bp.post("/appointments/<uuid:appointment_id>/no-show")
@staff_required(DESK, scope=appointment_scope, writes=True)
def no_show(appointment_id):
    """Mark a booked appointment as a no-show."""
    appointment = db.get_or_404(Appointment, appointment_id)
    operations.mark_no_show(me(), appointment)
    return redirect(url_for("desk.today"))


@bp.post("/no-shows")
@staff_required(DESK, writes=True)
def day_no_shows():
    """After closing time, mark everyone not seen today as a no-show."""
    facility = _facility()
    count = operations.mark_day_no_shows(me(), facility, _today(facility))
    flash(_("%(n)s appointments marked as no-show.", n=count), "success")
    return redirect(url_for("desk.today"))


@bp.route("/walk-in", methods=["GET", "POST"])
@staff_required(DESK, writes=True)
def walk_in():
    """Register a walk-in and record their dose in one form."""
    facility = _facility()
    context = {"facility": facility, "form": request.form, "lots": session.get(LOT_MEMORY, {}),
               "profile_vaccines": get_profile().vaccines}
    if request.method == "GET":
        return render_template("desk/walk_in.html", **context)
    form = request.form
    try:
        birth_date = form_date("birth_date")
        person = {"name": form.get("name", ""), "birth_year": form_int("birth_year"),
                  "birth_date": birth_date, "gender": form.get("gender", ""),
                  "id_doc_type": form.get("id_doc_type", ""),
                  "id_number": form.get("id_number", ""), "groups": form.getlist("groups"),
                  "locale": form.get("locale") or None}
        dose = operations.walk_in(me(), person=person, vaccine=form.get("vaccine", ""),
                                  lot=form.get("lot", ""), mobile=form.get("mobile") or None,
                                  administered_at=form_datetime("administered_at"))
    except KitError as exc:
        db.session.rollback()
        return render_template("desk/walk_in.html", **context, **error_context(exc)), exc.status
    session[LOT_MEMORY] = {**session.get(LOT_MEMORY, {}), dose.vaccine: dose.lot}
    return redirect(url_for("desk.dose", dose_id=dose.id))


@bp.get("/doses/<int:dose_id>")
@staff_required((*DESK, "national_admin", "area_admin"), scope=dose_scope)
def dose(dose_id: int):
    """Show a recorded dose (with links to correct it or report an adverse event)."""
    record = db.get_or_404(DoseRecord, dose_id)
    beneficiary = db.session.get(Beneficiary, record.beneficiary_id)
    audit("beneficiary.view", "beneficiary", beneficiary.reference_id, dose=record.id)
    db.session.commit()
    correctable = (utcnow() - record.recorded_at) <= operations.correction_window()
    return render_template("desk/dose.html", dose=record, beneficiary=beneficiary,
                           correctable=correctable)


@bp.route("/doses/<int:dose_id>/correct", methods=["GET", "POST"])
@staff_required(DESK, scope=dose_scope, writes=True)
def correct(dose_id: int):
    """Correct a wrong entry within the correction window."""
    record = db.get_or_404(DoseRecord, dose_id)
    beneficiary = db.session.get(Beneficiary, record.beneficiary_id)
    context = {"dose": record, "beneficiary": beneficiary, "form": request.form,
               "profile_vaccines": get_profile().vaccines}
    if request.method == "POST":
        try:
            operations.correct_dose(me(), record, reason=request.form.get("reason", ""),
                                    vaccine=request.form.get("vaccine") or None,
                                    lot=request.form.get("lot") or None,
                                    administered_at=form_datetime("administered_at"))
            return redirect(url_for("desk.dose", dose_id=record.id))
        except KitError as exc:
            db.session.rollback()
            record = db.session.get(DoseRecord, dose_id)
            context["dose"] = record
            return render_template("desk/correct.html", **context, **error_context(exc)), exc.status
    audit("beneficiary.view", "beneficiary", beneficiary.reference_id, dose=record.id)
    db.session.commit()
    return render_template("desk/correct.html", **context)


# AEFI ---------------------------------------------------------------------------------------

@aefi_bp.get("/")
@staff_required(REPORTERS)
def reports():
    """List adverse event reports in my reach."""
    rows = queries.aefi_reports(area_filter(me(), DoseRecord.facility_id))
    return render_template("desk/aefi_list.html", rows=rows, symptoms=aefi.SYMPTOMS,
                           severities=aefi.SEVERITIES, outcomes=aefi.OUTCOMES)


@aefi_bp.route("/new/<int:dose_id>", methods=["GET", "POST"])
@staff_required(REPORTERS, scope=dose_scope, writes=True)
def new(dose_id: int):
    """Report an adverse event after a dose."""
    record = db.get_or_404(DoseRecord, dose_id)
    context = {"dose": record, "form": request.form, "symptoms": aefi.SYMPTOMS,
               "severities": aefi.SEVERITIES, "outcomes": aefi.OUTCOMES}
    if request.method == "POST":
        try:
            onset = form_datetime("onset_at")
            if onset is not None and onset.tzinfo is None:
                onset = operations.facility_local(record.facility, onset)
            report = aefi.report_aefi(me(), record, onset_at=onset,
                                      symptoms=request.form.getlist("symptoms"),
                                      severity=request.form.get("severity", ""),
                                      outcome=request.form.get("outcome", ""),
                                      notes=request.form.get("notes", ""))
            return redirect(url_for("aefi.show", aefi_id=report.id))
        except KitError as exc:
            db.session.rollback()
            return render_template("desk/aefi_form.html", **context, **error_context(exc)), exc.status
    return render_template("desk/aefi_form.html", **context)


@aefi_bp.get("/<int:aefi_id>")
@staff_required(REPORTERS, scope=aefi_scope)
def show(aefi_id: int):
    """Show one adverse event report."""
    report = db.get_or_404(AefiReport, aefi_id)
    record = db.session.get(DoseRecord, report.dose_record_id)
    beneficiary = db.session.get(Beneficiary, record.beneficiary_id)
    audit("beneficiary.view", "beneficiary", beneficiary.reference_id, aefi=report.id)
    db.session.commit()
    return render_template("desk/aefi_show.html", report=report, dose=record,
                           beneficiary=beneficiary, symptoms=aefi.SYMPTOMS,
                           severities=aefi.SEVERITIES, outcomes=aefi.OUTCOMES, title=_("AEFI"))
