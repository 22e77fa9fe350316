"""Native API of fair access (#21): lottery rounds, requests and offers; standby lists; the
staff side (open and draw a round, call standby, check a priority group). Thin: parse, call,
answer. docs/fair-access.md and the OpenAPI document describe each route."""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.accounts.staff_permissions import DESK, MANAGERS, staff_required
from cowin_kit.accounts.staff_web import me
from cowin_kit.booking import lottery, operations, queries, standby
from cowin_kit.booking.schemas import AppointmentSchema
from cowin_kit.booking.scopes import session_scope
from cowin_kit.core.audit import audit_now
from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.registration.queries import by_reference, count_lookup, get_owned_beneficiary

bp = Blueprint("fair_api", __name__, url_prefix="/api/kit/v1",
               description="Fair access: slot lotteries and standby lists")
staff_bp = Blueprint("fair_staff", __name__, url_prefix="/api/kit/v1/staff",
                     description="Fair access, staff side: lottery rounds, standby calls, "
                                 "priority-group checks")

#: Who may call standby: the desk, and managers of the session's place.
STANDBY_CALLERS = ("national_admin", "area_admin", "facility_manager", "vaccinator")
REFERENCE = fields.String(required=True, validate=validate.Regexp(r"^\d{14}$"))


class EnterArgs(Schema):
    reference_id = REFERENCE


class ConfirmArgs(Schema):
    slot = fields.String(required=True, validate=validate.Length(1, 32))


class StandbyArgs(Schema):
    reference_id = REFERENCE
    facility_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    date = fields.Date(required=True)


class OpenArgs(Schema):
    hours = fields.Integer(load_default=24, validate=validate.Range(1, 14 * 24))
    confirm_hours = fields.Integer(load_default=12, validate=validate.Range(1, 72))


class CallArgs(Schema):
    doses = fields.Integer(required=True, validate=validate.Range(1, standby.MAX_CALL))
    dose_kind = fields.String(load_default="1", validate=validate.OneOf(("1", "2", "booster")))
    confirm_minutes = fields.Integer(load_default=30, validate=validate.Range(5, 240))


class PriorityArgs(Schema):
    group = fields.String(required=True, validate=validate.Length(1, 32))
    outcome = fields.String(required=True,
                            validate=validate.OneOf(("confirmed", "not_confirmed")))
    evidence = fields.String(load_default="", validate=validate.Length(max=120))


class RequestSchema(Schema):
    request_id = fields.String()
    session_id = fields.String()
    ticket = fields.String(metadata={"description": "Find it in the published draw.json"})
    tier = fields.Integer(metadata={"description": "Priority tier, 0 first"})
    dose = fields.Integer()
    status = fields.String(metadata={"description": "entered, offered, confirmed, declined, "
                                                    "expired, not_drawn, skipped"})
    rank = fields.Integer(allow_none=True)
    offer_expires_at = fields.String(allow_none=True)
    appointment_id = fields.String(allow_none=True)


class EntrySchema(Schema):
    entry_id = fields.Integer()
    facility_id = fields.Integer()
    date = fields.String()
    status = fields.String()
    offer_expires_at = fields.String(allow_none=True)
    appointment_id = fields.String(allow_none=True)


# -- public -------------------------------------------------------------------------------------

@bp.get("/lottery/<session_id>")
@bp.doc(responses={404: {"description": "LOTTERY_NOT_FOUND"}})
def lottery_round(session_id):
    """A session's lottery: window, seed commitment, the seed once drawn, counts (no person)."""
    return lottery.summary(lottery.round_of(session_id))


@bp.get("/lottery/<session_id>/draw.json")
@bp.doc(responses={409: {"description": "LOTTERY_NOT_DRAWN"}})
def lottery_draw_json(session_id):
    """The draw's inputs and outcome: recompute it with ``cowin-kit lottery verify``."""
    found = lottery.round_of(session_id)
    response = jsonify(lottery.published(found))
    # The canonical id, not the URL's text (uuid.UUID also reads braces, urn:uuid: and
    # whitespace, which a header must not carry).
    response.headers["Content-Disposition"] = \
        f'attachment; filename="lottery-{found.session_id}.json"'
    return response


# -- citizens -----------------------------------------------------------------------------------

@bp.post("/lottery/<session_id>/requests")
@bp.arguments(EnterArgs)
@bp.response(201, RequestSchema)
@citizen_required
def lottery_enter(args, session_id):
    """Enter a beneficiary in the lottery (once: asking again returns the same ticket)."""
    person = get_owned_beneficiary(current_account(), args["reference_id"])
    return lottery.request_view(lottery.enter(person, session_id, channel="api"))


