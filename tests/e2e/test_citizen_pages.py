"""Issue #18 in a real browser: the citizen pages a person meets, on a desktop and on a phone
(375×812), each numbered item of the citizen walk-through checked where a person sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import citizen_sign_in, read_otp, request_otp, staff_sign_in, submit_otp

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
