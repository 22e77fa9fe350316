"""The kit's logs: one JSON object per line, each with the request it belongs to.

``configure_logging(app)`` (called by ``create_app``) gives the ``cowin_kit`` loggers — every
module's ``logging.getLogger(__name__)`` and ``app.logger`` — one handler on standard error at
``LOG_LEVEL`` (INFO by default; before, INFO was dropped because nothing configured them).
``LOG_FORMAT`` is ``json`` (default) or ``text`` (a readable line for a developer's terminal).

A JSON line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, and
``request_id``, ``method``, ``route`` of the request being answered (null outside one: start-up,
background SMS threads, commands); the line that closes a request (logger
``cowin_kit.request``) adds ``status`` and ``duration`` (seconds). ``route`` is the URL rule
(``/desk/beneficiary/<ref>``), never the path a client sent, so no reference number, mobile or
query string reaches a log from there; an exception adds ``exc_info`` (its traceback).

The request id is the caller's ``X-Request-ID`` when it is well formed (1-64 characters of
letters, digits and ``-_.:``, as proxies and load balancers make them), else a new random one;
it is echoed in the response's ``X-Request-ID`` so a citizen's or integrator's report can be
found in the logs (``RequestObserver`` in ``cowin_kit.web.observe`` sets it).

No personal data in any line: code logs ids of records, counts and outcomes, never a mobile
number, identity number, name or OTP (``tests/test_logs.py`` drives the citizen and desk flows
and checks every record).
"""

from __future__ import annotations

import atexit
import collections
import contextvars
import datetime as dt
import json
import logging
import math
import os
import re
import select
import sys
import threading
import time
from dataclasses import dataclass

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

from cowin_kit.config import ConfigError

#: The request being answered by this thread (set and reset by the WSGI middleware).
CURRENT: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "cowin_kit_request", default=None)
#: A caller's X-Request-ID is kept when it looks like an id (no spaces, no control characters).
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("json", "text")
HANDLER_MARK = "_cowin_kit_handler"
#: Bytes a pipe writes without interleaving them with another writer's (POSIX: at least 512;
#: Linux: 4096).
PIPE_BUF = getattr(select, "PIPE_BUF", 512)


@dataclass
class RequestInfo:
    request_id: str
    method: str
    route: str


def well_formed(request_id: str | None) -> bool:
    return bool(request_id) and REQUEST_ID.fullmatch(request_id) is not None


class RequestContextFilter(logging.Filter):
    """Adds request_id, method and route of the current request (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = CURRENT.get()
        for name in ("request_id", "method", "route"):
            if not hasattr(record, name):
                setattr(record, name, getattr(info, name) if info is not None else None)
        return True


#: PostgreSQL repeats a row's values in some error details ("Key (mobile)=(+91...) already
#: exists", "Failing row contains (...)"); hide_parameters (config.py) does not reach those.
DETAIL_VALUES = re.compile(r"(Key \([^)]*\)=\().*?(\) )|(Failing row contains \().*?(\)\.?)$",
                           re.MULTILINE)


def without_values(text: str) -> str:
    """``text`` with the row values a database error detail quotes replaced by ``…``."""
    return DETAIL_VALUES.sub(lambda m: (m[1] or m[3]) + "…" + (m[2] or m[4]), text)


class RedactingFormatterMixin:
    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return without_values(super().formatException(ei))

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        return without_values(super().formatMessage(record))


class RequestLine(logging.LogRecord):
    """The record that closes a request (``cowin_kit.request``, made by ``web.observe``): its
    attributes are the usual ones plus ``request_id``, ``method``, ``route``, ``status`` and
    ``duration``, so ``KitJsonFormatter`` writes it from pre-formatted parts (the same text the
    general path makes, about a tenth of its time: it is written once per request)."""

    def __init__(self, name: str, info: RequestInfo, status: int | str, duration: float,
                 pathname: str = __file__) -> None:
        super().__init__(name, logging.INFO, pathname, 0, "%s %s %s",
                         (info.method, info.route, status), None)
        self.request_id, self.method, self.route = info.request_id, info.method, info.route
        self.status, self.duration = status, duration


#: json.dumps(text, ensure_ascii=False) of one string (what the formatter's json.dumps does).
_json_text = json.encoder.encode_basestring
#: Parts of request lines a process has written (bounded: cleared when full).
PARTS_KEPT = 4096


class KitJsonFormatter(RedactingFormatterMixin, JsonFormatter):
    """JSON with the kit's field names and UTC timestamps with milliseconds."""

    FIELDS = ("asctime", "levelname", "name", "message", "request_id", "method", "route")

    def __init__(self) -> None:
        super().__init__(list(self.FIELDS),
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)
        self._parts: dict[tuple, tuple[str, str]] = {}
        self._second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        if type(record) is RequestLine and not (record.exc_info or record.exc_text
                                                or record.stack_info):
            return self._request_line(record)
        return super().format(record)

    def _request_line(self, record: RequestLine) -> str:
        """The general path's text for a ``RequestLine``: the fields in the same order and the
        same encoding, from parts made once per level, logger, message and route."""
        record.message = message = record.getMessage()
        name = (record.levelname, record.name, message, record.method, record.route)
        parts = self._parts.get(name)
        if parts is None:
            if len(self._parts) >= PARTS_KEPT:
                self._parts.clear()
            parts = self._parts[name] = (
                f'", "level": {_json_text(record.levelname)}, "logger": {_json_text(record.name)}'
                f', "message": {_json_text(without_values(message))}, "request_id": ',
                f', "method": {_json_text(record.method)}, "route": {_json_text(record.route)}'
                ', "status": ')
        request_id, status, duration = record.request_id, record.status, record.duration
        return "".join((
            '{"time": "', self._time(record.created), parts[0],
            "null" if request_id is None else _json_text(request_id), parts[1],
            str(status) if type(status) is int else json.dumps(status, ensure_ascii=False),
            ', "duration": ',
            repr(duration) if type(duration) is float and math.isfinite(duration)
            else json.dumps(duration), "}"))

    def _time(self, created: float) -> str:
        """``formatTime``'s text for ``created``, its second formatted once."""
        # datetime.fromtimestamp rounds to the microsecond (half even), isoformat truncates.
        fraction, whole = math.modf(created)
        micros = round(fraction * 1e6)
        if micros >= 1_000_000:
            whole, micros = whole + 1, micros - 1_000_000
        second, text = self._second
        if second != whole:
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
            self._second = (int(whole), text)
        return f"{text}.{micros // 1000:03d}Z"

    def process_log_record(self, log_record: dict) -> dict:
        if isinstance(log_record.get("message"), str):
            log_record["message"] = without_values(log_record["message"])
        return super().process_log_record(log_record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(RedactingFormatterMixin, logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


class _LineWriter:
    """Lines for the process's standard error, written together by one thread.

    A request's closing line used to be one ``write`` of its own: under gunicorn's threads that
    system call lets go of the GIL, and getting it back can wait for a busy thread's switch
    interval, once per request. Here a line is queued and this writer, every ``EVERY`` seconds,
    writes what is queued in as few ``write`` calls as fit in ``PIPE_BUF`` bytes each, cut at
    line ends, so each line still reaches the pipe whole and never interleaved with another
    process's (gunicorn's workers share it). Lines keep their order. A line at WARNING or above
    is written at once, after what is queued (``flush``); what is queued is written when the
    process exits (``atexit``); a forked child drops its parent's queue (the parent writes it)."""

    EVERY = 0.05

    def __init__(self) -> None:
        self._lines: collections.deque[bytes] = collections.deque()
        self._lock = threading.Lock()  # one writer at a time: lines keep their order
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self._lines.clear()
        self._lock = threading.Lock()
        self._thread = None

    def put(self, data: bytes) -> None:
        self._lines.append(data)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True,
                                                    name="cowin-kit-log-writer")
                    self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.EVERY)
            if self._lines:
                self.flush()

    def flush(self, then: bytes = b"") -> None:
        """Write every queued line (then ``then``, a line of its own) to standard error."""
        with self._lock:
            try:
                fd = sys.__stderr__.fileno()
            except (AttributeError, OSError, ValueError):
                self._lines.clear()
                return
            chunk: list[bytes] = []
            size = 0
            lines = self._lines
            while lines:
                data = lines.popleft()
                if chunk and size + len(data) > PIPE_BUF:
                    _write_all(fd, b"".join(chunk))
                    chunk, size = [], 0
                chunk.append(data)
                size += len(data)
            if chunk:
                _write_all(fd, b"".join(chunk))
            if then:
                _write_all(fd, then)


