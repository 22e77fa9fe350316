"""Native staff API under /api/kit/v1/staff (desk, AEFI, facilities, sessions, audit).

Authentication: the staff session cookie from ``POST /api/kit/v1/staff/session``. Unsafe
methods must also send ``X-Requested-With: XMLHttpRequest`` (a foreign site cannot add it
without a CORS preflight, so the cookie alone cannot be abused: the CSRF defence of the API).
Every route uses the same ``staff_required`` roles and scopes as the pages.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from cowin_kit.accounts import staff_auth
from cowin_kit.accounts.audit_views import PAGE_SIZE, AuditQuery, build_query
from cowin_kit.accounts.staff_permissions import (ADMINS, DESK, MANAGERS, ROLES, facility_scope,
                                                  staff_required)
from cowin_kit.accounts.staff_web import me
from cowin_kit.booking import admin_operations as admin_ops
from cowin_kit.booking import facility_operations as facility_ops
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession
from cowin_kit.booking.scopes import appointment_scope, session_scope
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden, Unauthorized
from cowin_kit.core.security import session_usable_for_api
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination import aefi, desk_key, offline, operations, queries
from cowin_kit.vaccination import schemas as s
from cowin_kit.vaccination.models import DoseRecord
from cowin_kit.vaccination.scopes import dose_scope

blp = Blueprint("kit_staff", __name__, url_prefix="/api/kit/v1/staff",
                description="Staff API: vaccinator desk, AEFI, facilities, sessions, audit log. "
                            "Session cookie; unsafe methods need X-Requested-With.")
AUDIT_ROLES = ("national_admin", "auditor")


@blp.route("/session", methods=["POST"])
@blp.arguments(s.StaffLoginSchema)
@blp.response(200, s.StaffSchema)
def sign_in(body):
    """Sign in; the response sets the staff session cookie."""
    if not session_usable_for_api():
        raise Unauthorized()
    user = staff_auth.authenticate(body["username"], body["password"])
    staff_auth.login(user)
    db.session.commit()
    return user


@blp.route("/session", methods=["DELETE"])
@blp.response(204)
def sign_out():
    """Sign out."""
    staff_auth.logout()


@blp.route("/me", methods=["GET"])
@staff_required(ROLES)
@blp.response(200, s.StaffSchema)
def whoami():
    """Return the signed-in staff user."""
    return me()


def _facility() -> Facility:
    staff = me()
    if not staff.facility_id:
        raise Forbidden()
    return db.session.get(Facility, staff.facility_id)


@blp.route("/desk/appointments", methods=["GET"])
@staff_required(DESK)
@blp.response(200, s.DeskAppointmentSchema(many=True))
def desk_appointments():
    """List today's appointments at my facility."""
    facility = _facility()
    day = admin_ops.facility_today(facility)
    rows = queries.today_appointments(facility.id, day)
    audit("appointments.view", "facility", facility.id, day=day.isoformat(),
          people=[b.reference_id for _a, b in rows], via="api")
    db.session.commit()
    return [{"appointment_id": a.id, "status": a.status, "slot": a.slot,
             "dose_number": a.dose_number, "vaccine": a.session.vaccine, "beneficiary": b}
            for a, b in rows]


@blp.route("/desk/beneficiaries/search", methods=["POST"])
@staff_required(DESK)
@blp.arguments(s.LookupArgs)
@blp.response(200, s.DeskBeneficiarySchema(many=True))
def desk_lookup(args):
    """Find people by exact reference id, mobile or document (each view is audited).

    A POST with a JSON body: mobiles and ID numbers never travel in the URL (access logs)."""
    queries.count_lookup(me())
    found = queries.find_beneficiaries(args["q"], args["kind"], args["doc_type"])
    for person in found:
        audit("beneficiary.view", "beneficiary", person.reference_id, via="api")
    db.session.commit()
    return found


def _dose_out(dose: DoseRecord) -> dict:
    beneficiary = db.session.get(Beneficiary, dose.beneficiary_id)
    return {**{c.key: getattr(dose, c.key) for c in DoseRecord.__table__.columns},
            "reference_id": beneficiary.reference_id}


@blp.route("/desk/doses", methods=["POST"])
@staff_required(DESK, writes=True)
@blp.arguments(s.RecordDoseSchema)
@blp.response(201, s.StaffDoseSchema)
def desk_record(body):
    """Record a dose (booked people: with the appointment and its secret code)."""
    beneficiary = queries.by_reference(body["reference_id"])
    appointment = None
    if body["appointment_id"]:
        appointment = db.session.get(Appointment, body["appointment_id"])
        if appointment is None or appointment.beneficiary_id != beneficiary.id:
            raise operations.AppointmentMismatch()
        operations.verify_secret_code(me(), appointment, body["secret_code"])
    dose = operations.record_dose(me(), beneficiary, vaccine=body["vaccine"], lot=body["lot"],
                                  dose_number=body["dose_number"], appointment=appointment,
                                  administered_at=body["administered_at"])
    return _dose_out(dose)


@blp.route("/desk/walk-ins", methods=["POST"])
@staff_required(DESK, writes=True)
@blp.arguments(s.WalkInSchema)
@blp.response(201, s.StaffDoseSchema)
def desk_walk_in(body):
    """Register a walk-in and record their dose."""
    person = {k: body[k] for k in ("name", "birth_year", "birth_date", "gender", "id_doc_type",
                                   "id_number", "groups", "locale")}
    dose = operations.walk_in(me(), person=person, vaccine=body["vaccine"], lot=body["lot"],
                              mobile=body["mobile"], administered_at=body["administered_at"])
    return _dose_out(dose)