@bp.get("/lottery/<session_id>/requests/<reference_id>")
@bp.response(200, RequestSchema)
@citizen_required
def lottery_request(session_id, reference_id):
    """A beneficiary's request: its ticket, and after the draw its rank and any offer."""
    return lottery.request_view(lottery.my_request(current_account(), session_id, reference_id))


@bp.post("/lottery/<session_id>/requests/<reference_id>/confirm")
@bp.arguments(ConfirmArgs)
@bp.response(201, AppointmentSchema)
@citizen_required
def lottery_confirm(args, session_id, reference_id):
    """Take the offered dose in a slot of the session (before the offer's deadline)."""
    found = lottery.my_request(current_account(), session_id, reference_id)
    return queries.appointment_view(lottery.confirm(found, args["slot"]))


@bp.post("/lottery/<session_id>/requests/<reference_id>/decline")
@bp.response(200, RequestSchema)
@citizen_required
def lottery_decline(session_id, reference_id):
    """Give the offered dose back: the next in the draw gets it at once."""
    found = lottery.my_request(current_account(), session_id, reference_id)
    lottery.decline(found)
    db.session.refresh(found)
    return lottery.request_view(found)


@bp.post("/standby")
@bp.arguments(StandbyArgs)
@bp.response(201, EntrySchema)
@citizen_required
def standby_join(args):
    """Join a facility's standby list for a day."""
    person = get_owned_beneficiary(current_account(), args["reference_id"])
    return standby.entry_view(standby.join(person, args["facility_id"], args["date"],
                                           channel="api"))


@bp.post("/standby/confirm")
@bp.arguments(StandbyArgs)
@bp.response(201, AppointmentSchema)
@citizen_required
def standby_confirm(args):
    """Take a standby offer (within its confirmation window)."""
    entry = standby.my_entry(current_account(), args["reference_id"], args["facility_id"],
                             args["date"])
    return queries.appointment_view(standby.confirm(entry))


# -- staff --------------------------------------------------------------------------------------

@staff_bp.post("/lottery/<uuid:session_id>")
@staff_required(MANAGERS, scope=session_scope, writes=True)
@staff_bp.arguments(OpenArgs)
def staff_lottery_open(args, session_id):
    """Make a session's doses go by lottery; the window opens now."""
    session = operations.load_session(session_id)
    return lottery.summary(lottery.open_round(me(), session, hours=args["hours"],
                                              confirm_hours=args["confirm_hours"])), 201


@staff_bp.post("/lottery/<uuid:session_id>/draw")
@staff_required(MANAGERS, scope=session_scope, writes=True)
def staff_lottery_draw(session_id):
    """Draw a round whose window has closed (the scheduled job does it too; once only)."""
    return lottery.draw(lottery.round_of(session_id), staff=me())


@staff_bp.post("/lottery/<uuid:session_id>/requests")
@staff_required(DESK, scope=session_scope, writes=True)
@staff_bp.arguments(EnterArgs)
@staff_bp.response(201, RequestSchema)
def staff_lottery_enter(args, session_id):
    """Enter a person who came to the centre or called the helpline (channel "assisted")."""
    count_lookup(me())
    person = by_reference(args["reference_id"])
    # A staff look-up of the person (the answer or the refusal tells their request or
    # booking): logged in its own transaction, so a refused entry is logged too.
    audit_now("beneficiary.view", "beneficiary", person.reference_id, via="lottery",
              session=str(session_id))
    return lottery.request_view(lottery.enter(person, session_id, channel="assisted"))


@staff_bp.post("/standby/<uuid:session_id>/call")
@staff_required(STANDBY_CALLERS, scope=session_scope, writes=True)
@staff_bp.arguments(CallArgs)
def staff_standby_call(args, session_id):
    """"Call standby: N doses left": offer them down the facility's list for the day."""
    session = operations.load_session(session_id)
    declared = standby.call(me(), session, args["doses"], dose_kind=args["dose_kind"],
                            confirm_minutes=args["confirm_minutes"])
    return {"call_id": declared.id, "doses": declared.doses, "offered": declared.outstanding,
            "taken": declared.taken}, 201


@staff_bp.post("/priority/<reference_id>")
@staff_required(DESK, writes=True)
@staff_bp.arguments(PriorityArgs)
def staff_priority_check(args, reference_id):
    """Record whether the person's priority group was confirmed at the desk."""
    if not reference_id.isdigit() or len(reference_id) != 14:
        raise ValidationFailed(fields={"reference_id": ["14 digits"]})
    count_lookup(me())
    person = by_reference(reference_id)
    check = standby.check_priority(me(), person, args["group"], args["outcome"],
                                   args["evidence"], facility_id=me().facility_id)
    return {"reference_id": person.reference_id, "group": check.group_id,
            "outcome": check.outcome, "groups": list(person.groups or [])}, 201

