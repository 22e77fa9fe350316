"""Marshmallow schemas of the citizen sign-in API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class OtpRequestSchema(Schema):
    mobile = fields.String(required=True, validate=validate.Length(min=1, max=32),
                           metadata={"example": "9876543210"})


class OtpSentSchema(Schema):
    txn_id = fields.String(required=True, metadata={"description": "Transaction id to confirm"})
    mobile = fields.String(metadata={"description": "The mobile, masked", "example": "******3210"})
    expires_at = fields.DateTime()
    resend_after_seconds = fields.Integer()


class OtpConfirmSchema(Schema):
    txn_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    otp = fields.String(required=True, validate=validate.Length(min=6, max=64), metadata={
        "description": "The 6-digit OTP, or the hex SHA-256 of it (as CoWIN clients send)"})


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Bearer token (JWT, HS256)"})
    expires_at = fields.DateTime()
    new_account = fields.Boolean()
    mobile = fields.String(metadata={"description": "The mobile, masked"})
