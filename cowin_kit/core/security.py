"""CSRF protection for every HTML form; JSON APIs under /api/ authenticate with tokens instead.

Forms add ``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">``. Under
``/api/`` no CSRF token is checked: those endpoints must not trust the session cookie for
unsafe methods unless the request carries the ``X-Requested-With`` header (which a foreign site
cannot send without a CORS preflight) — see ``session_usable_for_api``.
"""

from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

#: Path prefixes whose unsafe requests are not CSRF-checked (token-authenticated JSON APIs).
API_PREFIXES = ("/api/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def is_api_request() -> bool:
    """Tell whether the current request is for a JSON API path."""
    return request.path.startswith(API_PREFIXES)


def session_usable_for_api() -> bool:
    """Tell whether an API request may be authenticated by the session cookie."""
    return request.method in SAFE_METHODS or bool(request.headers.get("X-Requested-With"))


def init_csrf(app: Flask) -> None:
    """Check a CSRF token on every unsafe request, except under the JSON API prefixes."""
    # We run the check ourselves so that API paths are exempt whatever blueprint serves them.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    @app.before_request
    def _csrf_check():
        if not app.config.get("WTF_CSRF_ENABLED", True) or is_api_request():
            return
        csrf.protect(apply_exemptions=True)

