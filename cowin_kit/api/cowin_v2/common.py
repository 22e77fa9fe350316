"""Shared pieces of the CoWIN v2 surface: error shape, dates, parameters, auth, rate limits."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.citizen import bearer_token
from cowin_kit.accounts.tokens import verify_token
from cowin_kit.core.audit import set_actor
from cowin_kit.core.errors import KitError, RateLimited, Unauthorized
from cowin_kit.core.inputs import date_out_of_range, int_out_of_range
from cowin_kit.core.outage import limit

#: Kit error codes -> (HTTP status, CoWIN errorCode). Unknown codes keep their status and
#: use the kit code itself as errorCode (clients show ``error``).
COWIN_CODES: dict[str, tuple[int, str]] = {
    "MISSING_PARAMETER": (400, "USRRES0001"),
    "VALIDATION_FAILED": (400, "USRRES0002"),
    "INVALID_PINCODE": (400, "APPOIN0018"),
    "SESSION_FULL": (409, "APPOIN0040"),
    "INVALID_SECURITY_CODE": (400, "APPOIN0044"),
    "SESSION_NOT_FOUND": (400, "APPOIN0013"),
    "SLOT_NOT_OFFERED": (400, "APPOIN0065"),
    "PAST_DATE": (400, "APPOIN0022"),
    "TOO_FAR_AHEAD": (400, "APPOIN0023"),
    "ALREADY_BOOKED": (409, "APPOIN0045"),
    "APPOINTMENT_NOT_FOUND": (400, "APPOIN0031"),
    "AGE_OUT_OF_BAND": (400, "APPOIN0012"),
    "TOO_YOUNG": (400, "APPOIN0012"),
    "TOO_EARLY": (400, "APPOIN0042"),
    "NOT_YET_ELIGIBLE": (400, "APPOIN0011"),
    "SERIES_COMPLETE": (400, "APPOIN0041"),
    "PRODUCT_NOT_ALLOWED": (400, "APPOIN0043"),
    "CAPTCHA_INVALID": (400, "APPOIN0047"),
    "INVALID_MOBILE": (400, "USRAUT0004"),
    "OTP_MALFORMED": (400, "USRRES0002"),  # not an OTP at all: a bad request, no try used
    "OTP_WRONG": (400, "USRAUT0014"),  # CoWIN's "Invalid OTP" (its USRAUT0024: not registered)
    "OTP_EXPIRED": (401, "USRAUT0025"),
    "OTP_TOO_MANY_TRIES": (403, "USRAUT0026"),
    "OTP_DAILY_LIMIT": (403, "USRAUT0027"),
    "OTP_RESEND_TOO_SOON": (403, "USRAUT0028"),
    "INVALID_ID_DOCUMENT": (400, "BENREG0007"),
    "DUPLICATE_ID_DOCUMENT": (409, "BENREG0008"),
    "BENEFICIARY_LIMIT": (400, "BENREG0009"),
    "NOT_FOUND": (400, "USRRES0004"),
    "BENEFICIARY_NOT_FOUND": (400, "USRAUT0024"),  # CoWIN's "Beneficiary Not Registered"
    "UNAUTHENTICATED": (401, "USRAUT0001"),
    "RATE_LIMITED": (429, "USRRES0429"),
    "SERVICE_UNAVAILABLE": (503, "USRRES0503"),  # database or Redis down: Retry-After says when
}


class MissingParameter(KitError):
    status = 400
    code = "MISSING_PARAMETER"


class InvalidParameter(KitError):
    status = 400
    code = "VALIDATION_FAILED"


#: Refusals that mean "slow down" (the public rate limit, an OTP asked again too soon): their
#: status is V2_BLOCK_STATUS, 429 by default or 403 as CoWIN answered (docs/cowin-api.md).
BLOCK_CODES = frozenset({"RATE_LIMITED", "OTP_RESEND_TOO_SOON"})


def cowin_status(code: str, status: int) -> int:
    """The HTTP status /api/v2 answers for a kit error code."""
    if code in BLOCK_CODES:
        from flask import current_app

        return int(current_app.config.get("V2_BLOCK_STATUS", 429))
    return COWIN_CODES.get(code, (status, code))[0]


def cowin_error(exc: KitError):
    """Render a kit error in CoWIN's shape: ``{"errorCode", "error"}``."""
    status = cowin_status(exc.code, exc.status)
    if exc.code not in COWIN_CODES and exc.status >= 500:
        status = 500
    response = jsonify(cowin_error_body(status, exc.code, exc.text()))
    response.status_code = status
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def cowin_error_body(status: int, code: str, message: str) -> dict:
    """CoWIN's error body for a kit error code (also for errors before a route matched)."""
    return {"errorCode": COWIN_CODES.get(code, (status, code))[1], "error": message}


