"""The line that closes each request is written from pre-formatted parts (``core.logs.RequestLine``,
issue #15: it was a third of a ready public hit's CPU) and must read exactly as before: the same
fields, order and encoding as the general JSON path, no query string, no personal data."""

from __future__ import annotations

import io
import json
import logging
import random
import sys

import pytest

from cowin_kit.core.logs import KitJsonFormatter, RequestInfo, RequestLine


def general(formatter: KitJsonFormatter, record: logging.LogRecord) -> str:
    """What python-json-logger's own path writes for ``record``."""
    return super(KitJsonFormatter, formatter).format(record)


@pytest.mark.parametrize("info,status,duration", [
    (RequestInfo("430574a02a2940eaa03fa61f1908ac97", "GET", "/api/v2/x/calendarByDistrict"),
     200, 2.9e-05),
    (RequestInfo("lb-7f3a:0042.x", "POST", "/desk/beneficiary/<ref>"), 409, 0.123456),
    (RequestInfo("r", "other", "<unmatched>"), 404, 0.0),
    (RequestInfo("r", "GET", "/ünïcode/\"quoted\"\\"), 500, 12.5),
    (RequestInfo("r", "GET", "Key (mobile)=(+919876543210) already"), 200, 1.0),
    (RequestInfo(None, "GET", "/healthz"), "5xx", 3e-06),
])
def test_a_request_line_reads_as_the_general_path_writes_it(info, status, duration):
    formatter = KitJsonFormatter()
    record = RequestLine("cowin_kit.request", info, status, duration)
    made = formatter.format(record)
    assert made == general(formatter, record)
    line = json.loads(made)
    assert (line["status"], line["duration"], line["route"]) == (status, duration, info.route)
    assert "9876543210" not in line["message"]  # a database detail's values hidden, as before


def test_the_time_matches_at_every_millisecond_edge():
    formatter = KitJsonFormatter()
    record = RequestLine("cowin_kit.request", RequestInfo("r", "GET", "/"), 200, 0.001)
    edges = [1796523317.0, 1796523317.9995, 1796523317.9999996, 1796523317.0004999,
             1796523317.0005, 1796523317.999, 1796531199.9999999]
    for created in edges + [random.uniform(1.7e9, 1.9e9) for _ in range(2000)]:
        record.created = created
        assert formatter.format(record) == general(formatter, record), created


def test_records_with_an_exception_take_the_general_path():
    formatter = KitJsonFormatter()
    record = RequestLine("cowin_kit.request", RequestInfo("r", "GET", "/"), 500, 0.5)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert "exc_info" in json.loads(formatter.format(record))


def test_a_ready_hit_writes_the_same_line_as_before(make_app, monkeypatch):
    """Through the app (the observer makes the record): one JSON line with every documented
    field; the URL's query string is in none of them."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    client = make_app().test_client()
    for _ in range(2):
        client.get("/healthz?mobile=9876543210", headers={"X-Request-ID": "abc"}).get_data()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "cowin_kit.request"]
    assert len(requests) == 2
    for line in requests:
        assert list(line) == ["time", "level", "logger", "message", "request_id", "method",
                              "route", "status", "duration"]
        assert (line["message"], line["request_id"], line["route"], line["status"]) == (
            "GET /healthz 200", "abc", "/healthz", 200)
    assert "9876543210" not in stream.getvalue()


def test_the_observer_writes_request_lines(make_app, caplog):
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="cowin_kit"):
        client.get("/healthz").get_data()
    [record] = [r for r in caplog.records if r.name == "cowin_kit.request"]
    assert type(record) is RequestLine and record.getMessage() == "GET /healthz 200"


def test_lines_are_formatted_before_the_handler_lock_is_taken(make_app, monkeypatch):
    """gunicorn's threads each write a line per request: the handler's lock is held for the
    write alone, so one thread's formatting never waits for another's write."""
    import threading

    from cowin_kit.core.logs import HANDLER_MARK

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    make_app()
    handler = next(h for h in logging.getLogger("cowin_kit").handlers
                   if getattr(h, HANDLER_MARK, False))
    formatted = threading.Event()
    real = handler.format
    monkeypatch.setattr(handler, "format", lambda record: formatted.set() or real(record))
    with handler.lock:  # another thread writing
        writer = threading.Thread(target=logging.getLogger("cowin_kit.t").warning, args=("x",))
        writer.start()
        assert formatted.wait(5)
        assert stream.getvalue() == ""
    writer.join(5)
    assert json.loads(stream.getvalue())["message"] == "x"


WRITER = r"""
import logging, sys, threading
from flask import Flask
from cowin_kit.core.logs import HANDLER_MARK, configure_logging
app = Flask("t"); app.config.update(LOG_LEVEL="INFO", LOG_FORMAT="json")
configure_logging(app)
handler = next(h for h in logging.getLogger("cowin_kit").handlers if getattr(h, HANDLER_MARK, 0))
log = logging.getLogger("cowin_kit.t")
with handler.lock:  # a line for the real stderr is written without waiting for the lock
    done = threading.Event()
    threading.Thread(target=lambda: (log.info("while locked"), done.set())).start()
    assert done.wait(5), "the line waited for the lock"
