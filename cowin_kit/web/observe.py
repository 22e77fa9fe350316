"""Every request observed once, outside everything else: request id, metrics and the log line.

``RequestObserver`` is the outermost WSGI layer (around ProxyFix and the ready-response cache,
so answers that never reach Flask are counted too). For each request it

- takes the caller's ``X-Request-ID`` when well formed, else makes one, and echoes it in the
  response (``cowin_kit.core.logs``: every log line of the request carries it);
- names the request by its URL *rule* (``/api/v2/appointment/sessions/public/findByDistrict``,
  ``/desk/beneficiary/<ref>``), matched once against the app's URL map; unknown paths are
  ``<unmatched>``, so a scanner's random paths add no label values;
- counts it and its duration to the last byte (``cowin_kit_http_requests_total``,
  ``cowin_kit_http_request_duration_seconds``) and writes one INFO line
  (``cowin_kit.request``: method, route, status, duration).
"""

from __future__ import annotations

import logging
import os
import time

from flask import Flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from cowin_kit.core import metrics
from cowin_kit.core.logs import CURRENT, RequestInfo, RequestLine, well_formed

log = logging.getLogger("cowin_kit.request")

UNMATCHED = "<unmatched>"
REDIRECT = "<redirect>"
#: Standard methods keep their name; anything else is counted as "other" (bounded labels).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _RequestIds:
    """Random request ids (32 hex digits, as ``uuid4().hex`` was) drawn from the system's
    generator 256 at a time: one ``getrandom`` call per 256 requests instead of one per request
    (a system call lets go of the GIL, and under gunicorn's threads each one may wait a switch
    interval to get it back). A forked child drops its parent's unused ids."""

    BATCH = 256

    def __init__(self) -> None:
        self._ids: list[str] = []
        os.register_at_fork(after_in_child=self._ids.clear)

    def __call__(self) -> str:
        try:
            return self._ids.pop()  # atomic: no two threads get the same id
        except IndexError:
            fresh = os.urandom(16 * self.BATCH).hex()
            ids = [fresh[i:i + 32] for i in range(0, len(fresh), 32)]
            mine = ids.pop()
            self._ids.extend(ids)
            return mine


new_request_id = _RequestIds()


class RequestObserver:
    #: Matched (host, method, path) -> rule names a process remembers (only matched ones, so a
    #: scanner's random paths cannot fill it; cleared when full).
    ROUTES_KEPT = 4096

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._routes: dict[tuple[str, str, str, str], str] = {}
        self._counters: dict[tuple[str, str, str], tuple] = {}

    def route(self, environ) -> str:
        """The URL rule this request matches, or a fixed placeholder; a path matched before is
        not matched again (a repeated public read is answered in well under the match's time)."""
        seen = (environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""),
                environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        rule = self._routes.get(seen)
        if rule is None:
            rule = self._match(environ)
            if rule not in (UNMATCHED, REDIRECT):
                if len(self._routes) >= self.ROUTES_KEPT:
                    self._routes.clear()
                self._routes[seen] = rule
        return rule

    def _match(self, environ) -> str:
        try:
            adapter = self.app.url_map.bind_to_environ(
                environ, server_name=self.app.config.get("SERVER_NAME"),
                subdomain=self.app.url_map.default_subdomain or None)
            rule, _args = adapter.match(return_rule=True)
            return rule.rule
        except RequestRedirect:
            return REDIRECT
        except MethodNotAllowed:
            return UNMATCHED
        except (HTTPException, ValueError):
            return UNMATCHED

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID", "").strip()
        request_id = given if well_formed(given) else new_request_id()
        environ["HTTP_X_REQUEST_ID"] = request_id  # the app sees the id it answers under
        method = environ.get("REQUEST_METHOD", "GET").upper()
        method = method if method in METHODS else "other"
        info = RequestInfo(request_id, method, self.route(environ))
        token = CURRENT.set(info)
        status_seen: list[str] = []

        def observed_start_response(status, headers, exc_info=None):
            status_seen[:] = [status]
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        metrics.IN_FLIGHT.inc()
        try:
            result = self.wsgi_app(environ, observed_start_response)
        except BaseException:
            metrics.IN_FLIGHT.dec()
            self._done(info, "500", started)
            CURRENT.reset(token)
            raise
        CURRENT.reset(token)
        return _Body(result, lambda: self._finish(info, status_seen, started))

    def _finish(self, info: RequestInfo, status_seen: list[str], started: float) -> None:
        metrics.IN_FLIGHT.dec()
        status = status_seen[0].split(" ", 1)[0] if status_seen else "500"
        token = CURRENT.set(info)
        try:
            self._done(info, status, started)
        finally:
            CURRENT.reset(token)

    def _done(self, info: RequestInfo, status: str, started: float) -> None:
        duration = time.perf_counter() - started
        counters = self._counters.get((info.route, info.method, status))
        if counters is None:  # the labelled series, looked up once per route, method and status
            if len(self._counters) >= self.ROUTES_KEPT:
                self._counters.clear()
            counters = self._counters[(info.route, info.method, status)] = (
                metrics.REQUESTS.labels(info.route, info.method, status),
                metrics.LATENCY.labels(info.route, info.method))
        counters[0].inc()
        counters[1].observe(duration)
        if log.isEnabledFor(logging.INFO):
            # The record made directly (no caller look-up: the line names no source line), in
            # the shape the JSON formatter writes from pre-formatted parts (core.logs).
            log.handle(RequestLine(log.name, info, int(status) if status.isdigit() else status,
                                   round(duration, 6), __file__))


class _Body:
    """The response iterable, passed through; the observation ends once, when the last byte has
    been taken or at ``close`` (which every WSGI server calls), whichever comes first."""

    def __init__(self, result, on_done) -> None:
        self.result = result
        self.on_done = on_done

    def _done(self) -> None:
        on_done, self.on_done = self.on_done, None
        if on_done is not None:
            on_done()

    def __iter__(self):
        yield from self.result
        self._done()

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


def init_app(app: Flask) -> None:
    """Wrap the app (called last by ``cowin_kit.web.setup``: outside every other middleware)."""
    app.wsgi_app = RequestObserver(app.wsgi_app, app)
