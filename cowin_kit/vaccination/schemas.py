"""Marshmallow schemas of the staff API (desk, AEFI, facilities, sessions, audit)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cowin_kit.core.inputs import INT32_MIN, date_range, datetime_range, int_range


class StaffLoginSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class StaffSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    area_id = fields.Integer(allow_none=True)
    facility_id = fields.Integer(allow_none=True)


class LookupArgs(Schema):
    q = fields.String(required=True)
    kind = fields.String(load_default=None, validate=validate.OneOf(
        ["reference", "mobile", "document"]))
    doc_type = fields.String(load_default=None)


class DeskBeneficiarySchema(Schema):
    """What the desk sees of a person: no identity number, masked document only."""

    id = fields.Integer()
    reference_id = fields.String()
    name = fields.String()
    birth_year = fields.Integer()
    gender = fields.String()
    id_doc_type = fields.String()
    id_masked = fields.String()


class DeskAppointmentSchema(Schema):
    appointment_id = fields.UUID()
    status = fields.String()
    slot = fields.String()
    dose_number = fields.Integer()
    vaccine = fields.String()
    beneficiary = fields.Nested(DeskBeneficiarySchema)


class RecordDoseSchema(Schema):
    reference_id = fields.String(required=True)
    vaccine = fields.String(required=True)
    lot = fields.String(required=True)
    dose_number = fields.Integer(load_default=None, validate=int_range())
    appointment_id = fields.UUID(load_default=None)
    secret_code = fields.String(load_default=None)
    administered_at = fields.AwareDateTime(load_default=None, validate=datetime_range())


class WalkInSchema(Schema):
    name = fields.String(required=True)
    birth_year = fields.Integer(load_default=None, validate=int_range())
    birth_date = fields.Date(load_default=None, validate=date_range())
    gender = fields.String(required=True)
    id_doc_type = fields.String(required=True)
    id_number = fields.String(required=True, load_only=True)
    mobile = fields.String(load_default=None, load_only=True)
    locale = fields.String(load_default=None)
    groups = fields.List(fields.String(), load_default=list)
    vaccine = fields.String(required=True)
    lot = fields.String(required=True)
    administered_at = fields.AwareDateTime(load_default=None, validate=datetime_range())


class SyncInSchema(Schema):
    """A batch of offline desk events; each event is validated on its own (one result each)."""

    device_id = fields.String(load_default="", validate=validate.Length(max=64))
    events = fields.List(fields.Raw(), required=True, validate=validate.Length(1, 200))


class CorrectDoseSchema(Schema):
    reason = fields.String(required=True)
    vaccine = fields.String(load_default=None)
    lot = fields.String(load_default=None)
    administered_at = fields.AwareDateTime(load_default=None, validate=datetime_range())


class StaffDoseSchema(Schema):
    id = fields.Integer()
    reference_id = fields.String()
    vaccine = fields.String()
    lot = fields.String()
    dose_number = fields.Integer()
    series_total = fields.Integer()
    is_booster = fields.Boolean()
    facility_id = fields.Integer()
    vaccinator_id = fields.Integer()
    administered_on = fields.Date()
    administered_at = fields.DateTime()
    corrected_at = fields.DateTime(allow_none=True)


class AefiInSchema(Schema):
    onset_at = fields.AwareDateTime(required=True)
    symptoms = fields.List(fields.String(), required=True)
    severity = fields.String(required=True)
    outcome = fields.String(required=True)
    notes = fields.String(load_default="")


class StaffAefiSchema(Schema):
    id = fields.Integer()
    dose_record_id = fields.Integer()
    onset_at = fields.DateTime()
    symptoms = fields.List(fields.String())
    severity = fields.String()
    outcome = fields.String()
    notes = fields.String()


class _FacilityFields(Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String()
    postal_code = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    fee_type = fields.String()
    active = fields.Boolean()


class FacilityInSchema(_FacilityFields):
    """A facility as staff send it (opening hours as HH:MM; the area by its code)."""

    area_code = fields.String()
    opens = fields.String()
    closes = fields.String()


class StaffFacilitySchema(_FacilityFields):
    id = fields.Integer()
    area_id = fields.Integer()
    opens = fields.Time()
    closes = fields.Time()


class FacilityPatchSchema(FacilityInSchema):
    """The fields of a facility to change."""


class CsvImportSchema(Schema):
    csv = fields.String(required=True)


class SessionsInSchema(Schema):
    dates = fields.List(fields.Date(validate=date_range()), required=True)
    vaccine = fields.String(required=True)
    capacities = fields.Dict(keys=fields.String(), values=fields.Integer(validate=int_range()),
                             required=True)
    min_age = fields.Integer(load_default=None, validate=int_range())
    max_age = fields.Integer(load_default=None, validate=int_range())
    fee = fields.Integer(load_default=0, validate=int_range())
    slots = fields.List(fields.String(), load_default=None)


class StaffCapacitySchema(Schema):
    dose_kind = fields.String()
    capacity = fields.Integer()
    booked = fields.Integer()


class StaffSessionSchema(Schema):
    id = fields.UUID()
    facility_id = fields.Integer()
    date = fields.Date()
    vaccine = fields.String()
    min_age = fields.Integer()
    max_age = fields.Integer(allow_none=True)
    fee = fields.Integer()
    slots = fields.List(fields.String())
    status = fields.String()
    capacities = fields.List(fields.Nested(StaffCapacitySchema))


class CapacityInSchema(Schema):
    dose_kind = fields.String(required=True, validate=validate.OneOf(["1", "2", "booster"]))
    capacity = fields.Integer(required=True, validate=int_range(INT32_MIN))


class CancelInSchema(Schema):
    reason = fields.String(load_default="")


class CancelResultSchema(Schema):
    released = fields.Integer()


class AuditArgs(Schema):
    actor = fields.String(load_default="")
    action = fields.String(load_default="")
    object_type = fields.String(load_default="")
    object_id = fields.String(load_default="")
    outcome = fields.String(load_default="")
    date_from = fields.Date(load_default=None, data_key="from", validate=date_range())
    date_to = fields.Date(load_default=None, data_key="to", validate=date_range())
    page = fields.Integer(load_default=1, validate=int_range(1))


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_type = fields.String()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    outcome = fields.String()
    ip = fields.String(allow_none=True)
    details = fields.Dict()
