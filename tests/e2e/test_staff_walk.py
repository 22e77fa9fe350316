"""Issue #18 walked as each staff role in a real browser (desktop and a 375×812 phone): who is
signed in, the language kept through sign-in, the menu per role, the desk's due dates, sorted
lists, readable wording, an accessible dashboard and a compact phone header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _server
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


# -- 9: the desk shows when the next dose is due and offers none before ------------------
def _aadhaar(seed: int) -> str:
    from stdnum import verhoeff

    base = f"{2 + seed % 8}{seed:010d}"[:11]
    return base + verhoeff.calc_check_digit(base)


def test_9_desk_does_not_offer_dose_2_the_day_after_dose_1(server, page):
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/walk-in")
    page.fill("#name", "Kavya Menon")
    page.fill("#birth_year", "1985")
    page.check("input[name=gender][value=F]")
    page.select_option("#id_doc_type", value="aadhaar")
    page.fill("#id_number", _aadhaar(918273645))
    page.locator("input[name=vaccine]").first.check()
    page.fill("#lot", "E2E-9")
    page.get_by_role("button", name="Register and record dose 1").click()
    expect(page).to_have_url(re.compile(r"/desk/doses/\d+$"))
    reference = re.search(r"\b(\d{14})\b", page.locator("main").inner_text()).group(1)
    page.goto(f"{server.url}/desk/people/{reference}")
    main = page.locator("main")
    # Dose 2 is not due yet: no form, a disabled button saying from when (in words).
    expect(main.locator("form[action$='/dose']")).to_have_count(0)
    button = main.get_by_role("button", name=re.compile(r"^Due from \d{1,2} [A-Z][a-z]+ \d{4}$"))
    expect(button).to_be_disabled()
    expect(main.locator("h2", has_text="Dose 2 is due from")).to_be_visible()
    expect(main.get_by_role("button", name="Record dose")).to_have_count(0)


# -- 10: lists in each language's alphabet -------------------------------------------------
@pytest.fixture(scope="module")
def server_ua(tmp_path_factory):
    srv = _server(tmp_path_factory, "ua")
    yield srv
    srv.stop()


def test_10_ukrainian_oblasts_in_the_ukrainian_alphabet(server_ua, page):
    page.goto(server_ua.url + "/")
    page.locator("header nav.lang a[lang='uk-UA']").click()  # the browser asked for English
    staff_sign_in(page, server_ua.url, "admin", "demo-admin")
    page.goto(server_ua.url + "/staff/reports/")
    names = [t.strip("— ").strip() for t in
             page.locator("#f-area option").all_inner_texts()[1:]]
    at = names.index
    assert at("Закарпатська область") < at("Івано-Франківська область") < at("Київська область")
    assert at("Чернівецька область") < at("Чернігівська область")
    assert names[0] == "Автономна Республіка Крим"
    page.goto(server_ua.url + "/find")
    first = page.locator("select[name=a1] option").all_inner_texts()
    first = [t for t in first if t.strip()]
    assert first.index("Закарпатська область") < first.index("Івано-Франківська область")


# -- 11: words, not codes; the country's own wording; one script of digits ------------------
def _sign_out(page):
    page.locator("header .staff-bar button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/login"))


def test_11_staff_pages_show_words_not_codes(server, page):
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/")  # audited with the day and the people listed
    _sign_out(page)
    staff_sign_in(page, server.url, "manager", "demo-manager")
    page.goto(server.url + "/admin/facilities")
    page.locator("tbody tr").first.get_by_role("link", name="Sessions").click()
    table = page.locator("main table").first
    expect(table).to_contain_text("Open")
    expect(table).not_to_contain_text(re.compile(r"\bopen\b|_"))  # no status or product codes
    # India's third dose is the precaution dose.
    expect(page.locator("label[for=capacity_booster]")).to_have_text("Capacity: precaution dose")
    _sign_out(page)
    staff_sign_in(page, server.url, "auditor", "demo-auditor")
    page.goto(server.url + "/staff/audit/?action=appointments.view")
    row = page.locator("tbody tr").first
    expect(row.locator(".audit-actor")).to_have_text("vaccinator")
    expect(row.locator("dl.audit-details dt", has_text="People")).to_be_visible()
    expect(row).not_to_contain_text("{")
    expect(row.locator("td").first).to_have_text(re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, "))


def test_11_arabic_staff_pages_in_arabic_indic_digits(server_iq, page):
    page.goto(server_iq.url + "/language/ar_IQ")
    staff_sign_in(page, server_iq.url, "admin", "demo-admin")
    expect(page.locator("main")).to_contain_text("الأحداث الضائرة التالية للتمنيع")
    page.goto(server_iq.url + "/dashboard")
    expect(page.locator("svg.chart").first).to_be_visible()
    text = page.locator("main").inner_text()
    assert re.findall(r"\S*[0-9]\S*", text) == []  # figures, dates, bands, dose numbers
    labels = " ".join(page.locator("main svg text").all_text_contents())
    assert re.search(r"[٠-٩]", labels) and not re.search(r"[0-9]", labels)


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
