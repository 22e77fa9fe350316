"""Staff pages for facilities (create, edit, activate, CSV import) and session planning."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cowin_kit.accounts.staff_permissions import (ADMINS, MANAGERS, area_filter, facility_scope,
                                                  staff_required)
from cowin_kit.accounts.staff_web import error_context, form_date, form_int, me
from cowin_kit.areas.models import Area
from cowin_kit.booking import admin_operations as ops
from cowin_kit.booking import facility_operations as facility_ops
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession
from cowin_kit.booking.scopes import session_scope
from cowin_kit.core.collation import sort_by_name
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.core.inputs import date_out_of_range
from cowin_kit.profiles import get_profile
from cowin_kit.web.formatting import format_number

bp = Blueprint("booking_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/facilities")
@staff_required(MANAGERS)
def facilities():
    """List the facilities in my reach."""
    query = sa.select(Facility).order_by(Facility.name).limit(500)
    condition = area_filter(me())
    if condition is not None:
        query = query.where(condition)
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(sa.or_(Facility.name.ilike(f"%{q}%"), Facility.code == q))
    rows = sort_by_name(db.session.execute(query).scalars(), lambda f: f.name)
    return render_template("booking_admin/facilities.html", facilities=rows, q=q,
                           can_create=me().role in ADMINS)


def _facility_form(facility: Facility | None, status: int = 200, **extra):
    area_code = ""
    if facility is not None:
        area_code = db.session.get(Area, facility.area_id).code
    return render_template("booking_admin/facility_form.html", facility=facility,
                           form=request.form, area_code=area_code, **extra), status


@bp.route("/facilities/new", methods=["GET", "POST"])
@staff_required(ADMINS, writes=True)
def facility_new():
    """Create a facility."""
    if request.method == "POST":
        try:
            facility = facility_ops.create_facility(me(), request.form.to_dict())
            return redirect(url_for("booking_admin.sessions", facility_id=facility.id))
        except KitError as exc:
            db.session.rollback()
            return _facility_form(None, exc.status, **error_context(exc))
    return _facility_form(None)


@bp.route("/facilities/<int:facility_id>/edit", methods=["GET", "POST"])
@staff_required(MANAGERS, scope=facility_scope, writes=True)
def facility_edit(facility_id: int):
    """Edit a facility's details."""
    facility = db.get_or_404(Facility, facility_id)
    if request.method == "POST":
        try:
            data = request.form.to_dict()
            data.pop("csrf_token", None)
            facility_ops.edit_facility(me(), facility, data)
            return redirect(url_for("booking_admin.sessions", facility_id=facility.id))
        except KitError as exc:
            db.session.rollback()
            return _facility_form(db.session.get(Facility, facility_id), exc.status,
                                  **error_context(exc))
    return _facility_form(facility)


@bp.post("/facilities/<int:facility_id>/active")
@staff_required(ADMINS, scope=facility_scope, writes=True)
def facility_active(facility_id: int):
    """Activate or deactivate a facility."""
    facility = db.get_or_404(Facility, facility_id)
    facility_ops.set_facility_active(me(), facility, request.form.get("active") == "1")
    return redirect(url_for("booking_admin.facilities"))


@bp.route("/facilities/import", methods=["GET", "POST"])
@staff_required(ADMINS, writes=True)
def facility_import():
    """Import facilities from a CSV file; all rows or none."""
    if request.method == "POST":
        upload = request.files.get("file")
        text = ""
        if upload is not None:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                exc = ValidationFailed(fields={"file": ["UTF-8"]}, code="NOT_UTF8")
                return render_template("booking_admin/import.html", **error_context(exc)), 422
        try:
            created = facility_ops.import_facilities(me(), text)
        except facility_ops.ImportFailed as exc:
            db.session.rollback()
            return render_template("booking_admin/import.html", rows=exc.rows,
                                   **error_context(exc)), exc.status
        return render_template("booking_admin/import.html", created=created)
    return render_template("booking_admin/import.html", fields=facility_ops.FACILITY_FIELDS)


