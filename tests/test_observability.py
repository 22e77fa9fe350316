"""Request ids, JSON log lines and metrics across gunicorn workers (issue #25 item 3).

The flows' logs and business counters are checked in tests/operations/test_observability.py.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cowin_kit.config import ConfigError
from cowin_kit.core import metrics
from cowin_kit.core.logs import KitJsonFormatter, RequestContextFilter
from tests.deploy.test_smoke import free_port, get, wait_for

REPO = Path(__file__).resolve().parents[1]
FIELDS = {"time", "level", "logger", "message", "request_id", "method", "route"}


def request_lines(caplog) -> list[dict]:
    formatter = KitJsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "cowin_kit.request"]


def test_a_well_formed_request_id_is_kept_and_echoed(make_app, caplog):
    app = make_app()
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="cowin_kit"):
        response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:0042.x"})
        response.get_data()
    assert response.headers["X-Request-ID"] == "lb-7f3a:0042.x"
    [line] = request_lines(caplog)
    assert line["request_id"] == "lb-7f3a:0042.x"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/healthz", 200)
    assert line["duration"] >= 0


@pytest.mark.parametrize("given", ["", "has space", "x" * 65, "<script>", "ä-umlaut", "-leading"])
def test_an_ill_formed_request_id_is_replaced(make_app, caplog, given):
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="cowin_kit"):
        response = client.get("/healthz", headers={"X-Request-ID": given} if given else {})
        response.get_data()
    made = response.headers["X-Request-ID"]
    assert made != given and len(made) == 32 and int(made, 16) >= 0
    assert request_lines(caplog)[0]["request_id"] == made


def test_every_line_of_a_request_carries_its_id(make_app, caplog):
    """A line logged by a handler, and the closing line, name the same request."""
    app = make_app()

    @app.get("/boom-for-test")
    def boom():
        logging.getLogger("cowin_kit.test").warning("inside the handler")
        raise RuntimeError("boom")

    with caplog.at_level(logging.INFO, logger="cowin_kit"):
        response = app.test_client().get("/boom-for-test", headers={"X-Request-ID": "req-1"})
        assert response.status_code == 500
        response.get_data()
    formatter, context = KitJsonFormatter(), RequestContextFilter()
    lines = []
    for record in caplog.records:
        context.filter(record)
        lines.append(json.loads(formatter.format(record)))
    assert {line["request_id"] for line in lines} == {"req-1"}
    handler = next(line for line in lines if line["message"] == "inside the handler")
    assert handler["route"] == "/boom-for-test" and handler["level"] == "WARNING"
    error = next(line for line in lines if line["message"].startswith("unhandled error"))
    assert error["message"] == "unhandled error on GET /boom-for-test" and "exc_info" in error
    assert lines[-1]["status"] == 500


def test_log_lines_are_one_json_object_each_on_stderr(make_app, monkeypatch):
    """What the container runtime reads: INFO lines (dropped before: nothing configured the app's
    loggers), one JSON object per line with the documented fields."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    client = make_app().test_client()
    client.get("/healthz", headers={"X-Request-ID": "abc"}).get_data()
    logging.getLogger("cowin_kit.somewhere").info("multi\nline")
    lines = stream.getvalue().splitlines()
    parsed = [json.loads(line) for line in lines]
    request = next(p for p in parsed if p["logger"] == "cowin_kit.request")
    assert FIELDS | {"status", "duration"} <= set(request)
    assert request["time"].endswith("Z") and request["level"] == "INFO"
    outside = next(p for p in parsed if p["logger"] == "cowin_kit.somewhere")
    assert outside["message"] == "multi\nline" and outside["request_id"] is None


