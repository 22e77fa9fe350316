"""Domain exceptions, raised by operations and mapped to HTTP in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from markupsafe import escape
from marshmallow import Schema
from marshmallow import fields as ma_fields
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from cowin_kit.core.db import db
from cowin_kit.core.unavailable import describe_outage


class KitError(Exception):
    """A failure the user can understand; ``code`` is stable, ``message`` is localised."""

    status = 400
    code = "BAD_REQUEST"
    default_message = _l("The request could not be processed.")

    def __init__(self, message: Any = None, *, code: str | None = None, status: int | None = None,
                 fields: dict[str, list[str]] | None = None, **params: Any) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        self.params = params
        super().__init__(str(self.code))

    def text(self) -> str:
        """Return the localised message with its parameters filled in."""
        text = str(self.message)
        return text % self.params if self.params else text

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.text()}
        if self.fields:
            body["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        return body


class ValidationFailed(KitError):
    status = 422
    code = "VALIDATION_FAILED"
    default_message = _l("Some of the information given is not valid.")


class NotFound(KitError):
    status = 404
    code = "NOT_FOUND"
    default_message = _l("We could not find what you asked for.")


class Conflict(KitError):
    status = 409
    code = "CONFLICT"
    default_message = _l("This conflicts with the current state; please refresh and try again.")


class Unauthorized(KitError):
    status = 401
    code = "UNAUTHENTICATED"
    default_message = _l("Please sign in to continue.")


class Forbidden(KitError):
    status = 403
    code = "FORBIDDEN"
    default_message = _l("You are not allowed to do this.")


class RateLimited(KitError):
    status = 429
    code = "RATE_LIMITED"
    default_message = _l("Too many requests. Please wait a little and try again.")


class MalformedInput(KitError):
    """The request itself cannot be used: invalid or too deeply nested JSON, NUL characters,
    lone surrogates (refused before any handler; see cowin_kit.web.requests)."""

    status = 400
    code = "MALFORMED_INPUT"
    default_message = _l("The request could not be read. Please check what was sent and try again.")


class ServiceUnavailable(KitError):
    """A dependency (database, Redis) is down or read-only: try again later (503 + Retry-After).

    ``retry_after`` is in seconds; by default the app's ``UNAVAILABLE_RETRY_SECONDS``."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = _l("The service is temporarily unavailable. Please try again in a moment.")

    def __init__(self, message: Any = None, *, retry_after: int | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after or int(current_app.config.get("UNAVAILABLE_RETRY_SECONDS", 30))


class _ErrorDetail(Schema):
    code = ma_fields.String(required=True, metadata={"description": "Stable error code, e.g. "
                                                     "VALIDATION_FAILED, NOT_FOUND, JSON_TOO_DEEP"})
    message = ma_fields.String(required=True, metadata={"description": "Localised message"})
    fields_ = ma_fields.Dict(data_key="fields", keys=ma_fields.String(), metadata={
        "description": "Per field (or per location: json, query) messages"})


class ErrorBodySchema(Schema):
    """The JSON error body of the native API, as the handlers below write it (the OpenAPI
    document's error responses use this, not flask-smorest's default)."""

    error = ma_fields.Nested(_ErrorDetail, required=True)


HTTP_TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    422: _l("Invalid information"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}

HTTP_MESSAGES = {
    404: _l("The page you are looking for does not exist or has moved."),
    413: _l("What was sent is too large. Please send a smaller file or less data."),
    500: _l("An unexpected error happened on our side. Please try again in a moment."),
    503: _l("The service is temporarily unavailable. Please try again in a moment."),
}


def wants_json() -> bool:
    """Answer in JSON for API paths and for clients that prefer JSON over HTML."""
    if request.path.startswith("/api/") or request.path.startswith("/.well-known/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def register_json_error_shape(app: Flask, prefix: str, shape) -> None:
    """Answer JSON errors under ``prefix`` in another API's shape: ``shape(status, code,
    message)`` returns the body. Covers what no blueprint handler sees (unknown paths, 405,
    out-of-range ``<int:…>``, input refused before routing), e.g. CoWIN's ``errorCode``."""
    app.extensions.setdefault("kit_json_error_shapes", {})[prefix] = shape


def _render(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        for prefix, shape in current_app.extensions.get("kit_json_error_shapes", {}).items():
            if request.path.startswith(prefix):
                return jsonify(shape(status, code, message)), status
        body: dict[str, Any] = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify({"error": body}), status
    title = str(HTTP_TITLES.get(status, HTTP_TITLES[400 if status < 500 else 500]))
    try:
        return render_template("web/error.html", status=status, title=title, message=message,
                               fields=fields or {}), status
    except Exception:  # the layout itself failed (e.g. a broken profile): plain page
        current_app.logger.exception("error page could not be rendered")
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>" \
               f"<p>{escape(message)}</p>"
        return body, status


def problem_messages(fields: Any, message: Any = None) -> list[str]:
    """The messages of a ``fields`` mapping (nested as marshmallow nests them), each once and
    without the internal field names, for a page: a person reads the problems, not the keys.
    A message equal to ``message`` (already shown as the page's sentence) is left out."""
    found: list[str] = []
    pending = [fields]
    while pending:
        item = pending.pop(0)
        if isinstance(item, dict):
            pending[:0] = list(item.values())
        elif isinstance(item, (list, tuple)):
            pending[:0] = list(item)
        elif item is not None:
            text = str(item)
            if text and text not in found and text != str(message or ""):
                found.append(text)
    return found


def register_error_handlers(app: Flask) -> None:
    """Map domain exceptions and HTTP errors to localised HTML pages or JSON under /api/."""

    app.add_template_filter(problem_messages, "problem_messages")

    @app.errorhandler(KitError)
    def _kit_error(exc: KitError):
        body = exc.to_dict()
        response = app.make_response(_render(exc.status, exc.code, body["message"],
                                             body.get("fields")))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:  # rate limits and outages say when to come back
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        fields = None
        # flask-smorest/webargs put marshmallow messages here.
        data = getattr(exc, "data", None) or {}
        if isinstance(data, dict) and data.get("messages"):
            fields = data["messages"]
        message = HTTP_MESSAGES.get(status) or HTTP_TITLES.get(status) or exc.description
        code = {422: "VALIDATION_FAILED"}.get(status, (exc.name or "error").upper().replace(" ", "_"))
        body, status = _render(status, code, str(message), fields)
        response = app.make_response((body, status))
        if getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http_error(exc)
        outage = _outage(exc)
        if outage is not None:  # database or Redis down: 503 in the shape of the path
            return app.handle_user_exception(outage)
        # The route rule (and the request id every line carries), never the path: it may hold
        # a reference number or another person's identifier (docs/operations.md, "Logs").
        app.logger.exception("unhandled error on %s %s", request.method, _route())
        return _render(500, "INTERNAL_ERROR", str(HTTP_MESSAGES[500]))


def _route() -> str:
    """The request's URL rule for a log line (``<unmatched>`` when none matched)."""
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


# -- outages: the database or Redis down, or the database read-only -------------------------------

def _outage(exc: Exception) -> ServiceUnavailable | None:
    """A 503 for an exception that means a dependency is unavailable (logged without secrets or
    query parameters); None for any other exception."""
    what = describe_outage(exc)
    if what is None:
        return None
    current_app.logger.error("%s unavailable on %s %s: %s", what[0], request.method,
                             _route(), what[1])
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        pass
    return ServiceUnavailable()
