"""Marshmallow schemas of the beneficiary API (identity numbers only ever masked)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cowin_kit.core.inputs import date_range, int_range


class BeneficiaryCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    birth_year = fields.Integer(load_default=None, allow_none=True, validate=int_range())
    birth_date = fields.Date(load_default=None, allow_none=True, validate=date_range())
    gender = fields.String(required=True, metadata={"description": "Profile gender code"})
    id_doc_type = fields.String(required=True, metadata={"description": "Profile document id"})
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              load_only=True)
    groups = fields.List(fields.String(), load_default=list)
    comorbidity = fields.Boolean(load_default=False)
    locale = fields.String(load_default=None, allow_none=True)


class BeneficiarySchema(Schema):
    reference_id = fields.String()
    name = fields.String()
    birth_year = fields.Integer()
    birth_date = fields.Date(allow_none=True)
    gender = fields.String()
    id_doc_type = fields.String()
    id_masked = fields.String()
    groups = fields.List(fields.String())
    comorbidity = fields.Boolean()
    locale = fields.String(allow_none=True)
    created_at = fields.DateTime()
    vaccination_status = fields.String(metadata={"description": "none | partial | full"})
    doses = fields.Integer()
