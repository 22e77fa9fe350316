"""Issue #18 items 2, 3, 14 and 15 walked in a real browser: a demo of one country at the port
it was asked for, demo data a presenter can show, and the ministry's identity on every page."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.e2e.helpers import staff_sign_in

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


def _profile(code: str) -> dict:
    return yaml.safe_load((REPO / "country_profiles" / code / "profile.yaml").read_text())


def test_15_the_ministry_s_identity_is_on_every_page(server, page):
    branding = _profile("in")["branding"]
    for path in ("/", "/find", "/verify", "/staff/login"):
        page.goto(server.url + path)
        header = page.locator("header.site-header")
        expect(header).to_contain_text(branding["ministry"]["en"])
        emblem = page.locator("img.brand-emblem")
        expect(emblem).to_be_visible()
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0",
                             emblem.element_handle()), f"emblem not drawn on {path}"
        footer = page.locator("footer")
        for link in branding["footer_links"]:
            expect(footer.locator(f'a[href="{link["url"]}"]')).to_contain_text(link["labels"]["en"])
    # The profile's colours, not the kit's defaults: the header is drawn in the primary colour.
    primary = branding["colours"]["primary"].lstrip("#")
    rgb = tuple(int(primary[i:i + 2], 16) for i in (0, 2, 4))
    background = page.evaluate("getComputedStyle(document.querySelector('header.site-header')).backgroundColor")
    assert background == "rgb({}, {}, {})".format(*rgb), background
    # In Hindi the ministry is named in Hindi.
    page.goto(server.url + "/?lang=hi")
    expect(page.locator("header.site-header")).to_contain_text(branding["ministry"]["hi"])


def test_14_the_vaccinator_has_a_queue_today_and_people_fit_their_names(server, page):
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/")
    rows = page.locator("ul.desk-list li.desk-item")
    assert rows.count() >= 5, "the demo vaccinator has no queue today"
    # Each booked person's first dose is a product their age allows (no Corbevax at 40):
    # open the first few and read the card the desk shows.
    names = _profile("in")["demo"]["names"]
    given = {gender: set(values) for gender, values in names["given"].items()}  # M, F
    checked = 0
    for index in range(min(rows.count(), 4)):
        page.goto(server.url + "/desk/")
        item = page.locator("ul.desk-list li.desk-item").nth(index)
        name = item.locator("strong").inner_text()
        item.locator("a").click()
        facts = page.locator("dl.desk-facts")
        expect(facts).to_be_visible()
        text = facts.inner_text()
        first = name.split()[0]
        if first in given["F"]:
            assert "Female" in text, (name, text)
        elif first in given["M"]:
            assert "Male" in text and "Female" not in text, (name, text)
        checked += 1
    assert checked


def test_14_coverage_is_shown_against_target_populations(server, page):
    """The demo seeds target populations, so the coverage report has real percentages."""
    staff_sign_in(page, server.url, "auditor", "demo-auditor")
    page.goto(server.url + "/staff/reports/coverage")
    cells = page.locator("main table td").all_inner_texts()
    percentages = [float(m.group(1)) for c in cells if (m := re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s?%?\s*", c))
                   and "." in c]
    assert any(0 < p <= 100 for p in percentages), cells[:40]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def vn_demo_at_its_port(tmp_path_factory):
    """``cowin-kit demo --profile vn --port P`` as a presenter types it, in a folder where the
    India demo already ran (its default instance folder, instance/demo-in)."""
    folder = tmp_path_factory.mktemp("demo-two-countries")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("COWIN_KIT_") or key == "COWIN_KIT_CHROMIUM"}
    india = subprocess.run([sys.executable, "-m", "cowin_kit.cli", "demo", "--no-serve"],
                           env=env, cwd=folder, capture_output=True, text=True, timeout=300)
    assert india.returncode == 0, india.stdout + india.stderr
    port = _free_port()
    log = open(folder / "demo-vn.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "cowin_kit.cli", "demo", "--profile", "vn",
                                "--port", str(port), "--workers", "1"],
                               env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    try:
        while True:
            assert process.poll() is None, (folder / "demo-vn.log").read_text()
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (folder / "demo-vn.log").read_text()
            time.sleep(0.5)
        yield url, port, folder
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_2_a_second_country_gets_its_own_instance(vn_demo_at_its_port, page):
    url, _port, folder = vn_demo_at_its_port
    assert (folder / "instance" / "demo-in").is_dir() and (folder / "instance" / "demo-vn").is_dir()
    page.goto(url + "/find?lang=vi")
    options = page.locator("#a1 option").all_inner_texts()
    assert len(options) > 30, options  # Viet Nam's provinces
    india = ["Delhi", "Kerala", "Maharashtra", "दिल्ली", "केरल"]
    assert not [o for o in options if any(name in o for name in india)], options
    # The header names Viet Nam's ministry, never India's.
    branding = _profile("vn")["branding"]
    header = page.locator("header.site-header").inner_text()
    assert "India" not in header and "भारत" not in header, header
    assert branding["ministry"]["vi"] in header, header


def test_3_links_and_the_issuer_follow_the_port(vn_demo_at_its_port, page):
    url, port, _folder = vn_demo_at_its_port
    # The DID of the certificates' signing keys is the running server (did:web:127.0.0.1%3A<port>).
    page.goto(url + "/.well-known/did.json")
    document = json.loads(page.locator("body").inner_text())
    assert document["id"] == f"did:web:127.0.0.1%3A{port}", document["id"]
    # The SMART Health Card issuer's keys are where the issuer URL says.
    page.goto(url + "/.well-known/jwks.json")
    assert json.loads(page.locator("body").inner_text())["keys"]
