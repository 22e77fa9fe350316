"""OTP login (public and protected flows) and the captcha."""

from __future__ import annotations

from flask import current_app, g, jsonify

from cowin_kit.accounts.otp import confirm_otp, request_otp
from cowin_kit.accounts.tokens import issue_token
from cowin_kit.api.cowin_v2 import captcha
from cowin_kit.api.cowin_v2.blueprint import bp
from cowin_kit.api.cowin_v2.common import arg, json_body, token_required
from cowin_kit.core.cache import get_cache
from cowin_kit.core.errors import KitError
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.core.keys import keyed_hash, keyed_hash_matches


def _generate():
    body = json_body()
    txn = request_otp(str(arg("mobile", source=body)), current_locale_id())
    return jsonify({"txnId": str(txn.id)})


def _confirm():
    body = json_body()
    txn_id = str(arg("txnId", source=body))
    account, created = confirm_otp(txn_id, str(arg("otp", source=body)),
                                   locale=current_locale_id())
    return issue_token(account, txn=txn_id), created


@bp.post("/auth/public/generateOTP")
def generate_public_otp():
    return _generate()


@bp.post("/auth/public/confirmOTP")
def confirm_public_otp():
    token, _created = _confirm()
    return jsonify({"token": token})


@bp.post("/auth/generateMobileOTP")
def generate_mobile_otp():
    # ``secret`` was a fixed string copied from the official web app: accepted, not checked.
    return _generate()


@bp.post("/auth/validateMobileOtp")
def validate_mobile_otp():
    token, created = _confirm()
    return jsonify({"token": token, "isNewAccount": "Y" if created else "N"})


@bp.post("/auth/generateOTP")
def generate_partner_otp():
    """API Setu's partner flavour (v2.1.0): ``{"mobile"}`` with the partner's ``x-api-key``
    header, which the kit does not issue: accepted, not checked (as ``secret`` above)."""
    return _generate()


@bp.post("/auth/confirmOTP")
def confirm_partner_otp():
    """Partner flavour: answers ``{"token", "isNewAccount"}`` as validateMobileOtp does."""
    token, created = _confirm()
    return jsonify({"token": token, "isNewAccount": "Y" if created else "N"})


CAPTCHA_SECONDS = 300


def _captcha_key(account_id: int) -> str:
    return f"captcha:{account_id}"


@bp.post("/auth/getRecaptcha")
@token_required
def get_captcha():
    """Issue a captcha for this account; booking checks it when CAPTCHA_ENABLED is on."""
    text = captcha.new_text()
    get_cache().backend.set(_captcha_key(g.cowin_account.id),
                            keyed_hash("captcha", captcha.answer_bytes(text)), CAPTCHA_SECONDS)
    return jsonify({"captcha": captcha.render_svg(text)})


def check_captcha(account_id: int, answer: str | None) -> None:
    """Raise CAPTCHA_INVALID unless ``answer`` solves this account's last captcha (one use)."""
    if not current_app.config.get("CAPTCHA_ENABLED"):
        return
    from flask_babel import lazy_gettext as _l

    backend = get_cache().backend
    found, expected = backend.get(_captcha_key(account_id))
    backend.set(_captcha_key(account_id), "", 1)  # one use only
    if not found or not expected or not keyed_hash_matches(
            "captcha", captcha.answer_bytes(answer or ""), str(expected)):
        raise KitError(_l("The captcha was not solved correctly. Please try again."),
                       code="CAPTCHA_INVALID", status=400)
