"""Access logs never hold personal data: no mobile or ID number reaches gunicorn's or nginx's log.

The desk looks people up by POST, and both access logs (deploy/gunicorn.conf.py, the nginx
example in deploy/nginx/) write paths without query strings, for the request and the Referer,
so even an old bookmark or a hand-typed URL with a number in it is logged without it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO
from tests.factories import PASSWORD, make_area, make_person, make_staff

VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
MOBILE = "9876543210"
ID_NUMBER = "499118665246"  # an Aadhaar-shaped number (Verhoeff check digit valid)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A tiny HTTP client that keeps the session cookie and never follows redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        send = dict(headers or {})
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            send["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=send)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), text


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def wait_until_up(port: int, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def desk_people(app, db):
    """A vaccinator at a facility, and a person reachable by mobile."""
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.booking.models import Facility

    area = make_area(db, "LOG-A")
    facility = Facility(code="LOG-F", name="Log Centre", area_id=area.id, fee_type="Free")
    db.session.add(facility)
    db.session.flush()
    make_staff(db, "vaccinator", "log-vac", facility=facility)
    account = CitizenAccount(mobile="+91" + MOBILE)
    db.session.add(account)
    db.session.flush()
    make_person(db, name="Ravi Log", account=account)
    db.session.commit()


@pytest.fixture
def gunicorn(database_url, desk_people, tmp_path):
    """The real gunicorn with deploy/gunicorn.conf.py serving this checkout; yields (port, log)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "COWIN_KIT_DATABASE_URL": database_url,
           "COWIN_KIT_SECRET_KEY": "access-log-test-secret-key-0123456789",
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_KEYS_DIR": str(tmp_path / "keys"),
           "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "instance"), "COWIN_KIT_REDIS_URL": "",
           "COWIN_KIT_SMS_BACKEND": "outbox", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"}
    env.pop("COWIN_KIT_ENV", None)
    with log.open("w") as out:
        server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c",
                                   str(REPO / "deploy" / "gunicorn.conf.py"), "cowin_kit.wsgi:app"],
                                  env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        wait_until_up(port, server, log)
        yield port, log, server
    finally:
        stop(server)


def test_gunicorn_access_log_holds_no_mobile_or_id_number(gunicorn, database_url):
    # database_url asked for here: the server process writes too, so every table is emptied.
    port, log, server = gunicorn
    browser = Browser(port)
    status, _, page = browser.request("GET", "/staff/login")
    assert status == 200
    status, _, _ = browser.request("POST", "/staff/login", form={
        "username": "log-vac", "password": PASSWORD, "csrf_token": token(page)})
    assert status == 302
    status, _, desk = browser.request("GET", "/desk/")
    assert status == 200
    # The desk's own look-up: the number goes in the POST body.
    status, headers, _ = browser.request("POST", "/desk/find", form={
        "q": MOBILE, "kind": "mobile", "csrf_token": token(desk)})
    assert status == 302 and "/desk/people/" in headers["Location"]  # the one person found
    # An old bookmark and a hand-typed URL with numbers in the query and in the Referer.
    referer = f"http://127.0.0.1:{port}/desk/find?q={ID_NUMBER}&kind=document"
    status, headers, _ = browser.request("GET", f"/desk/find?q={MOBILE}&kind=mobile",
                                         headers={"Referer": referer})
    assert status == 303 and MOBILE not in headers["Location"]
    stop(server)
    text = log.read_text()
    # gunicorn's access lines (the kit's own JSON lines are checked by tests/test_observability.py)
    finds = [line for line in text.splitlines() if "/desk/find" in line and not line.startswith("{")]
    assert len(finds) == 2, text[-3000:]  # the look-ups were logged ...
    # ... each with the request id the kit answered with, as in the kit's line of that request
    app_ids = {json.loads(line)["request_id"] for line in text.splitlines()
               if line.startswith("{") and '"route": "/desk/find"' in line}
    assert {line.rsplit(" ", 1)[-1] for line in finds} == app_ids and len(app_ids) == 2
    assert any('"POST /desk/find HTTP/1.1" 20' in line or '"POST /desk/find HTTP/1.1" 30' in line
               for line in finds), finds
    assert MOBILE not in text and ID_NUMBER not in text  # ... without the numbers
    assert "q=" not in text


def test_logger_strips_queries_whatever_the_format_asks_for(tmp_path):
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config

    from cowin_kit.core.accesslog import PrivateAccessLogger

    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", '"%(r)s" q=%(q)s "%(f)s" "%({referer}i)s" '
                                    '"%({raw_uri}e)s" "%({query_string}e)s" %(U)s')
    logger = PrivateAccessLogger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/desk/find?q={MOBILE}&kind=mobile",
               "PATH_INFO": "/desk/find", "QUERY_STRING": f"q={MOBILE}&kind=mobile",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": f"https://cowin.test/desk/find?q={ID_NUMBER}#top"}
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="303 SEE OTHER", headers=[], sent=0)
    logger.access(response, request, environ, dt.timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert line.startswith('"GET /desk/find HTTP/1.1" q=- "https://cowin.test/desk/find" '), line
    assert MOBILE not in line and ID_NUMBER not in line and "kind=" not in line


def test_demo_server_uses_the_same_logger(monkeypatch):
    from gunicorn.app.base import BaseApplication

    from cowin_kit.cli.demo import serve
    from cowin_kit.core.accesslog import PrivateAccessLogger

    seen = {}
    monkeypatch.setattr(BaseApplication, "run", lambda self: seen.update(cfg=self.cfg))
    serve("127.0.0.1", free_port(), 1, 1)
    assert seen["cfg"].logger_class is PrivateAccessLogger


@pytest.mark.skipif(not NGINX, reason="nginx is not installed (apt-get install nginx-core)")
def test_nginx_access_log_holds_no_query_string(tmp_path):
    """The example site's access log, through a running nginx (the upstream is absent: 502)."""
    site = (REPO / "deploy" / "nginx" / "cowin-kit.conf").read_text()
    port = free_port()
    upstream = free_port()  # nothing listens here
    site = (site.replace("server web:8000;", f"server 127.0.0.1:{upstream};")
            .replace("/var/log/nginx/", f"{tmp_path}/")
            .replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("listen [::]:80;", ""))
    # Only the plain-HTTP server is exercised (no certificate needed): drop the TLS one.
    site = site[:site.index("server {\n    # \"listen ... http2\"")]
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\n"
        f"events {{}}\nhttp {{\n  include {tmp_path}/site.conf;\n}}\n")
    log = tmp_path / "out.log"
    with log.open("w") as out:
        server = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(port, server, log)
        referer = f"http://cowin.test/desk/find?q={ID_NUMBER}"
        status, _, _ = Browser(port).request("GET", f"/healthz?mobile={MOBILE}",
                                             headers={"Referer": referer})
        assert status == 502  # proxied to the (absent) gunicorn, and logged
        status, _, _ = Browser(port).request("GET", f"/desk/find?q={MOBILE}&kind=mobile",
                                             headers={"Referer": referer})
        assert status == 301  # plain HTTP is sent on to HTTPS
    finally:
        stop(server)
    access = (tmp_path / "access.log").read_text()
    assert "GET /healthz HTTP/1.1" in access and "GET /desk/find HTTP/1.1" in access, access
    assert MOBILE not in access and ID_NUMBER not in access and "?" not in access, access