@bp.route("/facilities/<int:facility_id>/sessions", methods=["GET", "POST"])
@staff_required(MANAGERS, scope=facility_scope, writes=True)
def sessions(facility_id: int):
    """List a facility's sessions and plan new ones for one or many dates."""
    facility = db.get_or_404(Facility, facility_id)
    context: dict = {}
    status = 200
    if request.method == "POST":
        try:
            created = ops.create_sessions(
                me(), facility, dates=_dates(), vaccine=request.form.get("vaccine", ""),
                capacities={k: form_int(f"capacity_{k}", 0) for k in ops.DOSE_KINDS},
                min_age=form_int("min_age"), max_age=form_int("max_age"),
                fee=form_int("fee", 0),
                slots=[s for s in (request.form.get("slots") or "").split(",") if s.strip()])
            return redirect(url_for("booking_admin.sessions", facility_id=facility.id,
                                    created=len(created)))
        except KitError as exc:
            db.session.rollback()
            context, status = error_context(exc), exc.status
    upcoming = db.session.execute(
        sa.select(VaccinationSession).where(
            VaccinationSession.facility_id == facility.id,
            VaccinationSession.date >= ops.facility_today(facility) - dt.timedelta(days=7))
        .order_by(VaccinationSession.date, VaccinationSession.vaccine)).scalars().all()
    return render_template("booking_admin/sessions.html", facility=facility, sessions=upcoming,
                           vaccines=get_profile().vaccines, form=request.form,
                           today=ops.facility_today(facility),
                           default_slots=",".join(ops.default_slots(facility)),
                           **context), status


def _dates() -> list[dt.date]:
    """Dates from the form: a list of dates, or a range with weekdays to include."""
    try:
        picked = [dt.date.fromisoformat(d) for d in request.form.getlist("date") if d.strip()]
        weekdays = {int(w) for w in request.form.getlist("weekday")} or set(range(7))
    except ValueError:
        raise ValidationFailed(fields={"date": [
            _("Not a date: pick the days from the calendar (or type them as YYYY-MM-DD).")]}) from None
    for day in picked:
        if refusal := date_out_of_range(day):
            raise ValidationFailed(fields={"date": [refusal]})
    first, last = form_date("from"), form_date("until")
    if first and last:
        if (last - first).days > 366:
            raise ValidationFailed(fields={"until": [
                _("Sessions can be planned at most %(days)s days ahead in one go: choose an "
                  "earlier end date.", days=format_number(366))]})
        day = first
        while day <= last:
            if day.weekday() in weekdays:
                picked.append(day)
            day += dt.timedelta(days=1)
    elif first:
        picked.append(first)
    return picked


@bp.get("/sessions/<uuid:session_id>")
@staff_required(MANAGERS, scope=session_scope)
def session_detail(session_id):
    """Show a session's capacities and bookings."""
    session = db.get_or_404(VaccinationSession, session_id)
    counts = dict(db.session.execute(
        sa.select(Appointment.status, sa.func.count()).where(Appointment.session_id == session.id)
        .group_by(Appointment.status)).all())
    return render_template("booking_admin/session.html", session=session, counts=counts,
                           kinds=ops.DOSE_KINDS)


@bp.post("/sessions/<uuid:session_id>/capacity")
@staff_required(MANAGERS, scope=session_scope, writes=True)
def session_capacity(session_id):
    """Raise or lower one capacity of a session."""
    session = db.get_or_404(VaccinationSession, session_id)
    try:
        ops.set_capacity(me(), session, request.form.get("dose_kind", ""),
                         form_int("capacity", -1))
    except KitError as exc:
        db.session.rollback()
        session = db.session.get(VaccinationSession, session_id)
        return render_template("booking_admin/session.html", session=session, counts={},
                               kinds=ops.DOSE_KINDS, **error_context(exc)), exc.status
    return redirect(url_for("booking_admin.session_detail", session_id=session.id))


@bp.post("/sessions/<uuid:session_id>/cancel")
@staff_required(MANAGERS, scope=session_scope, writes=True)
def session_cancel(session_id):
    """Cancel a session, releasing its appointments and texting the people."""
    session = db.get_or_404(VaccinationSession, session_id)
    ops.cancel_session(me(), session, request.form.get("reason", ""))
    return redirect(url_for("booking_admin.session_detail", session_id=session.id))
