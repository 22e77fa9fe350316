"""deploy/nginx/cowin-kit.conf is accepted by nginx (`nginx -t`), with a throwaway certificate
and the compose upstream pointed at loopback. Runs where nginx is installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.deploy.conftest import REPO

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


@pytest.mark.skipif(not NGINX, reason="nginx is not installed (apt-get install nginx-core)")
def test_nginx_accepts_the_example(tmp_path):
    tls = tmp_path / "tls"
    tls.mkdir()
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                           "1", "-subj", "/CN=cowin-kit.test", "-keyout", str(tls / "privkey.pem"),
                           "-out", str(tls / "fullchain.pem")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    site = (REPO / "deploy" / "nginx" / "cowin-kit.conf").read_text()
    assert "server web:8000;" in site and "/etc/nginx/tls/" in site
    site = site.replace("server web:8000;", "server 127.0.0.1:8000;")
    (tmp_path / "site.conf").write_text(site.replace("/etc/nginx/tls/", f"{tls}/"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
