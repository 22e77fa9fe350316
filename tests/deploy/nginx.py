"""The example nginx site (deploy/nginx/cowin-kit.conf) made runnable on loopback: a throwaway
certificate, the upstream and listen addresses replaced, a minimal main nginx.conf."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
SITE = REPO / "deploy" / "nginx" / "cowin-kit.conf"


def nginx_binary() -> str:
    """The nginx binary; under CI its absence fails (.ci/run installs nginx-core), else skips."""
    if NGINX:
        return NGINX
    message = "nginx is not installed (apt-get install nginx-core; .ci/run does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def make_tls(folder: Path) -> Path:
    """A self-signed certificate for one day: folder/fullchain.pem and folder/privkey.pem."""
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                           "1", "-subj", "/CN=cowin-kit.test", "-keyout", str(folder / "privkey.pem"),
                           "-out", str(folder / "fullchain.pem")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    return folder


def site_text(replacements: dict[str, str], tls: Path) -> str:
    """The example site with every ``old`` replaced by its ``new`` (each must occur, so a change
    of the example is noticed here) and the certificate paths pointed at ``tls``."""
    site = SITE.read_text()
    for old, new in replacements.items():
        assert old in site, f"{SITE.name} no longer has {old!r}"
        site = site.replace(old, new)
    assert "/etc/nginx/tls/" in site
    return site.replace("/etc/nginx/tls/", f"{tls}/")


def write_main_config(folder: Path, site: str) -> Path:
    """folder/nginx.conf including the site, logging errors and its pid inside folder."""
    (folder / "site.conf").write_text(site)
    # As root, nginx workers switch to "nobody", who could not use the private temp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"events {{}}\nhttp {{\n  access_log off;\n  include {folder}/site.conf;\n}}\n")
    return config
