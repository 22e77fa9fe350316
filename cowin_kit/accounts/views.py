"""Citizen web pages: sign in with an OTP, sign out, and the personal dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from cowin_kit.accounts.citizen import citizen_required, current_account, sign_in, sign_out
from cowin_kit.accounts.otp import (OtpExpired, OtpMalformed, OtpTooManyTries, confirm_otp,
                                    request_otp)
from cowin_kit.core.errors import KitError
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.core.sms_outbox import outbox
from cowin_kit.profiles.phones import InvalidMobile, mask_mobile

bp = Blueprint("accounts", __name__, template_folder="templates")

#: ``provider(account) -> dict`` functions adding to the "My account" page: registration (a
#: layer above accounts) adds the account's people, their vaccination status and how many more
#: may be added (``register_my_page``, from registration.setup).
MY_PAGE_PROVIDERS: list = []

PENDING_TXN = "otp_txn"
PENDING_MOBILE = "otp_mobile"


def register_my_page(provider) -> None:
    if provider not in MY_PAGE_PROVIDERS:  # setup runs once per app; apps share the process
        MY_PAGE_PROVIDERS.append(provider)


def safe_next(target: str | None, default: str = "/my") -> str:
    """Return ``target`` when it is a local path, else ``default`` (no open redirects)."""
    target = target or ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _demo_sms():
    """In demo mode with the outbox backend, return the newest OTP SMS for the pending mobile."""
    config = current_app.config
    if not (config.get("DEMO") and config.get("SMS_BACKEND") == "outbox"):
        return None

    messages = [m for m in outbox(session.get(PENDING_MOBILE), 5) if m.purpose == "otp"]
    return messages[0] if messages else None


def _field_error(error: KitError | None, *kinds: type) -> str | None:
    """The message of an error that is about the one field of the form (shown at the field,
    not a second time above the form)."""
    return error.text() if isinstance(error, kinds) else None


def _start(mobile_raw: str, next_url: str):
    txn = request_otp(mobile_raw, current_locale_id())
    session[PENDING_TXN] = str(txn.id)
    session[PENDING_MOBILE] = txn.mobile
    return redirect(url_for("accounts.verify", next=next_url))


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET" and current_account() is not None:
        return redirect(next_url)
    mobile = request.form.get("mobile", "")
    error = None
    if request.method == "POST":
        try:
            return _start(mobile, next_url)
        except KitError as exc:
            error = exc
    # A refusal that says when to come back (resend cool-down, OTP sending down) keeps saying it.
    retry_after = getattr(error, "retry_after", None)

    return render_template("accounts/signin.html", mobile=mobile, next_url=next_url,
                           error=error, field_error=_field_error(error, InvalidMobile)), \
        error.status if error else 200, \
        {"Retry-After": str(retry_after)} if retry_after else {}


@bp.route("/signin/verify", methods=["GET", "POST"])
def verify():
    next_url = safe_next(request.values.get("next"))
    if not session.get(PENDING_TXN):
        return redirect(url_for("accounts.signin", next=next_url))
    error = None
    if request.method == "POST":
        try:
            account, created = confirm_otp(session[PENDING_TXN], request.form.get("otp", ""),
                                           locale=current_locale_id())
        except KitError as exc:
            error = exc
        else:
            session.pop(PENDING_TXN, None)
            session.pop(PENDING_MOBILE, None)
            sign_in(account)
            flash(_("Welcome! Your account was created.") if created
                  else _("You are signed in."), "success")
            return redirect(next_url)

    mobile = session.get(PENDING_MOBILE, "")
    return render_template(
        "accounts/verify.html", next_url=next_url, error=error,
        field_error=_field_error(error, OtpMalformed),
        masked_mobile=mask_mobile(mobile) if mobile else "",
        start_again=isinstance(error, (OtpExpired, OtpTooManyTries)),
        demo_sms=_demo_sms()), error.status if error else 200


@bp.post("/signin/resend")
def resend():
    next_url = safe_next(request.values.get("next"))
    mobile = session.get(PENDING_MOBILE)
    if not mobile:
        return redirect(url_for("accounts.signin", next=next_url))
    try:
        return _start(mobile, next_url)
    except KitError as exc:
        flash(exc.text(), "error")
        return redirect(url_for("accounts.verify", next=next_url))


@bp.route("/signout", methods=["GET", "POST"])
def signout():
    if request.method == "POST":
        sign_out()
        flash(_("You are signed out."), "success")
        return redirect(url_for("web.index"))
    return render_template("accounts/signout.html", signed_in=current_account() is not None)


@bp.get("/my")
@citizen_required
def my():
    account = current_account()
    parts = {}
    for provider in MY_PAGE_PROVIDERS:
        parts.update(provider(account))
    return render_template(
        "accounts/my.html", account=account, masked_mobile=mask_mobile(account.mobile),
        # Links to the booking pages appear once the booking domain provides them.
        has_endpoint=lambda endpoint: endpoint in current_app.view_functions, **parts)
