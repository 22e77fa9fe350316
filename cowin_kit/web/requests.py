"""The kit's request: untrusted input is refused at the door, and native digits become ASCII.

Before any handler runs (:func:`check_input`), a request is refused with a clear 400 when it
carries what no handler can parse or store: invalid JSON, JSON nested deeper than
MAX_JSON_DEPTH, NUL characters (PostgreSQL text cannot hold them) or lone UTF-16 surrogates
(not encodable as UTF-8) anywhere in the path, query, headers, form or JSON. Bodies over
MAX_CONTENT_LENGTH are a 413, chunked ones included. ``<int:…>`` URL parts are bounded to
what an ``INTEGER`` column holds (:class:`BoundedIntConverter`): a larger id is a 404.

Phones set to Arabic, Persian or Hindi type the locale's own digits into number fields. Form
fields and query parameters reach the domains with ASCII digits, so their checks (mobile
numbers, OTPs, codes, years) work whatever the keyboard. Passwords are left exactly as typed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Request, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from cowin_kit.core.errors import MalformedInput
from cowin_kit.core.i18n import DIGIT_ZEROS
from cowin_kit.core.inputs import INT32_MAX

#: JSON deeper than this is refused (the kit's documents nest 3-4 levels).
MAX_JSON_DEPTH = 64
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
#: Where a forbidden character was found, in the reader's words.
PLACES = {"path": _l("the address"), "query": _l("the query"), "header": _l("a header"),
          "form": _l("the form"), "json": _l("the JSON body")}
NOT_JSON = _l("The request body is not valid JSON. Please check its syntax and encoding (UTF-8).")

ASCII_DIGITS = str.maketrans({chr(ord(zero) + i): str(i)
                              for zero in DIGIT_ZEROS.values() if zero != "0"
                              for i in range(10)})
KEEP_AS_TYPED = ("password", "csrf")


def ascii_digits(data: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any(isinstance(v, str) and v.translate(ASCII_DIGITS) != v for v in data.values()):
        return data  # the common case: nothing to convert, keep the parsed object
    return ImmutableMultiDict([
        (key, value if any(word in key.lower() for word in KEEP_AS_TYPED)
         else value.translate(ASCII_DIGITS))
        for key, values in data.lists() for value in values])


class _MaxLengthStream(LimitedStream):
    """A chunked body read whole must fail with 413 past the limit, not end there silently
    (werkzeug's LimitedStream.readall stops at the limit without looking further)."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class KitRequest(Request):
    """Flask's request, with native digits of form fields and query parameters made ASCII,
    chunked bodies held to MAX_CONTENT_LENGTH, and JSON errors in the kit's words."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if (limit is not None and self.content_length is None
                and self.environ.get("wsgi.input_terminated")):
            return _MaxLengthStream(self.environ["wsgi.input"], limit, is_max=True)
        return get_input_stream(self.environ, safe_fallback=False, max_content_length=limit)

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise MalformedInput(NOT_JSON, code="INVALID_JSON")

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = ascii_digits(self.__dict__["form"])

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return ascii_digits(super().args)


def _refuse(text: str, where: str) -> None:
    """Raise MalformedInput if ``text`` holds a NUL character or a lone surrogate."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    if found.group() == "\x00":
        raise MalformedInput(_l("NUL characters are not accepted (found in %(where)s). Please "
                                "remove them and try again."),
                             code="NUL_CHARACTER", where=PLACES[where])
    raise MalformedInput(_l("Text must be valid Unicode: a lone surrogate was found in "
                            "%(where)s. Please send the text again as UTF-8."),
                         code="INVALID_CHARACTER", where=PLACES[where])


def _check_json(data: bytes) -> Any:
    """Parse a JSON body, refusing invalid JSON, depth over MAX_JSON_DEPTH and bad strings."""
    try:
        value = json.loads(data)
    except RecursionError:
        value, too_deep = None, True
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedInput(NOT_JSON, code="INVALID_JSON") from None
    else:
        too_deep = False
    pending = [(value, 1)]
    while pending and not too_deep:  # iterative: the depth check itself must not recurse
        item, depth = pending.pop()
        if isinstance(item, dict):
            too_deep = depth > MAX_JSON_DEPTH
            for key, child in item.items():
                _refuse(key, "json")
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            too_deep = depth > MAX_JSON_DEPTH
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _refuse(item, "json")
    if too_deep:
        raise MalformedInput(_l("The JSON body is nested too deeply (at most %(depth)s "
                                "levels). Please send a flatter document."),
                             code="JSON_TOO_DEEP", depth=MAX_JSON_DEPTH)
    return value


#: Paths whose bodies are JSON whatever the Content-Type says: CoWIN accepted a JSON body sent
#: without ``application/json`` (Go's http.Post with no type, curl -d's form type), and clients
#: written against it still send them so.
UNTYPED_JSON_PREFIXES = ("/api/v2/",)


def _untyped_json(req: Request) -> bool:
    """A body on an UNTYPED_JSON_PREFIXES path that is meant as JSON: no Content-Type, or
    another one (curl -d says form-urlencoded), with a body starting like a JSON document
    (``{`` or ``[``). It is then held to every JSON check (syntax, depth, NUL, surrogates)
    exactly like a typed one."""
    if not req.path.startswith(UNTYPED_JSON_PREFIXES) or req.method in ("GET", "HEAD"):
        return False
    return req.get_data(cache=True).lstrip()[:1] in (b"{", b"[")


def check_input() -> None:
    """Refuse, before any handler, a request no handler could parse or store (see module)."""
    _refuse(request.path, "path")
    for key, value in request.args.items(multi=True):
        _refuse(key + value, "query")
    for key, value in request.headers.items():
        _refuse(key + value, "header")
    if request.is_json or _untyped_json(request):
        data = request.get_data(cache=True)
        if data.strip():
            value = _check_json(data)
            request._cached_json = (value, value)  # parsed once; get_json() reuses it
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            _refuse(key + value, "form")
        for key, upload in request.files.items(multi=True):
            _refuse(key + (upload.filename or ""), "form")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` bounded to what an INTEGER column holds: a larger number is no route (404)
    instead of a driver error. A rule may still narrow it, e.g. ``<int(max=99):n>``."""

    def __init__(self, map, *args, max: int | None = INT32_MAX, **kwargs) -> None:  # noqa: A002
        super().__init__(map, *args, max=max, **kwargs)


def init_app(app: Flask) -> None:
    """Install the request class and its input check (first of all before-request hooks:
    rate limits, CSRF and sign-in checks must not see what the database cannot store)."""
    app.request_class = KitRequest
    app.before_request_funcs.setdefault(None, []).insert(0, check_input)


def install_converters(app: Flask) -> None:
    """Bound ``<int:…>``: called before any blueprint adds its URL rules."""
    app.url_map.converters["int"] = BoundedIntConverter
