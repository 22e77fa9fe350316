"""Behind a real nginx (the example site, deploy/nginx/cowin-kit.conf) in front of gunicorn
(deploy/gunicorn.conf.py, two workers sharing Redis) with COWIN_KIT_TRUSTED_PROXIES=1, each
citizen is counted as themselves: 150 clients from 150 loopback addresses all get answers, one
client making 230 calls is limited after RATE_LIMIT_PUBLIC (100) whatever X-Forwarded-For it
writes, and the audit log records the client's address, not nginx's.

Before COWIN_KIT_TRUSTED_PROXIES every request counted against nginx's own address: after the
first 100 calls in 5 minutes the whole country was refused."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.deploy.conftest import REPO
from tests.deploy.nginx import make_tls, nginx_binary, site_text, write_main_config

PUBLIC_LIMIT = 100  # RATE_LIMIT_PUBLIC's default: 100 per 5 minutes
FIND_BY_PIN = "/api/v2/appointment/sessions/public/findByPin?pincode=110001&date={date}"
SECRET_KEY = "test-secret-key"  # the make_app fixture's, so its tokens are valid in gunicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """An HTTPS client of the nginx port whose connections come from one loopback address."""

    context = ssl._create_unverified_context()  # the throwaway certificate

    def __init__(self, port: int, address: str) -> None:
        self.connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                                      source_address=(address, 0),
                                                      context=self.context)

    def call(self, method: str, path: str, body: dict | None = None, headers=None):
        payload = json.dumps(body).encode() if body is not None else None
        self.connection.request(method, path, body=payload, headers={
            **({"Content-Type": "application/json"} if payload else {}), **(headers or {})})
        response = self.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def close(self) -> None:
        self.connection.close()


def _wait_until_served(port: int, processes: list[subprocess.Popen], seconds: float = 60):
    """Wait (bounded) until nginx answers /healthz from gunicorn; fail if a server exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, f"{process.args[:3]} exited with {process.returncode}"
        client = Client(port, "127.0.0.1")
        try:
            if client.call("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        finally:
            client.close()
        time.sleep(0.2)
    pytest.fail(f"nginx and gunicorn did not answer within {seconds} s")


@pytest.fixture
def proxied_kit(database_url, redis_url, tmp_path):
    """gunicorn (trusting one proxy) behind nginx on loopback ports; both stopped afterwards."""
    nginx = nginx_binary()
    upstream, https_port, http_port = _free_port(), _free_port(), _free_port()
    tls = make_tls(tmp_path / "tls")
    site = site_text({
        "server web:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "access_log /var/log/nginx/access.log": f"access_log {tmp_path}/access.log",
        # nginx's own coarse limit (20 r/s per address) would answer this test's fast loop
        # before the kit does; what is tested here is the kit's per-client limit.
        "limit_req zone=cowin_per_ip burst=40 nodelay;": "",
    }, tls)
    config = write_main_config(tmp_path, site)
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_REDIS_URL": redis_url,
           "COWIN_KIT_SECRET_KEY": SECRET_KEY, "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "instance"),
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_TRUSTED_PROXIES": "1",
           # Other runs may share the Redis server: keep this run's counters apart.
           "COWIN_KIT_CACHE_PREFIX": f"test-{uuid.uuid4().hex}:",
           "GUNICORN_BIND": f"127.0.0.1:{upstream}", "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "8"}
    env.pop("COWIN_KIT_ENV", None)
    logs = (tmp_path / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config",
                                 str(REPO / "deploy" / "gunicorn.conf.py"), "cowin_kit.wsgi:app"],
                                env=env, cwd=REPO, stdout=logs, stderr=subprocess.STDOUT)
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_served(https_port, [gunicorn, proxy])
        yield https_port
    finally:
        for process in (proxy, gunicorn):
            process.terminate()
        for process in (proxy, gunicorn):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        logs.close()


def _find_by_pin() -> str:
    return FIND_BY_PIN.format(date=dt.date.today().strftime("%d-%m-%Y"))


def _one_call(port: int, address: str) -> int:
    client = Client(port, address)
    try:
        return client.call("GET", _find_by_pin())[0]
    finally:
        client.close()


@pytest.mark.slow
def test_each_client_behind_nginx_has_its_own_limit(proxied_kit, make_app, database_url):
    # (database_url named here: gunicorn wrote to it, so every table is emptied afterwards.)
    port = proxied_kit
    addresses = [f"127.0.{1 + i // 200}.{1 + i % 200}" for i in range(150)]
    with ThreadPoolExecutor(max_workers=25) as pool:
        codes = list(pool.map(lambda address: _one_call(port, address), addresses))
    # Before: 100 answers, then every other citizen refused (all counted as nginx).
    assert codes == [200] * 150

    # One client, 230 calls on one connection, writing a new X-Forwarded-For each time (nginx
    # appends the real address, and only that last hop is trusted): limited after 100.
    greedy = Client(port, "127.0.9.9")
    try:
        answers = [greedy.call("GET", _find_by_pin(),
                               headers={"X-Forwarded-For": f"10.{i // 250}.{i % 250}.7"})
                   for i in range(230)]
    finally:
        greedy.close()
    assert [status for status, _, _ in answers] == [200] * PUBLIC_LIMIT + [429] * 130
    for _, headers, body in answers[PUBLIC_LIMIT:]:
        assert 0 < int(headers["Retry-After"]) <= 300  # the kit's 429, not nginx's
        assert json.loads(body)["errorCode"] == "USRRES0429"

    # The audit log names the citizen, not nginx (and not what the citizen wrote).
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token
    from cowin_kit.core.db import db
    from cowin_kit.core.models import AuditEntry
    from tests.citizen.helpers import aadhaar

    app = make_app(SECRET_KEY=SECRET_KEY)
    with app.app_context():
        account = CitizenAccount(mobile="+919876500077")
        db.session.add(account)
        db.session.commit()
        token = issue_token(account)
    citizen = Client(port, "127.0.7.7")
    try:
        status, _, body = citizen.call("POST", "/api/v2/registration/beneficiary/new", body={
            "name": "Asha Devi", "birth_year": 1980, "gender_id": "F", "photo_id_type": "aadhaar",
            "photo_id_number": aadhaar(77), "comorbidity_ind": "N"},
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.66"})
    finally:
        citizen.close()
    assert status == 200, body
    with app.app_context():
        ips = db.session.scalars(sa.select(AuditEntry.ip).where(
            AuditEntry.action == "beneficiary.create")).all()
    assert ips == ["127.0.7.7"]
