"""Issue #18 in a real browser: the citizen pages a person meets, on a desktop and on a phone
(375×812), each numbered item of the citizen walk-through checked where a person sees it."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import expect

from tests.citizen.helpers import aadhaar
from tests.e2e.helpers import (citizen_sign_in, later_slot, read_otp, request_otp,
                               search_first_area, staff_sign_in, submit_otp)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1024, "height": 800}

#: For every radio button and checkbox in <main>: its box, and the box of its label's text.
CHOICES = """() => [...document.querySelectorAll('main input[type=radio], main input[type=checkbox]')]
  .map((input) => {
    const label = input.closest('label');
    const text = [...label.childNodes].find((n) => n.nodeType === 3 && n.data.trim());
    const range = document.createRange();
    range.selectNodeContents(text);
    const box = input.getBoundingClientRect(), words = range.getBoundingClientRect();
    const rtl = getComputedStyle(label).direction === 'rtl';
    return {name: input.name + '=' + input.value, width: box.width,
            gap: rtl ? box.left - words.right : words.left - box.right,
            rowOverlap: Math.min(box.bottom, words.bottom) - Math.max(box.top, words.top),
            labelHeight: label.getBoundingClientRect().height};
  })"""


def _check_choices_sit_by_their_labels(page) -> list[dict]:
    choices = page.evaluate(CHOICES)
    assert choices, "no radio buttons or checkboxes on the page"
    for choice in choices:
        assert 0 <= choice["gap"] <= 16, choice  # the circle is right beside its words
        assert choice["width"] <= 32, choice  # natural size, not a full-width box
        assert choice["rowOverlap"] > 0, choice  # on the same line as its words
        assert choice["labelHeight"] >= 44, choice  # the label is the touch target
    return choices


# -- 4. radio buttons and checkboxes beside their labels; comorbidity asked once ----------------------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_add_a_person_choices_sit_by_their_labels(server, browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    try:
        citizen_sign_in(page, server.url, "9876500401" if viewport is DESKTOP else "9876500402")
        page.goto(server.url + "/my/beneficiaries/new")
        choices = _check_choices_sit_by_their_labels(page)
        names = [c["name"] for c in choices]
        assert sum("comorbidity" in n for n in names) == 1, names  # asked once
        page.check("input[name=gender][value=F]")  # clicking the label's words works too
        page.locator("label", has_text="Health care worker").click()
        expect(page.locator("input[name=groups][value=health_worker]")).to_be_checked()
    finally:
        context.close()


def test_session_planning_weekdays_sit_by_their_labels(server, browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    try:
        staff_sign_in(page, server.url, "area-admin", "demo-area-admin")
        page.goto(server.url + "/admin/facilities")
        page.locator("tbody tr").first.get_by_role("link", name="Sessions").click()
        expect(page).to_have_url(re.compile(r"/sessions$"))
        page.wait_for_load_state("load")  # the style sheets are applied
        names = [c["name"] for c in _check_choices_sit_by_their_labels(page)]
        assert len([n for n in names if n.startswith("weekday=")]) == 7
    finally:
        context.close()


# -- 5. one translated message per problem, never an internal code -----------------------------------

#: What an internal code looks like on a page: "(SECRET_CODE_MISMATCH)", "VALIDATION_FAILED".
CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z]{2,})+\b")


def test_citizen_refusals_are_messages_shown_once(server, page):
    page.goto(server.url + "/signin")
    page.fill("#mobile", "12345")
    page.locator("main form button[type=submit]").first.click()
    main = page.locator("main").inner_text()
    assert not CODE.search(main), main
    assert main.count("Please enter a valid mobile number") == 1, main
    expect(page.locator("#mobile")).to_have_attribute("aria-describedby", "mobile-error")


def test_session_planning_refusal_has_no_code_or_field_name(server, page):
    staff_sign_in(page, server.url, "area-admin", "demo-area-admin")
    page.goto(server.url + "/admin/facilities")
    page.locator("tbody tr").first.get_by_role("link", name="Sessions").click()
    page.fill("#min_age", "")
    page.get_by_role("button", name="Plan sessions").click()  # no capacity given
    notice = page.locator(".notice-error")
    expect(notice).to_be_visible()
    text = notice.inner_text()
    assert not CODE.search(text) and "capacities" not in text, text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), lines  # nothing said twice (heading and bullet)


# -- 12. a malformed OTP costs no try; a bad search value is said, not ignored -----------------------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_malformed_otp_costs_no_try(server, browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    try:
        mobile = "9876500121" if viewport is DESKTOP else "9876500122"
        request_otp(page, server.url, mobile)
        right = read_otp(page)
        submit_otp(page, "12ab")
        error = page.locator("#otp-error")
        expect(error).to_have_text(re.compile(r"Enter the 6-digit OTP from the SMS, using digits "
                                              r"only\. This did not use up a try\."))
        assert not CODE.search(page.locator("main").inner_text())
        submit_otp(page, "000000" if right != "000000" else "111111")
        # The malformed one did not count: this wrong one is the first of three tries.
        expect(page.locator("main")).to_contain_text("Tries left: 2.")
        submit_otp(page, right)
        expect(page).to_have_url(re.compile(r"/my$"))
    finally:
        context.close()


# -- 6. no slip for a cancelled appointment -------------------------------------------------------

def _add_person(page, base: str, name: str, seed: int) -> None:
    page.goto(base + "/my/beneficiaries/new")
    page.fill("#name", name)
    page.fill("#birth_year", "1984")
    page.check("input[name=gender][value=F]")
    page.select_option("#id_doc_type", value="aadhaar")
    page.fill("#id_number", aadhaar(seed))
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/my$"))


def _book(page, base: str, mobile: str, name: str, seed: int) -> str:
    """Sign in, add a person, book the first slot of the first state; the appointment's URL."""
    citizen_sign_in(page, base, mobile)
    _add_person(page, base, name, seed)
    page.locator("li.beneficiary", has_text=name).get_by_role(
        "link", name="Book a vaccination").click()
    search_first_area(page)
    later_slot(page).click()
    expect(page.locator(".status")).to_contain_text("Booked")
    return page.url


