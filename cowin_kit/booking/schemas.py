"""Marshmallow schemas of the booking API (query arguments, request bodies, responses)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cowin_kit.booking.queries import DOSE_KINDS, FEE_TYPES, MAX_DAYS


class AvailabilityArgs(Schema):
    """Query parameters of GET /availability (dates as DD-MM-YYYY or YYYY-MM-DD)."""

    date = fields.String(validate=validate.Length(max=10))
    days = fields.Integer(validate=validate.Range(1, MAX_DAYS))
    area_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    area_code = fields.String(validate=validate.Length(1, 32))
    postal_code = fields.String(validate=validate.Length(2, 16))
    facility_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    vaccine = fields.String(validate=validate.Length(1, 32))
    age = fields.Integer(validate=validate.Range(0, 150))
    dose_kind = fields.String(validate=validate.OneOf(DOSE_KINDS))
    fee_type = fields.String(validate=validate.OneOf(FEE_TYPES))
    reference_id = fields.String(validate=validate.Regexp(r"^\d{14}$"),
                                 metadata={"description": "Only what this beneficiary of the "
                                           "signed-in account may book (fresh, not cached)."})


class BookArgs(Schema):
    reference_id = fields.String(required=True, validate=validate.Length(1, 32))
    session_id = fields.String(required=True, validate=validate.Length(1, 64))
    slot = fields.String(required=True, validate=validate.Length(1, 32))
    dose = fields.Integer(validate=validate.Range(1, 20))


class RescheduleArgs(Schema):
    session_id = fields.String(required=True, validate=validate.Length(1, 64))
    slot = fields.String(required=True, validate=validate.Length(1, 32))


class CancelArgs(Schema):
    reason = fields.String(load_default="citizen", validate=validate.Length(max=64))


class CentreSchema(Schema):
    """A centre with its sessions (documentation of the availability response)."""

    center_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    address = fields.String()
    postal_code = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    fee_type = fields.String()
    area_id = fields.Integer()
    opens = fields.String(data_key="from", metadata={"description": "Opening time, HH:MM"})
    closes = fields.String(data_key="to", metadata={"description": "Closing time, HH:MM"})
    areas = fields.List(fields.Dict())
    sessions = fields.List(fields.Dict(), metadata={
        "description": "session_id, date (ISO), vaccine, min_age, max_age, fee, slots, "
                       "capacity {dose kind: available}, available"})


class AvailabilitySchema(Schema):
    centers = fields.List(fields.Nested(CentreSchema))
    reason = fields.String(allow_none=True)


class AppointmentSchema(Schema):
    appointment_id = fields.String()
    reference_id = fields.String()
    name = fields.String()
    dose = fields.Integer()
    status = fields.String()
    secret_code = fields.String()
    session_id = fields.String()
    date = fields.Date()
    slot = fields.String()
    vaccine = fields.String()
    center = fields.Dict()
