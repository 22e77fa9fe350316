"""Request and response shapes of the certificates API."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from .models import CORRECTION_FIELDS


class VerifyIn(Schema):
    payload = fields.String(required=True, validate=validate.Length(min=1, max=20000),
                            metadata={"description": "QR text: HC1:…, shc:/…, or DIVOC JSON"})


class VerifyFileIn(Schema):
    file = Upload(required=True, metadata={"description": "PNG, JPEG, WebP, GIF or BMP image of the "
                                                          "QR code, its SVG, or the certificate's PDF"})


class VerifyOut(Schema):
    valid = fields.Boolean()
    status = fields.String(metadata={"description": "valid | invalid | revoked | expired"})
    format = fields.String()
    reason = fields.String(metadata={"description": "why it is not valid, in the reader's language"})
    reason_code = fields.String(metadata={"description": "UNREADABLE | NOT_A_CERTIFICATE | UNKNOWN_ISSUER | "
                                                         "BAD_SIGNATURE | WRONG_KEY_USAGE | NOT_YET_VALID | "
                                                         "EXPIRED | REVOKED, or empty when valid"})
    certificate_id = fields.String()
    issuer = fields.String()
    person = fields.Dict()
    vaccination = fields.Dict()


class CorrectionIn(Schema):
    field = fields.String(required=True, validate=validate.OneOf(CORRECTION_FIELDS))
    new_value = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CorrectionOut(Schema):
    id = fields.Integer()
    field = fields.String()
    old_value = fields.String()
    new_value = fields.String()
    status = fields.String()
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()


class PassportIn(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    surname = fields.String(required=True, validate=validate.Length(min=1, max=80),
                            metadata={"description": "exactly as printed in the passport"})
    given_names = fields.String(load_default="", validate=validate.Length(max=80))


class DecisionIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CertificateOut(Schema):
    certificate_id = fields.String()
    uvci = fields.String()
    kind = fields.String()
    dose_number = fields.Integer()
    issued_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String(allow_none=True)
    formats = fields.Dict()


class RoutineCertificateOut(Schema):
    dose_id = fields.Integer()
    product = fields.String(metadata={"description": "routine.yaml product id"})
    product_name = fields.String()
    given_on = fields.Date()
    antigen = fields.String(metadata={"description": "routine.yaml antigen id"})
    antigen_name = fields.String()
    vaccine = fields.String(metadata={"description": "ICD-11 vaccine code (WHO value sets)"})
    disease = fields.String(metadata={"description": "ICD-11 disease targeted"})
    dose_number = fields.Integer()
    total_doses = fields.Integer()
    hcid = fields.String(metadata={"description": "health certificate id (UVCI form)"})
    hc1 = fields.String(metadata={"description": "the signed WHO DDCC:VS, HC1 QR text"})


class RoutineCertificatesOut(Schema):
    certificates = fields.List(fields.Nested(RoutineCertificateOut))
