"""Staff journeys in a real browser: walk-in at the desk, certificate verified, sessions, audit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.helpers import citizen_sign_in, staff_sign_in

pytestmark = pytest.mark.browser

WALK_IN_MOBILE = "9876500202"
PAN = "ACUPA7085R"  # the India profile's PAN example


@pytest.fixture(scope="module")
def walk_in(server, browser, screenshots):
    """A walk-in registered and vaccinated by the demo vaccinator; returns the reference id."""
    ctx = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-US")
    page = ctx.new_page()
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/walk-in")
    page.fill("#name", "Meera Nair")
    page.fill("#birth_year", "1979")
    page.check("input[name=gender][value=F]")
    page.select_option("#id_doc_type", label="PAN Card")
    page.fill("#id_number", PAN)
    page.fill("#mobile", WALK_IN_MOBILE)
    page.locator("input[name=vaccine]").first.check()
    page.fill("#lot", "e2e-lot/1")
    page.get_by_role("button", name="Register and record dose 1").click()
    expect(page).to_have_url(re.compile(r"/desk/doses/\d+$"))
    main = page.locator("main")
    expect(main).to_contain_text("Meera Nair")
    expect(main).to_contain_text("E2E-LOT/1")  # lots are upper-cased
    reference = re.search(r"\b(\d{14})\b", main.inner_text()).group(1)
    save_screenshot(page, screenshots / "e2e-desk-dose.png")
    ctx.close()
    return reference


def test_walk_in_gets_a_certificate_that_verifies(server, walk_in, page, context, shot):
    # The walk-in's mobile got an account: the person signs in and sees their certificate.
    citizen_sign_in(page, server.url, WALK_IN_MOBILE)
    card = page.locator("li.beneficiary", has_text="Meera Nair")
    expect(card).to_contain_text("1")
    page.goto(f"{server.url}/certificates/{walk_in}")
    expect(page.locator("main img").first).to_be_visible()  # a QR per format
    pdf = context.request.get(server.url + page.get_by_role("link", name="Download PDF")
                              .get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    # The text a QR scanner reads, for a text format (EU DCC "HC1:…" or SMART "shc:/…").
    pngs = [a.get_attribute("href") for a in page.locator("a[href$='.png']").all()]
    href = next(h for h in pngs if "/eu_dcc." in h or "/shc." in h)
    qr = context.request.get(server.url + href[:-len("png")] + "text")
    assert qr.ok, qr.status
    payload = qr.text().strip()
    assert payload

    page.goto(server.url + "/verify")
    page.fill("#payload", payload)
    page.get_by_role("button", name="Verify").click()
    result = page.locator("section.verify-result")
    expect(result).to_have_class(re.compile(r"verify-valid"))
    expect(result).to_contain_text("Meera")
    shot(page, "e2e-verify")

    # A tampered text is refused, not shown as valid.
    page.goto(server.url + "/verify")
    page.fill("#payload", payload[:-6] + ("A" if payload[-6] != "A" else "B") + payload[-5:])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("main")).not_to_contain_text(re.compile(r"^Valid", re.M))
    expect(page.locator("section.verify-valid")).to_have_count(0)


def test_area_admin_plans_a_session(server, page):
    staff_sign_in(page, server.url, "area-admin", "demo-area-admin")
    page.goto(server.url + "/admin/facilities")
    first = page.locator("tbody tr").first
    name = first.locator("td").nth(1).inner_text().strip()
    first.get_by_role("link", name="Sessions").click()
    expect(page.locator("main h1")).to_have_text(name)
    day = dt.date.today() + dt.timedelta(days=9)  # beyond the demo's 7 days
    page.select_option("#vaccine", label="CORBEVAX")
    page.fill("#from", day.isoformat())
    page.fill("#capacity_1", "35")
    page.fill("#min_age", "12")
    page.get_by_role("button", name="Plan sessions").click()
    expect(page.locator(".notice-success")).to_contain_text("1 session planned.")
    row = page.locator("tbody tr", has_text=day.strftime("%-d %b %Y")).filter(has_text="CORBEVAX")
    expect(row).to_contain_text("1: 0/35")
    expect(row).to_contain_text("12+")
    expect(row).to_contain_text("Open")  # the status in words, not the stored code


def test_auditor_sees_the_desk_views(server, walk_in, page, shot):
    staff_sign_in(page, server.url, "auditor", "demo-auditor")
    page.goto(server.url + "/staff/audit/")
    page.fill("#actor", "vaccinator")
    page.fill("#action", "beneficiary.view")
    page.locator("main form button[type=submit]").first.click()
    rows = page.locator("tbody tr", has_text="beneficiary.view")
    expect(rows.first).to_be_visible()
    expect(page.locator("tbody")).to_contain_text(walk_in)
    shot(page, "e2e-audit")


def test_vaccinator_records_the_second_dose_of_a_registered_person(server, page):
    # The demo prints the seeded person who had a first dose: "<name> (<reference>) had …".
    name, reference = re.search(r"vaccination: (.+?) \((\d{14})\) had a first dose",
                                server.demo_output).groups()
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/")
    page.fill("#q", reference)
    page.select_option("select[name=kind]", value="reference")
    page.get_by_role("button", name="Find").click()
    main = page.locator("main")
    expect(main).to_contain_text(name)
    expect(main).to_contain_text("Dose 1")
    page.fill("#lot", "E2E-2")
    page.get_by_role("button", name="Record dose").click()
    expect(page).to_have_url(re.compile(r"/desk/doses/\d+$"))
    expect(main).to_contain_text("2 of 2")
    expect(main).to_contain_text(reference)

