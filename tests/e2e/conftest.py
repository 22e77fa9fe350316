"""End-to-end fixtures: a real demo server (gunicorn) per profile and a headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import dbutil

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("COWIN_KIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", default=False,
                     help="run the end-to-end tests in a real browser (tests/e2e)")


def pytest_collection_modifyitems(config, items):
    """Deselect browser tests unless --browser is given (the plain test run stays browser-free)."""
    if config.getoption("--browser"):
        return
    kept = [item for item in items if "browser" not in item.keywords]
    deselected = [item for item in items if "browser" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    """A demo instance in a temp folder served by gunicorn on a loopback port."""

    def __init__(self, folder: Path, profile: str):
        self.folder = folder
        self.instance = folder / "instance"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "COWIN_KIT_INSTANCE_DIR": str(self.instance),
                    "COWIN_KIT_DEMO": "true", "COWIN_KIT_PROFILE": profile,
                    "COWIN_KIT_OTP_RESEND_SECONDS": "0", "COWIN_KIT_SMS_BACKEND": "outbox"}
        for key in ("COWIN_KIT_DATABASE_URL", "COWIN_KIT_REDIS_URL"):
            self.env.pop(key, None)
        # With COWIN_KIT_TEST_DATABASE_URL the instance runs on a fresh PostgreSQL database.
        self.database = dbutil.create_database(folder) if dbutil.on_postgres() else None
        if self.database:
            self.env["COWIN_KIT_DATABASE_URL"] = self.database
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        """Run ``cowin-kit`` against this instance and return its output."""
        done = subprocess.run([sys.executable, "-m", "cowin_kit.cli", *args], env=self.env,
                              cwd=self.folder, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> None:
        self.demo_output = self.cli("demo", "--no-serve", "--instance-dir", str(self.instance))
        self._log = open(self.folder / "server.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{self.port}", "-w", "1",
             "-k", "gthread", "--threads", "8", "--timeout", "60", "cowin_kit.wsgi:app"],
            env=self.env, cwd=self.folder, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log())
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    # Ours, not another server that won a race for the port.
                    if r.status == 200 and f"Listening at: {self.url}" in self.log():
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("demo server did not become ready:\n" + self.log())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self._log.close()
        if self.database:
            dbutil.drop_database(self.database)

    def log(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")


def _server(tmp_path_factory, profile: str):
    server = DemoServer(tmp_path_factory.mktemp(f"e2e-{profile}"), profile)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The India demo instance, served for the whole session."""
    srv = _server(tmp_path_factory, "in")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def server_iq(tmp_path_factory):
    """An Iraq demo instance (Arabic, right to left)."""
    srv = _server(tmp_path_factory, "iq")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (.ci/checks/browser.sh installs it)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-US",
                              accept_downloads=True)
    ctx.set_default_timeout(15000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def page_ar(browser):
    """A page in a browser set to Arabic (Iraq): every profile offers English too, so a
    browser asking for English would get it; an Iraqi citizen's browser asks for Arabic."""
    ctx = browser.new_context(viewport={"width": 1024, "height": 800}, locale="ar-IQ",
                              accept_downloads=True)
    ctx.set_default_timeout(15000)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: COWIN_KIT_E2E_SCREENSHOTS (e.g. docs/screenshots), else a temp folder."""
    chosen = os.environ.get("COWIN_KIT_E2E_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(page, path: Path, full_page: bool = False) -> Path:
    """Screenshot the page as a small palette PNG (docs keep a few of them)."""
    from PIL import Image

    page.screenshot(path=str(path), full_page=full_page)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


@pytest.fixture
def shot(screenshots):
    """Save a screenshot of the page as <name>.png in the screenshots folder; return its path."""
    return lambda page, name, full_page=False: save_screenshot(
        page, screenshots / f"{name}.png", full_page)