def test_cancelled_appointment_has_no_slip(server, page):
    url = _book(page, server.url, "9876500601", "Kavya Rao", 1806)
    code = page.locator(".secret strong").inner_text()
    expect(page.get_by_role("link", name="Printable slip")).to_be_visible()
    page.get_by_role("link", name="Cancel", exact=True).click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator(".status")).to_contain_text("Cancelled")
    expect(page.get_by_role("link", name="Printable slip")).to_have_count(0)
    expect(page.get_by_role("link", name="Slip (PDF)")).to_have_count(0)
    expect(page.get_by_role("link", name="Book a new appointment")).to_be_visible()
    # The 4-digit code may occur by chance inside the 14-digit reference id: look for it alone.
    alone = re.compile(rf"(?<!\d){code}(?!\d)")
    expect(page.locator(".secret")).to_have_count(0)
    assert not alone.search(page.locator("main").inner_text())
    for path in ("/slip", "/slip.pdf"):  # a bookmarked or shared link
        response = page.goto(url + path)
        assert response.status == 409, path
        main = page.locator("main").inner_text()
        assert "was cancelled" in main and not alone.search(main), main
        assert not CODE.search(main), main


# -- 7. location first, paginated; reschedule from the current centre -------------------------------

@contextlib.contextmanager
def _booking_page(browser, server, mobile: str, name: str, seed: int, position: dict):
    """A phone whose browser shares ``position``, on the booking page of a new person."""
    context = browser.new_context(viewport=PHONE, locale="en-US", geolocation=position,
                                  permissions=["geolocation"])
    page = context.new_page()
    try:
        citizen_sign_in(page, server.url, mobile)
        _add_person(page, server.url, name, seed)
        page.locator("li.beneficiary", has_text=name).get_by_role(
            "link", name="Book a vaccination").click()
        yield page
    finally:
        context.close()


#: Where the India demo puts most of its centres (its default demo centre, Thiruvananthapuram).
KERALA = {"latitude": 8.52, "longitude": 76.94}


def test_booking_asks_for_a_place_first_and_pages_the_centres(server, browser):
    with _booking_page(browser, server, "9876500701", "Meena Iyer", 1807, KERALA) as page:
        expect(page.locator("section.centre")).to_have_count(0)
        height = page.evaluate("() => document.documentElement.scrollHeight")
        assert height < 3000, height  # a form, not 148,000 px of the country
        page.get_by_role("button", name="Use my location").click()
        expect(page).to_have_url(re.compile(r"lat=8\.52.*lon=76\.94"))
        first_page = page.locator("section.centre h2 strong").all_inner_texts()
        assert len(first_page) == 20, first_page  # one page of the many centres there
        page.locator("nav.pager").first.get_by_role("link", name="Next").click()
        expect(page).to_have_url(re.compile(r"page=2"))
        second = page.locator("section.centre h2 strong").all_inner_texts()
        assert second and not set(second) & set(first_page)
        expect(page.locator("nav.pager a[aria-current=page]").first).to_have_text("2")


def test_use_my_location_finds_the_nearest_centres(server, browser):
    delhi = {"latitude": 28.63, "longitude": 77.21}  # the India demo's Delhi centres
    with _booking_page(browser, server, "9876500702", "Ritu Jain", 1808, delhi) as page:
        page.get_by_role("button", name="Use my location").click()
        expect(page).to_have_url(re.compile(r"lat=28\.63.*lon=77\.21"))
        expect(page.locator("main")).to_contain_text("near your location")
        centres = page.locator("section.centre h2 .muted").all_inner_texts()
        assert 0 < len(centres) <= 20
        assert all(re.search(r"\b110\d{3}\b", c) for c in centres), centres  # Delhi PINs


def test_location_refused_says_what_to_do(server, browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")  # no permission given
    page = context.new_page()
    try:
        page.goto(server.url + "/find")
        page.get_by_role("button", name="Use my location").click()
        expect(page.locator("#locate-status")).to_contain_text("Choose an area or enter a "
                                                               "postal code instead.")
    finally:
        context.close()


def test_reschedule_starts_at_the_current_centre(server, page):
    _book(page, server.url, "9876500703", "Anjali Das", 1809)
    centre = [v for k, v in zip(page.locator("dl.facts dt").all_inner_texts(),
                                page.locator("dl.facts dd").all_inner_texts())
              if k == "Vaccination centre"][0]
    page.get_by_role("link", name="Reschedule").click()
    expect(page.locator("main h1")).to_have_text("Reschedule appointment")
    assert page.locator("#a1").input_value() and page.locator("#a2").input_value()
    expect(page.locator("section.centre h2 strong").first).to_have_text(centre)


# -- 12. bad search values are said -------------------------------------------------------------------

@pytest.mark.parametrize("query, message", [
    ("postal_code=99999x", "This is not a postal code of India. It looks like 110034."),
    ("postal_code=999999", "No vaccination centre has the postal code 999999."),
    ("a1=999999", "This area is not in the list. Please choose it again."),
    ("date=2021-13-45", "Not a date"),
])
def test_bad_search_values_are_said(server, page, query, message):
    page.goto(f"{server.url}/find?{query}")
    error = page.locator(".search-form .field-error")
    expect(error).to_contain_text(message)
    described = page.locator("[aria-describedby]").first.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text().startswith(message)
