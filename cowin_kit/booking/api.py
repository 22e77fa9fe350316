"""Native API of booking: availability, sessions, appointments (thin: parse, call, answer)."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.booking import operations, queries
from cowin_kit.booking.schemas import (AppointmentSchema, AvailabilityArgs, AvailabilitySchema,
                                       BookArgs, CancelArgs, RescheduleArgs)
from cowin_kit.booking.slip import slip_pdf_response
from cowin_kit.core.cache import public_ttl
from cowin_kit.core.errors import Unauthorized
from cowin_kit.registration.queries import get_owned_beneficiary

bp = Blueprint("booking_api", __name__, url_prefix="/api/kit/v1",
               description="Availability search and appointments")


def _query(args: dict):
    return queries.availability_query(**{k: v for k, v in args.items() if k != "reference_id"})


@bp.get("/availability")
# A schema instance, not the class: webargs would build a new schema on every request.
@bp.arguments(AvailabilityArgs(), location="query", as_kwargs=True)
@bp.doc(responses={200: {"description": "Centres with sessions", "content": {
    "application/json": {"schema": AvailabilitySchema}}}})
def availability(**args):
    """Find sessions by area, postal code or facility for up to 7 days.

    Public results may be up to PUBLIC_CACHE_SECONDS stale. With ``reference_id`` (signed in),
    only what that beneficiary may book, fresh, with the reason when nothing fits."""
    query = _query(args)
    if args.get("reference_id"):
        account = current_account()
        if account is None:
            raise Unauthorized()
        found = queries.for_beneficiary(get_owned_beneficiary(account, args["reference_id"]), query)
        return {"centers": found.centres, "reason": found.reason}
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    response = current_app.response_class(
        queries.public_availability_body(query, gzipped=gzipped), mimetype="application/json")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={int(public_ttl())}"
    return response


@bp.get("/sessions/<session_id>")
@bp.doc(responses={404: {"description": "SESSION_NOT_FOUND"}})
def session_detail(session_id):
    """One session with its centre and current capacities."""
    return queries.session_detail(session_id)


@bp.post("/appointments")
@bp.arguments(BookArgs)
@bp.response(201, AppointmentSchema)
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                     "description": "Retrying with the same key returns the same appointment."}])
@citizen_required
def book(args):
    """Book the beneficiary's next dose; 409 SESSION_FULL when no dose of that kind is left."""
    beneficiary = get_owned_beneficiary(current_account(), args["reference_id"])
    key = (request.headers.get("Idempotency-Key") or "").strip()[:128] or None
    appointment = operations.book(beneficiary, args["session_id"], args["slot"],
                                  dose_number=args.get("dose"), idempotency_key=key)
    return queries.appointment_view(appointment)


@bp.get("/appointments/<appointment_id>")
@bp.response(200, AppointmentSchema)
@citizen_required
def appointment(appointment_id):
    """One appointment of the signed-in account's beneficiaries."""
    return queries.appointment_view(queries.owned_appointment(current_account(), appointment_id))


@bp.post("/appointments/<appointment_id>/reschedule")
@bp.arguments(RescheduleArgs)
@bp.response(200, AppointmentSchema)
@citizen_required
def reschedule(args, appointment_id):
    """Move the appointment to another session or slot (all or nothing)."""
    found = queries.owned_appointment(current_account(), appointment_id)
    return queries.appointment_view(operations.reschedule(found, args["session_id"], args["slot"]))


@bp.post("/appointments/<appointment_id>/cancel")
@bp.arguments(CancelArgs)
@bp.response(200, AppointmentSchema)
@citizen_required
def cancel(args, appointment_id):
    """Cancel the appointment; its dose goes back to the session."""
    found = queries.owned_appointment(current_account(), appointment_id)
    return queries.appointment_view(operations.cancel(found, args["reason"]))


@bp.get("/appointments/<appointment_id>/slip.pdf")
@bp.doc(responses={200: {"description": "Appointment slip", "content": {"application/pdf": {}}}})
@citizen_required
def slip(appointment_id):
    """The appointment slip as a PDF."""
    return slip_pdf_response(queries.owned_appointment(current_account(), appointment_id))

