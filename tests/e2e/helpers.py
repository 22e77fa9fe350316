"""Browser steps shared by the end-to-end journeys."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect


def read_otp(page: Page) -> str:
    """The OTP of the demo SMS shown on the OTP page (demo mode, outbox backend)."""
    text = page.locator("#demo-sms").inner_text()
    digits = text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९", "0123456789" * 3))
    return re.search(r"(?<!\d)(\d{6})(?!\d)", digits).group(1)


def request_otp(page: Page, base: str, mobile: str, lang: str | None = None) -> None:
    page.goto(f"{base}/signin" + (f"?lang={lang}" if lang else ""))
    page.fill("#mobile", mobile)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#otp")).to_be_visible()


def submit_otp(page: Page, otp: str) -> None:
    page.fill("#otp", otp)
    page.locator("form[action$='/signin/verify'] button[type=submit]").click()


def citizen_sign_in(page: Page, base: str, mobile: str, lang: str | None = None) -> None:
    """Sign in with mobile + the OTP read from the demo page; lands on /my."""
    request_otp(page, base, mobile, lang)
    submit_otp(page, read_otp(page))
    expect(page).to_have_url(re.compile(r"/my$"))


def search_first_area(page: Page) -> None:
    """On a booking search (location first: nothing is listed before), search the first
    top-level area with centres to offer (in the order the select lists them)."""
    found = page.locator("section.centre, table.calendar")
    for index in range(1, page.locator("#a1 option").count()):
        page.select_option("#a1", index=index)
        with page.expect_navigation():
            page.locator("form.search-form button[type=submit]").click()
        if found.count():
            return
    raise AssertionError("no top-level area has centres to offer")


def later_slot(page: Page, index: int = 0, zone: str = "Asia/Kolkata") -> Locator:
    """The ``index``-th slot button of the sessions after today (English pages; ``zone``: the
    demo profile's, India's by default). A slot of today may have started already: it can still
    be booked until it ends, but no longer changed or cancelled, so a journey that goes on to
    change the appointment must not depend on the time of day it runs at."""
    today = dt.datetime.now(ZoneInfo(zone)).date()
    buttons = []
    sessions = page.locator("div.session")
    for i in range(sessions.count()):
        session = sessions.nth(i)
        day = dt.datetime.strptime(session.locator("h3").inner_text().strip(), "%A, %d %B %Y")
        if day.date() > today:
            buttons += session.locator("form.slots button").all()
    assert len(buttons) > index, "no slot after today on this page"
    return buttons[index]


def staff_sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/staff/login"))


def no_horizontal_overflow(page: Page) -> bool:
    """True when nothing sticks out sideways (a mirrored or broken layout usually does)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def reads_left_to_right(page: Page, text: str) -> bool:
    """True when ``text`` (e.g. a masked mobile "******1234") is drawn in its own order, start
    on the left, even inside right-to-left text (measured on the rendered glyphs)."""
    return page.evaluate("""(text) => {
        const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(text);
            if (at < 0) continue;
            const x = (i) => { const r = document.createRange();
                r.setStart(node, at + i); r.setEnd(node, at + i + 1);
                return r.getBoundingClientRect().left; };
            return x(0) < x(text.length - 1);
        }
        throw new Error('text not found: ' + text);
    }""", text)


DESK_PASSPHRASE = "correct horse battery"


def open_offline_desk(page: Page, base: str, passphrase: str = DESK_PASSPHRASE,
                      username: str = "vaccinator", password: str = "demo-vaccinator",
                      lang: str | None = None) -> dict:
    """Sign in as a vaccinator, open the offline desk (/desk/offline/) under its service worker
    (in ``lang`` when given, e.g. "ar_IQ"), choose the device passphrase and download today's
    list; returns the pack as downloaded, with the list drawn and the local store unlocked
    (data-lock="open"). An empty device is assumed (a fresh browser context). Buttons are found
    by id, not by their (translated) names."""
    staff_sign_in(page, base, username, password)
    page.goto(base + (f"/language/{lang}?next=/desk/offline/" if lang else "/desk/offline/"))
    desk = page.locator("#offline-desk")
    expect(desk).to_have_attribute("data-started", "yes")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(desk).to_have_attribute("data-lock", "empty")
    page.fill("#desk-new-passphrase", passphrase)
    with page.expect_response(lambda r: r.url.endswith("/staff/desk/pack")) as got:
        page.locator("#pack-download").click()
    expect(desk).to_have_attribute("data-ready", "yes", timeout=30_000)
    expect(desk).to_have_attribute("data-lock", "open")
    return got.value.json()


def unlock_offline_desk(page: Page, passphrase: str = DESK_PASSPHRASE) -> None:
    """After a reload the desk's store is locked: type the passphrase."""
    desk = page.locator("#offline-desk")
    expect(desk).to_have_attribute("data-lock", "locked")
    page.fill("#desk-passphrase", passphrase)
    page.locator("#desk-unlock button[type=submit]").click()
    expect(desk).to_have_attribute("data-lock", "open", timeout=30_000)


def reload_offline_desk(page: Page, passphrase: str = DESK_PASSPHRASE) -> None:
    """Reload the desk (from the service worker's cache when offline) and unlock its store."""
    page.reload()
    expect(page.locator("#offline-desk")).to_have_attribute("data-started", "yes")
    unlock_offline_desk(page, passphrase)


def set_desk_network(page: Page, online: bool) -> None:
    """Switch the browser's network off or on; the desk shows it (back online it syncs)."""
    page.context.set_offline(not online)
    state = "data-t-online" if online else "data-t-offline"
    expect(page.locator("#offline-desk #offline-state")).to_have_text(
        page.locator("#offline-desk").get_attribute(state))


def sync_offline_desk(page: Page) -> None:
    """Press "Sync now" and wait for the answer (a sync with an empty queue sends nothing)."""
    with page.expect_response(lambda r: r.url.endswith("/staff/desk/sync")):
        page.locator("#queue-sync").click()
