"""Native API of booking: availability, sessions, appointments (thin: parse, call, answer)."""

from __future__ import annotations

import functools

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.accounts.tokens import _claims
from cowin_kit.booking import changes, full_sessions, operations, queries
from cowin_kit.booking.personal import for_beneficiary
from cowin_kit.booking.schemas import (AppointmentSchema, AvailabilityArgs, AvailabilitySchema,
                                       BookArgs, CancelArgs, RescheduleArgs)
from cowin_kit.booking.slip import slip_pdf_response
from cowin_kit.core.errors import Unauthorized, ValidationFailed
from cowin_kit.registration.queries import get_owned_beneficiary

QUERY_NAMES = ("date", "days", "area_id", "area_code", "postal_code", "facility_id", "vaccine",
               "age", "dose_kind", "fee_type")

bp = Blueprint("booking_api", __name__, url_prefix="/api/kit/v1",
               description="Availability search and appointments")


def _query_parameters(schema) -> list[dict]:
    """OpenAPI query parameters from a marshmallow schema (for the docs only)."""
    from marshmallow import fields, validate

    params = []
    for name, field in schema.fields.items():
        spec: dict = {"type": "integer" if isinstance(field, fields.Integer) else "string"}
        for rule in field.validators:
            if isinstance(rule, validate.OneOf):
                spec["enum"] = list(rule.choices)
            elif isinstance(rule, validate.Range):
                spec.update({"minimum": rule.min, "maximum": rule.max})
        params.append({"in": "query", "name": name, "required": False, "schema": spec,
                       "description": field.metadata.get("description", "")})
    return params


@bp.get("/availability")
@bp.doc(parameters=_query_parameters(AvailabilityArgs()),
        responses={200: {"description": "Centres with sessions", "content": {
            "application/json": {"schema": AvailabilitySchema}}},
            422: {"description": "VALIDATION_FAILED: a parameter is not valid"}})
def availability():
    """Find sessions by area, postal code or facility for up to 7 days.

    Public results may be up to PUBLIC_CACHE_SECONDS stale; ``Accept-Encoding: gzip`` is
    honoured. With ``reference_id`` (signed in), only what that beneficiary may book, fresh,
    with the reason when nothing fits."""
    # Validated by availability_query itself (422 with fields): a schema pass per request
    # would cost more than the cached answer on this, the busiest path of a rush day.
    args = request.args
    query = queries.availability_query(**{name: args.get(name) for name in QUERY_NAMES})
    reference_id = args.get("reference_id")
    if reference_id is not None:
        if not reference_id.isdigit() or len(reference_id) != 14:
            raise ValidationFailed(fields={"reference_id": [_("Not a reference id.")]})
        account = current_account()
        if account is None:
            raise Unauthorized()
        found = for_beneficiary(get_owned_beneficiary(account, reference_id), query)
        return {"centers": found.centres, "reason": found.reason}
    return queries.public_availability_response(query, request)


@bp.get("/sessions/<session_id>")
@bp.doc(responses={404: {"description": "SESSION_NOT_FOUND"}})
def session_detail(session_id):
    """One session with its centre and current capacities."""
    return queries.session_detail(session_id)


def _refuse_known_full(view):
    """A session known full (``full_sessions``) is refused with no database work at all: the
    bearer token's signature and expiry are checked (not yet whether it was signed out), then
    one Redis read. Retries (an Idempotency-Key) and cookie sessions take the full path."""

    @functools.wraps(view)
    def wrapper(args, *more, **kwargs):
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer " and not request.headers.get("Idempotency-Key"):
            _claims(header[7:].strip())  # Unauthorized when forged or expired
            full_sessions.token_or_refuse(args["session_id"])
        return view(args, *more, **kwargs)

    return wrapper


@bp.post("/appointments")
@bp.arguments(BookArgs)
@bp.response(201, AppointmentSchema)
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                     "description": "Retrying with the same key returns the same appointment."}])
@_refuse_known_full
@citizen_required
def book(args):
    """Book the beneficiary's next dose; 409 SESSION_FULL when no dose of that kind is left."""
    beneficiary = get_owned_beneficiary(current_account(), args["reference_id"])
    key = (request.headers.get("Idempotency-Key") or "").strip()[:128] or None
    appointment = operations.book(beneficiary, args["session_id"], args["slot"],
                                  dose_number=args.get("dose"), idempotency_key=key,
                                  channel="api")
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
    return queries.appointment_view(changes.reschedule(found, args["session_id"], args["slot"]))


@bp.post("/appointments/<appointment_id>/cancel")
@bp.arguments(CancelArgs)
@bp.response(200, AppointmentSchema)
@citizen_required
def cancel(args, appointment_id):
    """Cancel the appointment; its dose goes back to the session."""
    found = queries.owned_appointment(current_account(), appointment_id)
    return queries.appointment_view(changes.cancel(found, args["reason"]))


@bp.get("/appointments/<appointment_id>/slip.pdf")
@bp.doc(responses={200: {"description": "Appointment slip", "content": {"application/pdf": {}}},
                   409: {"description": "SLIP_NOT_AVAILABLE: the appointment is cancelled, "
                                        "completed or missed"}})
@citizen_required
def slip(appointment_id):
    """The appointment slip as a PDF."""
    return slip_pdf_response(queries.owned_appointment(current_account(), appointment_id))

