"""CoWIN's public rate limit holds across gunicorn workers when they share Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
import urllib.error
import urllib.request

import pytest

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_limit_is_shared_by_two_gunicorn_workers(database_url, redis_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_REDIS_URL": redis_url,
           "COWIN_KIT_RATE_LIMIT_PUBLIC": "30 per 1 minute", "COWIN_KIT_SECRET_KEY": "t",
           "COWIN_KIT_INSTANCE_DIR": str(tmp_path),
           # Other test runs on this machine may share the Redis server: keep our own keys.
           "COWIN_KIT_CACHE_PREFIX": f"test-{uuid.uuid4().hex}:"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "cowin_kit.wsgi:app"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if _status(f"{base}/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        # New connections each time: gunicorn spreads them over both workers.
        codes = [_status(f"{base}/api/v2/admin/location/states") for _ in range(45)]
        assert codes.count(200) == 30, codes
        assert set(codes[30:]) == {429}
        # The limit is per address and per endpoint family, not global: health still answers.
        assert _status(f"{base}/healthz") == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_limit_applies_in_process_without_redis(make_app):
    app = make_app(RATE_LIMIT_PUBLIC="3 per 1 minute")
    client = app.test_client()
    codes = [client.get("/api/v2/admin/location/states").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    body = client.get("/api/v2/admin/location/states").get_json()
    assert body["errorCode"] == "USRRES0429" and body["error"]