def test_text_format_and_bad_settings(make_app, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    make_app(LOG_FORMAT="text").test_client().get("/healthz").get_data()
    assert "INFO cowin_kit.request [" in stream.getvalue()
    for bad in ({"LOG_FORMAT": "xml"}, {"LOG_LEVEL": "LOUD"}):
        with pytest.raises(ConfigError):
            make_app(**bad)
    make_app()  # back to JSON for the tests after this one


def test_requests_are_counted_by_rule_and_status(make_app):
    app = make_app()
    client = app.test_client()

    def count(route, status):
        return metrics.REQUESTS.labels(route, "GET", status)._value.get()

    before = count("/healthz", "200"), count("<unmatched>", "404")
    client.get("/healthz").get_data()
    client.get("/no-such-page-12345").get_data()
    assert (count("/healthz", "200"), count("<unmatched>", "404")) == (before[0] + 1, before[1] + 1)
    text = client.get("/metrics").get_data(as_text=True)
    assert "12345" not in text and 'route="/healthz"' in text


def test_a_path_is_matched_against_the_url_map_once(make_app, monkeypatch):
    """The rule a path matched is remembered (a repeated public read is answered in less time
    than the match takes); paths no rule matches are not, so scanners cannot fill the memory."""
    from cowin_kit.web.observe import RequestObserver

    app = make_app()
    observer = app.wsgi_app
    assert isinstance(observer, RequestObserver)
    matched: list[str] = []
    match = observer._match
    monkeypatch.setattr(observer, "_match", lambda environ: matched.append(
        environ["PATH_INFO"]) or match(environ))
    client = app.test_client()
    before = metrics.REQUESTS.labels("/healthz", "GET", "200")._value.get()
    for _ in range(3):
        client.get("/healthz").get_data()
        client.get("/no-such-page-67890").get_data()
    assert matched == ["/healthz"] + ["/no-such-page-67890"] * 3
    assert metrics.REQUESTS.labels("/healthz", "GET", "200")._value.get() == before + 3
    assert all("/no-such-page" not in key[3] for key in observer._routes)
    # Another method is another request kind: matched once more.
    client.post("/healthz").get_data()
    assert matched[-1] == "/healthz" and len(matched) == 5


def _scrape(url: str) -> dict[tuple, float]:
    status, body = get(url)
    assert status == 200, body
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def test_gunicorn_workers_add_up(tmp_path):
    """deploy/gunicorn.conf.py with two workers recycled every ~10 requests: 60 requests (to
    paths no route matches, counted as <unmatched>) go to
    more processes than the two alive at a time, and /metrics (answered by any one worker) counts all 60; the live
    gauges of the recycled workers are gone (child_exit)."""
    port = free_port()
    folder = tmp_path / "metrics"
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "2", "GUNICORN_MAX_REQUESTS": "10",
           "PROMETHEUS_MULTIPROC_DIR": str(folder), "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "i"),
           "COWIN_KIT_DATABASE_URL": f"sqlite:///{tmp_path / 'kit.sqlite3'}"}
    env.pop("COWIN_KIT_ENV", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(REPO / "deploy" / "gunicorn.conf.py"),
             "cowin_kit.wsgi:app"], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", lambda status: status == 200, 60, server, log)
        # Paths no route matches: nothing else (the start-up polls above) is counted with them.
        key = ("cowin_kit_http_requests_total",
               (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))
        start = 0
        with ThreadPoolExecutor(4) as pool:
            # A recycled worker's successor imports the kit before it answers: on a loaded
            # machine that takes longer than get()'s default 5 s, and a timeout is not the
            # behaviour tested here.
            statuses = list(pool.map(lambda n: get(f"{base}/no-such-page-{n}", timeout=60)[0],
                                     range(60)))
        assert statuses == [404] * 60
        pids = {name.split("_")[-1] for name in os.listdir(folder) if name.startswith("counter_")}
        assert len(pids) >= 3, sorted(os.listdir(folder))  # recycled workers among them
        deadline = time.monotonic() + 30
        while True:  # a worker finishing its last response may still be writing its files
            scraped = _scrape(f"{base}/metrics")
            if scraped.get(key, 0) - start == 60 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert scraped[key] - start == 60
        assert scraped[("cowin_kit_http_request_duration_seconds_count",
                        (("method", "GET"), ("route", "<unmatched>")))] == 60
        live = {name for name in os.listdir(folder) if name.startswith("gauge_livesum_")}
        assert len(live) <= 3, live  # the master and the two workers alive now
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0, log.read_text()[-3000:]


def test_database_errors_name_no_values(make_app):
    """An error's text is logged (core.errors): it must not carry the statement's values."""
    import sqlalchemy as sa

    from cowin_kit.core.db import db

    app = make_app()
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as caught:
            db.session.execute(sa.text("SELECT * FROM no_such_table WHERE mobile = :m"),
                               {"m": "+919812345670"})
        db.session.rollback()
    assert "9812345670" not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_database_error_details_lose_their_values_in_log_lines(make_app, caplog):
    """PostgreSQL quotes a row's values in some error details (hide_parameters does not reach
    them): the log line keeps the detail's shape without the values."""
    from cowin_kit.core.logs import KitJsonFormatter, RequestContextFilter

    try:
        raise RuntimeError('duplicate key value violates unique constraint "uq_mobile"\n'
                           "DETAIL:  Key (mobile)=(+919812345670) already exists.")
    except RuntimeError:
        record = logging.LogRecord("cowin_kit.test", logging.ERROR, __file__, 1,
                                   "failed: Failing row contains (7, Parvati, 1970).", (),
                                   sys.exc_info())
    RequestContextFilter().filter(record)
    line = json.loads(KitJsonFormatter().format(record))
    assert line["message"] == "failed: Failing row contains (…)."
    assert "Key (mobile)=(…) already exists." in line["exc_info"]
    assert "9812345670" not in json.dumps(line) and "Parvati" not in json.dumps(line)
