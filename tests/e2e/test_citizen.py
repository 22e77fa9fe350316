"""Citizen journey in a real browser: OTP sign-in, register, search, book, reschedule, cancel."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (citizen_sign_in, later_slot, read_otp, request_otp,
                               search_first_area, submit_otp)

pytestmark = pytest.mark.browser

AADHAAR = "234123412346"  # the India profile's example (Verhoeff check digit)


def test_wrong_otp_shows_a_clear_error(server, page):
    request_otp(page, server.url, "9876500101")
    right = read_otp(page)
    assert right in server.cli("sms", "outbox", "--mobile", "9876500101")  # the same SMS
    submit_otp(page, "000000" if right != "000000" else "111111")
    expect(page.locator("main")).to_contain_text("The OTP is not correct. Tries left: 2.")
    expect(page).to_have_url(re.compile(r"/signin/verify"))
    submit_otp(page, right)  # the right one still works after a wrong try
    expect(page).to_have_url(re.compile(r"/my$"))


def test_register_search_book_reschedule_cancel(server, page, context, shot):
    citizen_sign_in(page, server.url, "9876543210")
    expect(page.locator("main")).to_contain_text("(0/4)")

    page.get_by_role("link", name="Add a person").click()
    page.fill("#name", "Ravi Kumar")
    page.fill("#birth_year", "1985")
    page.check("input[name=gender][value=M]")
    page.select_option("#id_doc_type", label="Aadhaar Card")
    page.fill("#id_number", AADHAAR)
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/my$"))
    card = page.locator("li.beneficiary", has_text="Ravi Kumar")
    expect(card).to_contain_text("XXXX XXXX 2346")  # masked, never the full number
    expect(page.locator("main")).not_to_contain_text(AADHAAR)

    # Location first: nothing is listed until a place is given. Search the first state, then
    # by the postal code of a centre it offers.
    card.get_by_role("link", name="Book a vaccination").click()
    expect(page.locator("section.centre")).to_have_count(0)
    search_first_area(page)
    heading = page.locator("section.centre h2 .muted").first.inner_text()
    postal = re.search(r"(\d{6})\s*$", heading).group(1)
    page.fill("#postal_code", postal)
    page.locator("form.search-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"postal_code={postal}"))
    centres = page.locator("section.centre h2 .muted")
    expect(centres.first).to_be_visible()
    assert all(t.strip().endswith(postal) for t in centres.all_inner_texts())

    # Book the first offered slot: every slot shown must be bookable.
    first = later_slot(page)
    slot = first.inner_text()
    first.click()
    expect(page.locator("main h1")).to_have_text("Appointment")
    expect(page.locator(".status")).to_contain_text("Booked")
    code = page.locator(".secret strong").inner_text()
    assert re.fullmatch(r"\d{4}", code), code
    expect(page.locator("dl.facts")).to_contain_text(slot)
    shot(page, "e2e-appointment")
    appointment_url = page.url

    # Slip as PDF, with the session cookie of the browser.
    href = page.get_by_role("link", name="Slip (PDF)").get_attribute("href")
    pdf = context.request.get(server.url + href)
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body().startswith(b"%PDF-")
    page.get_by_role("link", name="Printable slip").click()
    expect(page.locator("body")).to_contain_text(code)
    page.goto(appointment_url)

    # Reschedule to another slot.
    page.get_by_role("link", name="Reschedule").click()
    expect(page.locator("main h1")).to_have_text("Reschedule appointment")
    target = later_slot(page, 1)
    new_slot = target.inner_text()
    target.click()
    expect(page.locator(".status")).to_contain_text("Booked")
    expect(page.locator("dl.facts")).to_contain_text(new_slot)

    # Cancel.
    page.get_by_role("link", name="Cancel", exact=True).click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator(".status")).to_contain_text("Cancelled")
    page.goto(server.url + "/my")
    expect(page.locator("li.beneficiary", has_text="Ravi Kumar")
           .get_by_role("link", name="Book a vaccination")).to_be_visible()