def _write_all(fd: int, data: bytes) -> None:
    written = 0
    try:
        while written < len(data):  # one call, but a regular file may take less
            written += os.write(fd, data[written:])
    except OSError:
        pass  # standard error is gone (a closed pipe): nothing else to tell it to


_LINES = _LineWriter()


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass

    def handle(self, record: logging.LogRecord):
        """``Handler.handle`` with the line formatted before any lock is taken, and a line for
        the process's standard error handed whole to ``_LineWriter`` without the lock
        (gunicorn's threads write a line per request each); other streams under the lock, as
        before."""
        passed = self.filter(record)
        if passed:
            try:
                line = self.format(record) + self.terminator
            except Exception:  # noqa: BLE001 - logging's own policy: report, never raise
                self.handleError(record)
                return passed
            stream = self.stream
            if stream is sys.__stderr__:
                if self._to_line_writer(stream, line, record.levelno):
                    return passed
                _LINES.flush()  # what is queued goes first
            with self.lock:
                try:
                    stream.write(line)
                    stream.flush()
                except RecursionError:
                    raise
                except Exception:  # noqa: BLE001
                    self.handleError(record)
        return passed

    @staticmethod
    def _to_line_writer(stream, line: str, level: int = logging.INFO) -> bool:
        """Hand ``line`` for the process's standard error to the line writer when it fits in
        ``PIPE_BUF`` (a pipe's writes that size are never interleaved with another writer's):
        queued below WARNING, written at once from WARNING up; False when it does not fit or
        cannot be encoded (the usual path writes, or reports, it)."""
        try:
            data = line.encode(stream.encoding or "utf-8", stream.errors or "strict")
        except (UnicodeError, LookupError):
            return False
        if len(data) > PIPE_BUF:
            return False
        if level >= logging.WARNING:
            _LINES.flush(then=data)
        else:
            _LINES.put(data)
        return True


def configure_logging(app: Flask) -> None:
    """Give the ``cowin_kit`` loggers the kit's handler and level (once per process; a later
    app with other settings replaces the format and level)."""
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    form = str(app.config.get("LOG_FORMAT") or "json").lower()
    if level not in LEVELS:
        raise ConfigError(f"COWIN_KIT_LOG_LEVEL is {level!r}: use one of {', '.join(LEVELS)}")
    if form not in FORMATS:
        raise ConfigError(f"COWIN_KIT_LOG_FORMAT is {form!r}: use json or text")
    logger = logging.getLogger("cowin_kit")
    handler = next((h for h in logger.handlers if getattr(h, HANDLER_MARK, False)), None)
    if handler is None:
        handler = StderrHandler()
        setattr(handler, HANDLER_MARK, True)
        handler.addFilter(RequestContextFilter())
        logger.addHandler(handler)
    handler.setFormatter(KitJsonFormatter() if form == "json" else TextFormatter())
    logger.setLevel(level)
