"""The /api/v2 blueprint: error shape, rate limits and the endpoint modules."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.exceptions import HTTPException

from cowin_kit.api.cowin_v2.common import cowin_error, public_rate_limit
from cowin_kit.core.errors import HTTP_MESSAGES, HTTP_TITLES, KitError

bp = Blueprint("cowin_v2", __name__)


@bp.errorhandler(KitError)
def _kit_error(exc: KitError):
    return cowin_error(exc)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    # The kit's localised wording (werkzeug's descriptions are English only).
    message = HTTP_MESSAGES.get(status) or HTTP_TITLES.get(status) or exc.description or exc.name
    error = KitError(message, code=(exc.name or "ERROR").upper().replace(" ", "_"), status=status)
    return cowin_error(error)


@bp.before_request
def _public_limits():
    """Public endpoints (no token) are rate limited per client address, like CoWIN's."""
    if "/public/" in request.path or "/admin/location/" in request.path:
        public_rate_limit()


@bp.after_request
def _cors(response):
    # Third-party browser tools called CoWIN from their own pages.
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Allow-Headers",
                                "Authorization, Content-Type, Accept-Language, x-api-key")
    return response
