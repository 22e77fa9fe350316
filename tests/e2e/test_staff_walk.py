"""Issue #18 walked as each staff role in a real browser (desktop and a 375×812 phone): who is
signed in, the language kept through sign-in, the menu per role, the desk's due dates, sorted
lists, readable wording, an accessible dashboard and a compact phone header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import staff_sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    ctx.set_default_timeout(15000)
    yield ctx.new_page()
    ctx.close()


# -- 8: sign-in keeps the language; the header says who, which role, where; menus per role ----
def test_8_staff_header_language_and_menus(server, page):
    page.goto(server.url + "/")
    nav = page.locator("header nav.main-nav")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Reports")).to_have_count(0)
    expect(nav.get_by_role("link", name="Staff")).to_have_count(0)
    # Visitors get one discreet way in for staff; choose Hindi first, then sign in.
    page.locator("header nav.lang a[lang='hi-IN']").click()
    expect(page.locator("html")).to_have_attribute("lang", "hi-IN")
    page.locator("footer a[href$='/staff/login']").click()
    page.fill("#username", "area-admin")
    page.fill("#password", "demo-area-admin")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("html")).to_have_attribute("lang", "hi-IN")  # still Hindi
    bar = page.locator("header .staff-bar")
    expect(bar).to_contain_text("(area-admin)")
    expect(bar.locator(".staff-role")).to_have_text("क्षेत्र प्रशासक")  # Area administrator
    expect(bar.locator(".staff-place")).not_to_be_empty()
    expect(page.locator("footer a[href$='/staff/login']")).to_have_count(0)
    # The admin's home links to the reports; the menu too.
    page.locator("main a.card[href$='/staff/reports/']").click()
    expect(page).to_have_url(re.compile(r"/staff/reports/"))
    expect(page.locator("header nav.main-nav a[href$='/staff/reports/']")).to_have_count(1)
    expect(page.locator("header .staff-bar")).to_contain_text("(area-admin)")
    # A vaccinator's menu has no reports (the role cannot open them).
    page.locator("header .staff-bar button[type=submit]").click()
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/")
    expect(page.locator("header .staff-bar .staff-role")).to_have_text("टीकाकर्ता")
    expect(page.locator("header nav.main-nav a[href$='/staff/reports/']")).to_have_count(0)


# -- 13: no links inside chart images; a compact header on a phone -------------------------
def test_13_phone_header_is_compact_and_its_menu_opens(server, phone):
    staff_sign_in(phone, server.url, "vaccinator", "demo-vaccinator")
    phone.goto(server.url + "/desk/")
    header = phone.locator("header.site-header")
    height = header.bounding_box()["height"]
    assert height <= PHONE["height"] / 8, height  # was about a fifth of the screen
    expect(phone.locator("header .staff-bar")).to_be_visible()  # who is signed in stays
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(phone.locator("header nav.main-nav")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(phone.locator("header nav.main-nav a[href$='/staff/']")).to_be_visible()
    expect(phone.locator("header nav.lang a[lang='hi-IN']")).to_be_visible()
    assert phone.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")


def test_13_desktop_header_shows_the_menu_without_a_button(server, page):
    page.goto(server.url + "/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("header nav.main-nav")).to_be_visible()
    expect(page.locator("header nav.lang")).to_be_visible()


def test_13_dashboard_charts_hold_no_links(server, page):
    page.goto(server.url + "/dashboard")
    expect(page.locator("svg.chart").first).to_be_visible()
    # axe nested-interactive: an element with role="img" must not contain focusable links.
    nested = page.evaluate("""() => [...document.querySelectorAll('[role=img]')]
        .filter(img => img.querySelector('a, [tabindex], button, input')).length""")
    assert nested == 0
    # Each area stays one click away, through the table under the chart.
    expect(page.locator("table[data-table=areas] a").first).to_be_visible()
