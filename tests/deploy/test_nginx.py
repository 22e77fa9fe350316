"""deploy/nginx/cowin-kit.conf is accepted by nginx (`nginx -t`), with a throwaway certificate
and the compose upstream pointed at loopback. Runs where nginx is installed."""

from __future__ import annotations

import subprocess

import pytest

from tests.deploy.nginx import NGINX, make_tls, site_text, write_main_config


@pytest.mark.skipif(not NGINX, reason="nginx is not installed (apt-get install nginx-core)")
def test_nginx_accepts_the_example(tmp_path):
    site = site_text({"server web:8000;": "server 127.0.0.1:8000;"}, make_tls(tmp_path / "tls"))
    config = write_main_config(tmp_path, site)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