_DATE = re.compile(r"^\s*(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(value: str | None, name: str = "date") -> dt.date:
    """Parse CoWIN's ``dd-mm-yyyy`` (also ``8-6-2021``, ``08-06-21`` as CoWIN read it, a
    two-digit year being 20yy, and ISO ``2021-06-08``)."""
    if not value:
        raise MissingParameter(_l("Input parameter missing"))
    match = _DATE.match(value)
    try:
        if match:
            day, month, year = (int(p) for p in match.groups())
            year += 2000 if len(match.group(3)) == 2 else 0
        elif match := _ISO.match(value):
            year, month, day = (int(p) for p in match.groups())
        else:
            raise ValueError(value)
        date = dt.date(year, month, day)
    except ValueError:
        pass
    else:
        return _in_range(date, name)
    raise InvalidParameter(_l("Invalid date: %(value)s (expected dd-mm-yyyy)"), value=value[:20])


def _in_range(date: dt.date, name: str) -> dt.date:
    refusal = date_out_of_range(date)
    if refusal:
        raise InvalidParameter(_l("Invalid value for %(name)s: %(reason)s"), name=name,
                               reason=refusal)
    return date


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def arg(name: str, *, required: bool = True, source: dict | None = None) -> Any:
    """Read a parameter from the query string (or a JSON body given as ``source``)."""
    values = source if source is not None else request.args
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MissingParameter(_l("Input parameter missing"))
        return None
    return value.strip() if isinstance(value, str) else value


def int_arg(name: str, *, required: bool = True, source: dict | None = None) -> int | None:
    value = arg(name, required=required, source=source)
    if value is None:
        return None
    try:
        number = float(str(value).strip())  # generated clients send 1.0 for 1
    except ValueError:
        raise InvalidParameter(_l("Invalid value for %(name)s"), name=name) from None
    if not number.is_integer():
        raise InvalidParameter(_l("Invalid value for %(name)s"), name=name)
    refusal = int_out_of_range(int(number))
    if refusal:
        raise InvalidParameter(_l("Invalid value for %(name)s: %(reason)s"), name=name,
                               reason=refusal)
    return int(number)


def pick(value, options: list, ids, labels) -> object | None:
    """Find an option by CoWIN's numeric id (1-based position), the kit's id or a label."""
    text = str(value).strip()
    try:
        number = float(text)
        if number.is_integer() and 1 <= number <= len(options):
            return options[int(number) - 1]
    except ValueError:
        pass
    for option in options:
        if text == str(ids(option)) or text.lower() in {str(v).lower() for v in labels(option)}:
            return option
    return None


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise MissingParameter(_l("Input parameter missing"))
    return body


def token_required(view):
    """Require ``Authorization: Bearer <JWT>``; the account is in ``g.cowin_account``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer_token()
        if token is None:
            raise Unauthorized(_l("Unauthenticated access!"))
        account = verify_token(token)
        g.cowin_account = account
        set_actor("citizen", account.id)
        return view(*args, **kwargs)

    return wrapper


def public_rate_limit() -> None:
    """CoWIN's public limit: RATE_LIMIT_PUBLIC calls per client address (default 100/5 min);
    counted in this process while Redis is down (core.outage)."""
    limit("cowin-v2-public")


__all__ = ["cowin_error", "parse_date", "format_date", "arg", "int_arg", "json_body",
           "token_required", "public_rate_limit", "MissingParameter", "InvalidParameter",
           "RateLimited"]