@blp.route("/desk/appointments/<uuid:appointment_id>/no-show", methods=["POST"])
@staff_required(DESK, scope=appointment_scope, writes=True)
@blp.response(204)
def desk_no_show(appointment_id):
    """Mark an appointment as a no-show."""
    operations.mark_no_show(me(), db.get_or_404(Appointment, appointment_id))


@blp.route("/desk/pack", methods=["GET"])
@staff_required(DESK)
@blp.response(200)
def desk_pack():
    """The day's desk data for offline use: sessions, appointments (secret codes as salted
    PBKDF2 hashes only), lots, the profile's schedule rules, and the salt of the device's
    storage key (``device_key``). Audited as a view of the list."""
    return {**offline.build_pack(me()), "device_key": desk_key.device_key()}


@blp.route("/desk/sync", methods=["POST"])
@staff_required(DESK, writes=True)
@blp.arguments(s.SyncInSchema)
@blp.response(200)
def desk_sync(body):
    """Apply events recorded offline, each once by its client UUID; one result per event
    (applied, duplicate, conflict with a reason code, or invalid with its fields)."""
    return {"results": offline.sync(me(), body["device_id"], body["events"])}


@blp.route("/doses/<int:dose_id>", methods=["PATCH"])
@staff_required(DESK, scope=dose_scope, writes=True)
@blp.arguments(s.CorrectDoseSchema)
@blp.response(200, s.StaffDoseSchema)
def dose_correct(body, dose_id: int):
    """Correct a dose entry within the correction window."""
    dose = operations.correct_dose(me(), db.get_or_404(DoseRecord, dose_id), **body)
    return _dose_out(dose)


@blp.route("/doses/<int:dose_id>/aefi", methods=["POST"])
@staff_required((*MANAGERS, "vaccinator"), scope=dose_scope, writes=True)
@blp.arguments(s.AefiInSchema)
@blp.response(201, s.StaffAefiSchema)
def dose_aefi(body, dose_id: int):
    """Report an adverse event after a dose."""
    return aefi.report_aefi(me(), db.get_or_404(DoseRecord, dose_id), **body)


@blp.route("/facilities", methods=["POST"])
@staff_required(ADMINS, writes=True)
@blp.arguments(s.FacilityInSchema)
@blp.response(201, s.StaffFacilitySchema)
def facility_create(body):
    """Create a facility."""
    return facility_ops.create_facility(me(), body)


@blp.route("/facilities/<int:facility_id>", methods=["PATCH"])
@staff_required(MANAGERS, scope=facility_scope, writes=True)
@blp.arguments(s.FacilityPatchSchema(partial=True))
@blp.response(200, s.StaffFacilitySchema)
def facility_update(body, facility_id: int):
    """Edit a facility; ``active`` (admins only) activates or deactivates it."""
    facility = db.get_or_404(Facility, facility_id)
    active = body.pop("active", None)
    if body:
        facility_ops.edit_facility(me(), facility, body)
    if active is not None:
        if me().role not in ADMINS:
            raise Forbidden()
        facility_ops.set_facility_active(me(), facility, active)
    return facility


@blp.route("/facilities/import", methods=["POST"])
@staff_required(ADMINS, writes=True)
@blp.arguments(s.CsvImportSchema)
@blp.response(201, s.StaffFacilitySchema(many=True))
def facility_import(body):
    """Import facilities from CSV text; any bad row fails all (error lists every row)."""
    return facility_ops.import_facilities(me(), body["csv"])


@blp.route("/facilities/<int:facility_id>/sessions", methods=["POST"])
@staff_required(MANAGERS, scope=facility_scope, writes=True)
@blp.arguments(s.SessionsInSchema)
@blp.response(201, s.StaffSessionSchema(many=True))
def sessions_create(body, facility_id: int):
    """Plan sessions on one or many dates."""
    return admin_ops.create_sessions(me(), db.get_or_404(Facility, facility_id), **body)


@blp.route("/sessions/<uuid:session_id>/capacities", methods=["PUT"])
@staff_required(MANAGERS, scope=session_scope, writes=True)
@blp.arguments(s.CapacityInSchema)
@blp.response(200, s.StaffCapacitySchema)
def session_capacity(body, session_id):
    """Set one capacity (never below what is booked: CAPACITY_BELOW_BOOKED)."""
    return admin_ops.set_capacity(me(), db.get_or_404(VaccinationSession, session_id),
                                  body["dose_kind"], body["capacity"])


@blp.route("/sessions/<uuid:session_id>/cancel", methods=["POST"])
@staff_required(MANAGERS, scope=session_scope, writes=True)
@blp.arguments(s.CancelInSchema)
@blp.response(200, s.CancelResultSchema)
def session_cancel(body, session_id):
    """Cancel a session, releasing appointments and texting the people."""
    released = admin_ops.cancel_session(me(), db.get_or_404(VaccinationSession, session_id),
                                        body["reason"])
    return {"released": released}


@blp.route("/audit", methods=["GET"])
@staff_required(AUDIT_ROLES)
@blp.arguments(s.AuditArgs, location="query")
@blp.response(200, s.AuditEntrySchema(many=True))
def audit_search(args):
    """Search the audit log (newest first, 100 per page)."""
    page = args.pop("page")
    query = build_query(me(), AuditQuery(**args))
    entries = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
    audit("audit.search", None, None, via="api")
    db.session.commit()
    return entries
