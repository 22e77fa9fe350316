"""Repeated public reads answered before the app from the response cache (``ReadyHits``).

A WSGI middleware on top of ``core.response_cache``: the URLs the app answered from a cache
entry are answered again from that entry while it is fresh, without routing or hooks."""

from __future__ import annotations

from flask import Flask

from cowin_kit.core.cache import EXTENSION_KEY
from cowin_kit.core.errors import RateLimited
from cowin_kit.core.metrics import count_cache
from cowin_kit.core.outage import limit
from cowin_kit.core.ratelimit import leased
from cowin_kit.core.response_cache import READY_NOTE, CachedResponse


class ReadyHits:
    """WSGI middleware: a GET for a URL the app answered from the response cache is answered
    again from that entry while it is fresh, without routing, hooks or a database session.

    Only exact URLs (scheme, path and query string) the app itself validated and answered with
    200 are served this way, with the headers the app's hooks added to that answer (security
    headers, CORS; never cookies); the public rate limit the route counts is counted here too
    (a refusal goes through the app, which answers it). Anything else, an entry due for its
    rebuild, or an expired one goes through the app as usual. It sits inside ProxyFix
    (``core.setup`` installs it first), so the client address is the one the proxies name."""

    NOTE = READY_NOTE
    #: Headers that belong to one answer, not to the URL.
    OWN = frozenset({"content-length", "content-encoding", "etag", "cache-control",
                     "set-cookie", "retry-after", "date", "server"})
    MAX_URLS = 4096

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._urls: dict[tuple[str, str, str], tuple[str, str | None, list]] = {}
        self._made: dict[tuple[int, bool], tuple] = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            url = (environ.get("wsgi.url_scheme", ""), environ.get("PATH_INFO", ""),
                   environ.get("QUERY_STRING", ""))
            known = self._urls.get(url)
            if known is not None:
                answer = self._ready(environ, *known)
                if answer is not None:
                    count_cache("response", "hit")
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
            return self._through_app(environ, start_response, url)
        return self.wsgi_app(environ, start_response)

    def _ready(self, environ, key: str, rate_limit: str | None, headers: list):
        cache = self.app.extensions.get(EXTENSION_KEY)
        responses = cache.responses if cache is not None else None
        entry = responses.peek(key) if responses is not None else None
        if entry is None or (rate_limit and not self._within_limit(environ, rate_limit)):
            return None
        tags = environ.get("HTTP_IF_NONE_MATCH")
        if tags and (tags.strip() == "*" or entry.etag[1:-1] in tags):
            own = [("ETag", entry.etag),
                   ("Cache-Control", f"public, max-age={entry.max_age()}")]
            return "304 NOT MODIFIED", [h for h in headers if h[0].lower() != "content-type"] \
                + own, b""
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        if "gzip" in accept and ";" not in accept:
            zipped = True
        elif "gzip" in accept:
            return None  # weighted preferences: let the app read them
        else:
            zipped = False
        return "200 OK", self._headers(entry, zipped, headers), \
            entry.gzipped if zipped else entry.body

    def _headers(self, entry: CachedResponse, zipped: bool, headers: list) -> list:
        """The URL's headers and the entry's, made once per entry, encoding and max-age second
        (a copy of it for each answer)."""
        max_age = entry.max_age()
        made = self._made.get((id(headers), zipped))
        if made is not None and made[0] is entry and made[1] == max_age and made[3] is headers:
            return list(made[2])
        body = entry.gzipped if zipped else entry.body
        own = [("ETag", entry.etag), ("Cache-Control", f"public, max-age={max_age}")]
        if zipped:
            own.append(("Content-Encoding", "gzip"))
        own.append(("Content-Length", str(len(body))))
        if len(self._made) >= 2 * self.MAX_URLS:
            self._made.clear()
        full = headers + own
        self._made[(id(headers), zipped)] = (entry, max_age, full, headers)
        return list(full)

    def _within_limit(self, environ, scope: str) -> bool:
        # The same count as the route's (client_address() is this REMOTE_ADDR, set by
        # ProxyFix), without a request context: no routing, no session, no hooks; a call
        # counted ahead in this process's lease on Redis needs no app context either.
        address = environ.get("REMOTE_ADDR") or "unknown"
        if leased(self.app, scope, address):
            return True
        with self.app.app_context():
            try:
                limit(scope, key=address)
            except RateLimited:
                return False  # the app counts it again and answers 429 in its own shape
        return True

    def _through_app(self, environ, start_response, url):
        seen: list = []

        def capture(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        note = environ.get(self.NOTE)
        if note is not None and seen and seen[0].startswith("200"):
            if len(self._urls) >= self.MAX_URLS:
                self._urls.clear()
            key, rate_limit = note
            self._urls[url] = (key, rate_limit,
                               [(k, v) for k, v in seen[1] if k.lower() not in self.OWN])
        return result


def init_app(app: Flask) -> None:
    """Answer repeated public reads from the response cache before the app (``ReadyHits``)."""
    app.wsgi_app = ReadyHits(app.wsgi_app, app)
