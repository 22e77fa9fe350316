"""Booking attempts for a session known full, refused before Flask (``FullSessionRefusals``).

On a rush day most attempts are for a session already full (2,000 people for 500 doses: 1,500
refusals). ``full_sessions`` spares them the database; this WSGI layer spares them Flask too: a
``POST /api/kit/v1/appointments`` whose bearer token has a good signature and whose session is
flagged full is answered with the app's own 409 ``SESSION_FULL``, replayed byte for byte.

The answer replayed is one the app gave: the first flagged refusal for a given language and
scheme goes through the app, which notes it (``full_sessions.REFUSED``); its status, headers
(security headers included) and body are kept and sent again, less what belongs to one answer
(``Date``, ``Server``; ``X-Request-ID`` is added outside; one that sets a cookie is not kept).
Only a request that the app would refuse the same way takes this path: a JSON body the app's
checks accept (``BookArgs``, ``check_input``), a bearer token with a good signature and expiry
(``accounts.tokens.signature_holds``: one HMAC; a forged or expired one goes through the app
and is answered 401 by it), no Idempotency-Key (a retry may have taken the last dose: the app
looks for its appointment first), no cookie, no query string. Anything else goes through the
app unchanged; a flag voided by a freed dose is seen at once, since every attempt reads it
from Redis (one ``MGET``)."""

from __future__ import annotations

import io
import json
import re

from flask import Flask

from cowin_kit.accounts.tokens import signature_holds
from cowin_kit.booking import full_sessions

PATH = "/api/kit/v1/appointments"
#: ``BookArgs``: the string fields with their maximum lengths, and the optional dose's range.
STRINGS = {"reference_id": 32, "session_id": 64, "slot": 32}
DOSES = range(1, 21)
#: Larger bodies go through the app (a booking's body is about 150 bytes).
MAX_BODY = 2048
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")  # ``web.requests.check_input`` refuses these
#: What the app's answer may depend on besides the route: language, scheme, format.
KEYS = ("wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO", "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT",
        "HTTP_ORIGIN")
#: Headers that belong to one answer (an answer that sets a cookie is never kept).
OWN = frozenset({"date", "server", "x-request-id"})


class FullSessionRefusals:
    """WSGI middleware: answer a booking attempt for a session flagged full with the app's own
    409, without the app (see module)."""

    MAX_ANSWERS = 64

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._answers: dict[tuple, tuple[str, list, bytes]] = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH:
            return self.wsgi_app(environ, start_response)
        session_id = self._plain(environ)
        if session_id is None:
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():
            # The flag first: an attempt that goes on to the app has its token checked there
            # (once a request); a forged or expired one goes on too, and the app answers 401.
            # One HMAC here (``signature_holds``), never looser than the app's PyJWT check.
            full = full_sessions.read(session_id, environ)[1] and signature_holds(
                environ["HTTP_AUTHORIZATION"][7:].strip())
        if not full:
            return self.wsgi_app(environ, start_response)
        key = tuple(environ.get(name) for name in KEYS)
        answer = self._answers.get(key)
        if answer is None:
            return self._learn(environ, start_response, key)
        status, headers, body = answer
        start_response(status, list(headers))
        return [body]

    def _plain(self, environ) -> str | None:
        """The session id of an attempt the app would check no further than its token and the
        flag before refusing (see module); None for anything else."""
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if (authorization[:7].lower() != "bearer " or not authorization[7:].strip()
                or "HTTP_IDEMPOTENCY_KEY" in environ or "HTTP_COOKIE" in environ
                or environ.get("QUERY_STRING") or "HTTP_TRANSFER_ENCODING" in environ
                or environ.get("CONTENT_TYPE", "").lower().replace(" ", "")
                not in ("application/json", "application/json;charset=utf-8")):
            return None
        length = environ.get("CONTENT_LENGTH", "")
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if not length.isdigit() or not 0 < int(length) <= MAX_BODY or (
                limit is not None and int(length) > limit):
            return None
        if any("\x00" in value for name, value in environ.items()
               if name.startswith("HTTP_") and isinstance(value, str)):
            return None
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)  # the app reads the same bytes
        if len(body) != int(length):
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict) or not data.keys() >= STRINGS.keys() or \
                not data.keys() <= {*STRINGS, "dose"}:
            return None
        for name, longest in STRINGS.items():
            value = data[name]
            if not isinstance(value, str) or not 0 < len(value) <= longest or \
                    _FORBIDDEN.search(value):
                return None
        dose = data.get("dose", 1)
        if type(dose) is not int or dose not in DOSES:
            return None
        return data["session_id"]

    def _learn(self, environ, start_response, key: tuple):
        """Through the app; its answer is kept when it was the refusal of a flagged session."""
        seen: list = []

        def capture(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if not (environ.get(full_sessions.REFUSED) and seen and seen[0].startswith("409")
                and not any(k.lower() == "set-cookie" for k, _v in seen[1])):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(self._answers) >= self.MAX_ANSWERS:
            self._answers.clear()
        self._answers[key] = (seen[0], [(k, v) for k, v in seen[1] if k.lower() not in OWN],
                              body)
        return [body]


def init_app(app: Flask) -> None:
    """Refuse booking attempts for sessions known full before the app (``booking.setup``)."""
    app.wsgi_app = FullSessionRefusals(app.wsgi_app, app)
