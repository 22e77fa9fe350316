"""Native API: mobile OTP sign-in returning a Bearer token."""

from __future__ import annotations

from flask_smorest import Blueprint

from cowin_kit.accounts.citizen import bearer_token
from cowin_kit.accounts.otp import confirm_otp, request_otp
from cowin_kit.accounts.schemas import (OtpConfirmSchema, OtpRequestSchema, OtpSentSchema,
                                        TokenSchema)
from cowin_kit.accounts.tokens import issue_token, revoke_token, token_expiry
from cowin_kit.core.errors import Unauthorized
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.profiles.phones import mask_mobile

bp = Blueprint("citizen_auth", __name__, url_prefix="/api/kit/v1/auth",
               description="Citizen sign-in with a one-time password sent by SMS")


@bp.post("/otp")
@bp.arguments(OtpRequestSchema)
@bp.response(200, OtpSentSchema)
def send_otp(data):
    """Send an OTP by SMS to a mobile number."""
    from flask import current_app

    txn = request_otp(data["mobile"], current_locale_id())
    return {"txn_id": str(txn.id), "mobile": mask_mobile(txn.mobile), "expires_at": txn.expires_at,
            "resend_after_seconds": int(current_app.config["OTP_RESEND_SECONDS"])}


@bp.post("/otp/confirm")
@bp.arguments(OtpConfirmSchema)
@bp.response(200, TokenSchema)
def confirm(data):
    """Confirm the OTP; returns a Bearer token for the citizen."""
    account, created = confirm_otp(data["txn_id"], data["otp"], locale=current_locale_id())
    return {"token": issue_token(account, txn=data["txn_id"]), "expires_at": token_expiry(),
            "new_account": created, "mobile": mask_mobile(account.mobile)}


@bp.post("/logout")
@bp.response(204)
@bp.doc(security=[{"citizenBearer": []}])
def logout():
    """Sign out: the Bearer token sent is revoked at once, even before it expires."""
    token = bearer_token()
    if token is None:
        raise Unauthorized()
    revoke_token(token)
