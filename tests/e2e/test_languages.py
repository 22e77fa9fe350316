"""The citizen pages in Hindi and, with the Iraq profile, in Arabic (right to left)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (citizen_sign_in, no_horizontal_overflow, reads_left_to_right,
                               search_first_area, staff_sign_in)

pytestmark = pytest.mark.browser


def _add_person(page, name, birth, gender, number, document=None):
    page.locator("main a.button[href$='/my/beneficiaries/new']").click()
    page.fill("#name", name)
    page.fill("#birth_date" if "-" in birth else "#birth_year", birth)
    page.check(f"input[name=gender][value={gender}]")
    if document:
        page.select_option("#id_doc_type", value=document)
    page.fill("#id_number", number)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.locator("li.beneficiary", has_text=name)).to_be_visible()


def test_citizen_pages_in_hindi(server, page, shot):
    citizen_sign_in(page, server.url, "9876500303")
    page.locator("header nav.lang a[lang='hi-IN']").click()  # the language switcher
    html = page.locator("html")
    expect(html).to_have_attribute("lang", re.compile(r"^hi"))
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.locator("main h1")).to_have_text("मेरा खाता")
    _add_person(page, "सीता देवी", "1972", "F", "WKH1186253", document="epic")  # voter ID
    expect(page.locator("main")).to_contain_text("मतदाता")
    assert no_horizontal_overflow(page)
    shot(page, "e2e-my-hi")
    page.locator("li.beneficiary a.button").first.click()  # book
    expect(page.locator("form.search-form")).to_be_visible()
    assert no_horizontal_overflow(page)


def test_citizen_pages_in_arabic_rtl(server_iq, page_ar, shot):
    page = page_ar
    citizen_sign_in(page, server_iq.url, "07912340404")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", re.compile(r"^ar"))
    expect(html).to_have_attribute("dir", "rtl")
    _add_person(page, "زينب علي", "1988-05-04", "F", "199012345678")
    # Counts in Arabic-Indic digits (the profile's choice for ar_IQ); the number masked.
    expect(page.locator("main")).to_contain_text("(١/٤)")
    expect(page.locator("main")).to_contain_text("XXXX XXXX 5678")
    # Right to left: the heading starts at the right edge of the page.
    box = page.locator("main h1").bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] + box["width"] > width * 0.6, box
    # The masked mobile inside the Arabic sentence still reads ******0404, not 0404******.
    assert reads_left_to_right(page, "******0404")
    assert no_horizontal_overflow(page)
    shot(page, "e2e-my-ar")
    page.locator("li.beneficiary a.button").first.click()  # book
    expect(page.locator("form.search-form")).to_be_visible()
    search_first_area(page)
    assert no_horizontal_overflow(page)
    shot(page, "e2e-book-ar")
    page.locator("form.slots button").first.click()
    expect(page.locator(".status")).to_have_class(re.compile(r"status-booked"))
    code = page.locator(".secret strong").inner_text()
    assert re.fullmatch(r"[0-9٠-٩]{4}", code), code
    assert no_horizontal_overflow(page)
    shot(page, "e2e-appointment-ar")


def test_desk_person_card_in_arabic(server_iq, page_ar, shot):
    page = page_ar
    name, reference = re.search(r"vaccination: (.+?) \((\d{14})\) had a first dose",
                                server_iq.demo_output).groups()
    staff_sign_in(page, server_iq.url, "vaccinator", "demo-vaccinator")
    page.goto(server_iq.url + "/desk/")
    page.fill("#q", reference)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main h1")).to_have_text(name)
    facts = page.locator("dl.desk-facts")
    # Labels from the profile, not codes ("M", "national_card"); vaccine names, not ids.
    expect(facts).to_contain_text(re.compile(r"ذكر|أنثى"))
    expect(facts).to_contain_text("البطاقة الوطنية الموحدة")
    expect(page.locator("main")).to_contain_text("SINOPHARM")
    expect(page.locator("main")).not_to_contain_text("BBIBP")
    masked = page.locator("dl.desk-facts bdi").last.inner_text()
    assert reads_left_to_right(page, masked), masked
    assert no_horizontal_overflow(page)
    shot(page, "e2e-desk-ar")
