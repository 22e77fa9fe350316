"""The offline desk's local data is protected (issue #22, item 4), in Chromium: what IndexedDB
holds is encrypted (no masked name, reference ID, appointment id or code hash readable in the
raw records), a reload (offline too) locks it until the passphrase is typed, a wrong passphrase
is refused and five wipe the device, signing out warns about unsynced events and wipes, expired
data and unreadable leftovers of the old clear layout are wiped on the next open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_offline_desk, staff_sign_in, unlock_offline_desk
from tests.e2e.test_offline_desk import SETUP, _record, _run

pytestmark = pytest.mark.browser

#: Every store of the desk's database as text: keys and values, byte arrays decoded as UTF-8
#: (so a record kept in clear would show); None when there is no such database.
RAW = """async () => {
  const names = (await indexedDB.databases()).map(d => d.name);
  if (!names.includes('cowin-kit-desk')) return null;
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open('cowin-kit-desk'); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const text = (v) => {
    if (v instanceof ArrayBuffer) return new TextDecoder().decode(new Uint8Array(v));
    if (ArrayBuffer.isView(v)) return new TextDecoder().decode(v);
    if (v && typeof v === 'object') return Object.keys(v).map(k => k + '=' + text(v[k])).join(';');
    return String(v);
  };
  const out = {};
  for (const name of Array.from(db.objectStoreNames)) {
    const ask = (fn) => new Promise((ok, ko) => {
      const r = fn(db.transaction(name).objectStore(name)); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
    const keys = await ask(s => s.getAllKeys()), values = await ask(s => s.getAll());
    out[name] = {count: values.length, text: keys.map(text).join('|') + '\\n' + values.map(text).join('|')};
  }
  db.close();
  return out;
}"""

EXPIRE = """async () => {
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open('cowin-kit-desk'); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  await new Promise((ok, ko) => {
    const tx = db.transaction('meta', 'readwrite'), s = tx.objectStore('meta'), r = s.get('key');
    r.onsuccess = () => { const m = r.result; m.expires_at = '2000-01-01T00:00:00+00:00'; s.put(m, 'key'); };
    tx.oncomplete = ok; tx.onerror = () => ko(tx.error);
  });
  db.close();
}"""

#: The layout before encryption (version 1): the pack in clear.
OLD_LAYOUT = """async () => {
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open('cowin-kit-desk', 1);
    r.onupgradeneeded = () => { const d = r.result; d.createObjectStore('kv');
      d.createObjectStore('queue', {keyPath: 'seq', autoIncrement: true}); d.createObjectStore('attention', {keyPath: 'id'}); };
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  await new Promise((ok) => { const tx = db.transaction('kv', 'readwrite');
    tx.objectStore('kv').put({appointments: [{name_masked: 'L\\u2022\\u2022\\u2022 C\\u2022\\u2022\\u2022'}]}, 'pack');
    tx.oncomplete = ok; });
  db.close();
}"""


def _raw(page) -> dict | None:
    return page.evaluate(RAW)


def _no_show(page, appointment_id: str) -> None:
    page.locator(f"li[data-appointment='{appointment_id}']").get_by_role(
        "button", name="No-show").click()


def test_local_data_encrypted_locked_after_reload_and_wiped_after_wrong_passphrases(
        server, context):
    one, _two, three = _run(server, SETUP)
    page = context.new_page()
    pack = open_offline_desk(page, server.url)
    row = page.locator(f"li[data-appointment='{one['appointment_id']}']")
    _record(page, one["appointment_id"], "0000", "E2E-STORE-1")  # wrong: a counter is kept
    expect(page.locator("#offline-message")).to_have_text(
        "The secret code does not match this appointment.")
    _no_show(page, three["appointment_id"])
    expect(page.locator("#queue-count")).to_have_text("1")

    raw = _raw(page)
    assert set(raw) == {"meta", "kv", "queue", "attention"}
    assert raw["queue"]["count"] == 1 and raw["kv"]["count"] == 3  # pack, device, attempts
    # The reading works: the key's metadata (not personal) is there in clear.
    assert pack["device_key"]["secret"] in raw["meta"]["text"]
    stored = "\n".join(store["text"] for store in raw.values())
    assert pack["appointments"]
    for appointment in pack["appointments"]:
        for field in ("reference_id", "name_masked", "code_hash", "appointment_id"):
            assert appointment[field] not in stored, field
    assert "covishield" not in stored and "attempts" not in stored

    context.set_offline(True)
    page.reload()  # offline: the shell from the cache, the data locked
    desk = page.locator("#offline-desk")
    expect(desk).to_have_attribute("data-lock", "locked")
    expect(page.locator("#offline-message")).to_have_text(
        "The data on this device is locked: enter the passphrase chosen when the list was "
        "downloaded.")
    expect(page.locator("#appointments li")).to_have_count(0)
    expect(page.locator("#queue-count")).to_have_text("1")  # how many, not what
    page.fill("#desk-passphrase", "not the passphrase")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#offline-message")).to_have_text(
        "Wrong passphrase. Tries left before the data on this device is wiped: 4")
    expect(desk).to_have_attribute("data-lock", "locked")
    unlock_offline_desk(page)
    expect(row).to_contain_text(one["reference_id"])
    expect(page.locator(f"li[data-appointment='{three['appointment_id']}'] .status")).to_have_text(
        "Recorded on this device; it will be sent when you sync.")

    page.reload()
    for left in (4, 3, 2, 1):
        page.fill("#desk-passphrase", f"guess number {left}")
        page.get_by_role("button", name="Unlock").click()
        expect(page.locator("#offline-message")).to_have_text(re.compile(f": {left}$"))
    page.fill("#desk-passphrase", "guess number 0")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#offline-message")).to_have_text(
        "Too many wrong passphrases: the data on this device was wiped. Download the list "
        "again.")
    expect(desk).to_have_attribute("data-lock", "empty")
    assert {name: store["count"] for name, store in _raw(page).items()} == {
        "meta": 0, "kv": 0, "queue": 0, "attention": 0}
    context.set_offline(False)


def test_sign_out_warns_about_unsynced_events_then_wipes(server, context):
    _one, two, _three = _run(server, SETUP)
    page = context.new_page()
    open_offline_desk(page, server.url)
    _no_show(page, two["appointment_id"])
    expect(page.locator("#queue-count")).to_have_text("1")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.locator("#offline-message")).to_have_text(
        "Events not sent yet: 1. Signing out deletes them from this device. Sync first, or "
        "sign out anyway.")
    expect(page).to_have_url(re.compile(r"/desk/offline/$"))  # not signed out yet
    assert _raw(page)["queue"]["count"] == 1
    page.get_by_role("button", name="Sign out and delete them").click()
    expect(page).to_have_url(re.compile(r"/staff/login"))
    assert _raw(page) is None  # the database is gone
    page.goto(server.url + "/desk/offline/")
    expect(page).to_have_url(re.compile(r"/staff/login"))  # signed out on the server too

    # Leftovers of the old clear layout are wiped when the desk opens.
    page.evaluate(OLD_LAYOUT)
    assert _raw(page)["kv"]["count"] == 1
    staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
    page.goto(server.url + "/desk/offline/")
    expect(page.locator("#offline-desk")).to_have_attribute("data-lock", "empty")
    assert _raw(page)["kv"]["count"] == 0


def test_expired_data_is_wiped_on_next_open(server, context):
    page = context.new_page()
    open_offline_desk(page, server.url)
    assert _raw(page)["kv"]["count"] >= 2
    page.evaluate(EXPIRE)  # as if DESK_PACK_HOURS had passed
    page.reload()
    desk = page.locator("#offline-desk")
    expect(page.locator("#offline-message")).to_have_text(
        "The data on this device expired and was wiped: download the list again.")
    expect(desk).to_have_attribute("data-lock", "empty")
    assert {name: store["count"] for name, store in _raw(page).items()} == {
        "meta": 0, "kv": 0, "queue": 0, "attention": 0}
    # Nothing waiting: signing out needs no confirmation.
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/login"))
