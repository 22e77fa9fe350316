"""deploy/nginx/cowin-kit.conf is accepted by nginx (`nginx -t`), with a throwaway certificate
and the compose upstream pointed at loopback. Runs where nginx is installed."""

from __future__ import annotations

import subprocess

import pytest

from tests.deploy.nginx import NGINX, SITE, make_tls, site_text, write_main_config


@pytest.mark.skipif(not NGINX, reason="nginx is not installed (apt-get install nginx-core)")
def test_nginx_accepts_the_example(tmp_path):
    site = site_text({"server web:8000;": "server 127.0.0.1:8000;"}, make_tls(tmp_path / "tls"))
    config = write_main_config(tmp_path, site)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


HTTP_SITE = SITE.parent / "cowin-kit-http.conf"


@pytest.mark.skipif(not NGINX, reason="nginx is not installed (apt-get install nginx-core)")
def test_nginx_accepts_the_http_only_site(tmp_path):
    """The HTTP-only site (TLS ended in front, or no certificate yet) needs no certificate."""
    site = HTTP_SITE.read_text().replace("server web:8000;", "server 127.0.0.1:8000;")
    assert "ssl" not in site and "listen 443" not in site
    config = write_main_config(tmp_path, site)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _blocks(text: str) -> tuple[list[str], list[str]]:
    """(lines outside the server blocks, each location block), comments and blank lines
    dropped."""
    lines = [line.split(" #", 1)[0].strip() for line in text.splitlines()]
    top, locations, depth, server, current = [], [], 0, False, None
    for line in filter(lambda line: line and not line.startswith("#"), lines):
        server = server or (depth == 0 and line == "server {")
        if server and depth == 1 and line.startswith("location"):
            current = []
        if current is not None:
            current.append(line)
        elif not server:
            top.append(line)
        depth += line.count("{") - line.count("}")
        if current is not None and depth == 1:
            locations.append("\n".join(current))
            current = None
        server = server and depth > 0
    return top, locations


def test_http_only_site_matches_the_tls_site_but_for_tls():
    """Same upstream, rate limit, private log format and proxy settings as cowin-kit.conf; only
    TLS (and the scheme passed on from the balancer in front) differ."""
    tls_top, tls_locations = _blocks(SITE.read_text())
    http_top, http_locations = _blocks(HTTP_SITE.read_text())
    scheme_map = ["map $http_x_forwarded_proto $cowin_forwarded_proto {",
                  "default $http_x_forwarded_proto;", '""      $scheme;', "}"]
    start = http_top.index(scheme_map[0])
    assert http_top[start:start + 4] == scheme_map
    assert http_top[:start] + http_top[start + 4:] == tls_top
    proxied = [b.replace("X-Forwarded-Proto $cowin_forwarded_proto", "X-Forwarded-Proto $scheme")
               for b in http_locations]
    assert proxied == [b for b in tls_locations if "return 301" not in b and "healthz" not in b]