def work(n):
    for i in range(500):
        log.info("thread %s line %s %s", n, i, "x" * (i % 300))
threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
"""


def test_lines_to_the_real_stderr_are_whole_under_concurrency():
    """Standard error of a worker (a pipe to the container runtime): eight threads' lines
    written without the handler's lock are each one whole JSON object."""
    import subprocess
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", WRITER], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines[0]["message"] == "while locked"
    assert sorted(line["message"] for line in lines[1:]) == sorted(
        f"thread {n} line {i} {'x' * (i % 300)}" for n in range(8) for i in range(500))


BATCHED = r"""
import logging, os, sys, threading
from flask import Flask
from cowin_kit.core import logs
app = Flask("t"); app.config.update(LOG_LEVEL="INFO", LOG_FORMAT="json")
logs.configure_logging(app)
writes = []
real_write = os.write
def recording_write(fd, data):
    if fd == sys.__stderr__.fileno():
        writes.append(bytes(data))
    return real_write(fd, data)
os.write = recording_write
log = logging.getLogger("cowin_kit.t")
logs._LineWriter.EVERY = 3600  # the writer thread stays asleep: only flushes write
for i in range(300):
    log.info("line %s %s", i, "y" * (i % 50))
assert writes == [], "an INFO line was written at once"
log.warning("the warning")  # written at once, after every line queued before it
import json
assert writes and json.loads(writes[-1].splitlines()[-1])["message"] == "the warning"
assert all(len(w) <= logs.PIPE_BUF and w.endswith(b"\n") for w in writes)
sys.__stderr__.flush()
log.info("queued before the fork")
pid = os.fork()
if pid == 0:
    log.info("from the child")
    logs._LINES.flush()
    os._exit(0)
os.waitpid(pid, 0)
print(len(writes))
"""


def test_lines_to_the_real_stderr_are_written_together_in_order():
    """Request lines for the real stderr are queued and written several to a ``write`` (each
    write at most PIPE_BUF bytes, cut at line ends); a WARNING is written at once, after the
    lines queued before it; a forked child never writes its parent's queued lines; whatever is
    queued is written when the process exits."""
    import subprocess
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", BATCHED], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    messages = [json.loads(line)["message"] for line in done.stderr.splitlines()]
    lines = [f"line {i} {'y' * (i % 50)}" for i in range(300)]
    assert messages[:301] == [*lines, "the warning"]
    # The parent's queued line is written once (by the parent, at exit), the child's own once.
    assert sorted(messages[301:]) == ["from the child", "queued before the fork"]
    writes_before_the_fork = int(done.stdout)
    assert writes_before_the_fork < 300 / 10  # 301 lines in a handful of writes
