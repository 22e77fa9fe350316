"""The offline desk in every shipped language (issue #22 item 5), on a 375 px phone: each
language of locales/ is opened on a demo instance of a profile that offers it; the page is in
that language (lang, dir=rtl for right-to-left ones), every text of the desk's template is the
catalog's translation (no English left over), nothing sticks out sideways (scrollWidth <= 375),
and in Arabic a dose is recorded offline with the code typed in Arabic-Indic digits and synced."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, _server
from tests.e2e.helpers import open_offline_desk, set_desk_network
from tests.e2e.test_offline_desk_more import RECORDS, SETUP, _run

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
TEMPLATE = ROOT / "cowin_kit" / "vaccination" / "templates" / "desk" / "offline.html"
#: Servers the other e2e modules already start (session fixtures), used first.
SHARED = {"in": "server", "iq": "server_iq"}


def _profiles() -> dict[str, list[dict]]:
    return {path.parent.name: yaml.safe_load(path.read_text(encoding="utf-8"))["languages"]
            ["supported"] for path in sorted((ROOT / "country_profiles").glob("*/profile.yaml"))}


def _plan() -> dict[str, list[dict]]:
    """Each shipped language (a catalog in locales/) with a profile offering it: the shared
    servers' profiles first, then the fewest others."""
    shipped = {p.parent.parent.name for p in (ROOT / "locales").glob("*/LC_MESSAGES/*.po")}
    offered = _profiles()
    plan: dict[str, list[dict]] = {}
    left = set(shipped)
    order = list(SHARED) + sorted(offered, key=lambda cc: -len(
        {loc["id"].split("_")[0] for loc in offered[cc]} & shipped))
    for cc in order:
        new = [loc for loc in offered[cc] if loc["id"].split("_")[0] in left]
        if new:
            plan[cc] = new
            left -= {loc["id"].split("_")[0] for loc in new}
    assert not left, f"shipped languages no profile offers: {sorted(left)}"
    return plan


PLAN = _plan()


def _template_texts() -> dict[str, str]:
    """The template's plain msgids (no placeholders), as written in _('...') or _("...")."""
    found = re.findall(r"""_\((?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\)""",
                       TEMPLATE.read_text(encoding="utf-8"))
    return {text.replace("\\'", "'").replace('\\"', '"'): "" for pair in found
            for text in pair if text and "%(" not in text}


def _translations(language: str) -> dict[str, str]:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    out = {}
    for msgid in _template_texts():
        message = catalog.get(msgid)
        out[msgid] = message.string if message and message.string and not message.fuzzy else ""
    return out


#: Every text the page holds: text nodes and attribute values (the script's texts are in
#: data-t-* attributes), with the texts the script drew.
PAGE_TEXTS = """() => {
    const out = [];
    for (const el of document.querySelectorAll('html, html *')) {
        for (const a of el.attributes) out.push(a.value);
        for (const n of el.childNodes) if (n.nodeType === 3) out.push(n.data);
    }
    return out.join('\\n');
}"""


def _server_for(request, tmp_path_factory, cc: str):
    if cc in SHARED:
        return request.getfixturevalue(SHARED[cc]), None
    started = _server(tmp_path_factory, cc)
    return started, started


def _check_language(browser, server, locale: dict, shot) -> list:
    """Open the desk in ``locale``; return what is wrong with it (empty: nothing)."""
    lang = locale["id"]
    language = lang.split("_")[0]
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(20000)
    problems = []
    try:
        page = context.new_page()
        open_offline_desk(page, server.url, lang=lang)
        html = page.locator("html")
        expect(html).to_have_attribute("lang", re.compile(rf"^{language}\b"))
        expect(html).to_have_attribute("dir", locale["direction"])
        expect(page.locator("#appointments li").first).to_be_visible()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append((lang, "wider than the phone", width))
        # The appointments' state is in words, never a code ("completed", "no_show").
        states = page.locator("#appointments .status").all_inner_texts()
        if {"booked", "completed", "no_show"} & set(states):
            problems.append((lang, "states as codes", states))
        if language != "en":
            texts = page.evaluate(PAGE_TEXTS)
            translations = _translations(language)
            missing = [t for t in translations.values() if t and t not in texts]
            if missing:
                problems.append((lang, "translations not on the page", missing))
            untranslated = [m for m, t in translations.items() if not t]
            if untranslated:
                problems.append((lang, "no translation in the catalog", untranslated))
            english = [m for m, t in translations.items()  # (not as part of a longer one)
                       if m not in t and len(m.split()) > 1 and m in texts and not any(
                           m != o and m in o and o in texts for o in translations)]
            if english:
                problems.append((lang, "English left on the page", english))
        shot(page, f"offline-desk-{language}")
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("cc", list(PLAN))
def test_offline_desk_in_every_shipped_language(request, tmp_path_factory, browser, shot, cc):
    server, own = _server_for(request, tmp_path_factory, cc)
    problems = []
    try:
        # Today's list holds booked people and one already vaccinated.
        _run(server, SETUP, json.dumps([[10, ["Lang One", "Lang Two"]],
                                        [10, ["Lang Done"], "completed"]]))
        for locale in PLAN[cc]:
            problems += _check_language(browser, server, locale, shot)
    finally:
        if own:
            own.stop()
    assert not problems, "\n".join(map(str, problems))


def _arabic_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def test_dose_recorded_offline_in_arabic_rtl(server_iq, browser):
    session, = _run(server_iq, SETUP, json.dumps([[10, ["Zainab Ali"]]]))
    who = session["people"][0]
    context = browser.new_context(viewport=PHONE, locale="ar-IQ", is_mobile=True, has_touch=True)
    context.set_default_timeout(20000)
    try:
        page = context.new_page()
        open_offline_desk(page, server_iq.url, lang="ar_IQ")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        desk = page.locator("#offline-desk")
        set_desk_network(page, online=False)
        row = page.locator(f"li[data-appointment='{who['appointment_id']}']")
        # An Arabic keyboard types Arabic-Indic digits: the code is the same code.
        row.locator("input[name=code]").fill(_arabic_digits("4821"))
        row.locator("input[name=lot]").fill("E2E-AR-1")
        row.locator("form.offline-dose button[type=submit]").click()
        expect(row.locator(".status")).to_have_text(desk.get_attribute("data-t-queued"))
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        set_desk_network(page, online=True)  # sent by itself
        expect(page.locator("#offline-message")).to_have_text(desk.get_attribute("data-t-synced"))
        expect(page.locator("#attention li")).to_have_count(0)
        found = _run(server_iq, RECORDS, json.dumps([who["person_id"]]))
        assert found["lots"][str(who["person_id"])] == ["E2E-AR-1"]
    finally:
        context.close()
