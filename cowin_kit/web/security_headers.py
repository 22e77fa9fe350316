"""Security headers on every response: what browsers may load, frame, sniff, send and keep.

- Content-Security-Policy: scripts, styles, images, fonts and connections from this site only;
  no inline script or style (templates have none: tests/test_security_headers.py keeps it so),
  no plugins, no framing, forms post only here. The bundled ReDoc page of the native API is the
  one exception, scoped to that route: ReDoc injects its styles, draws icons from data: URLs and
  runs its search in a worker made from a blob.
- X-Content-Type-Options, X-Frame-Options, Referrer-Policy; Strict-Transport-Security on
  HTTPS requests.
- Cache-Control: ``no-store`` on every response that does not choose its own caching, so pages
  and API answers with personal data stay out of browser and proxy caches. Responses that are
  public on purpose (availability, dashboards, published keys) and static files set theirs.
"""

from __future__ import annotations

from flask import Flask, Response, request

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Endpoint -> what it adds to POLICY (the bundled API reference page only).
RELAXED = {
    "api-docs.openapi_redoc": {
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",  # its link icons (its footer logo from a CDN stays blocked)
        "worker-src": "'self' blob:",
    },
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def policy_for(endpoint: str | None) -> str:
    """The Content-Security-Policy header value for a route."""
    policy = {**POLICY, **RELAXED.get(endpoint or "", {})}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", policy_for(request.endpoint))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
