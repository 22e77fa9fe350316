"""The offline desk's conflicts and repeated syncs in Chromium, network switched off and on
(issue #22 item 3): while the tablet is offline, the online desk records one of its people, the
manager cancels a session, a session fills up; back online each refused event is listed under
"Needs attention" with the rule that refused it, the others are recorded. A sync whose answer
is lost (the network drops after the server applied it) is sent again without a second record,
and what it refused is still shown. Reloading offline keeps the queue."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (open_offline_desk, reload_offline_desk, set_desk_network,
                               staff_sign_in, sync_offline_desk)

pytestmark = pytest.mark.browser

_APP = """
import json, secrets, sys, uuid
import datetime as dt
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.accounts.models import StaffUser
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DeskSyncEvent, DoseRecord

app = create_app()
ctx = app.app_context()
ctx.push()


def staff(name):
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.username == name))


def person(name):
    document = get_profile().data["identity_documents"][0]["id"]
    row = Beneficiary(reference_id=str(10 ** 13 + secrets.randbelow(9 * 10 ** 13)), name=name,
                      birth_year=1980, gender="F", id_doc_type=document,
                      id_hash=secrets.token_hex(32), id_masked="XXXX 1234", groups=[])
    db.session.add(row)
    db.session.flush()
    return row
"""

# Sessions today at the vaccinator's facility, with booked people (code 4821); argv: a JSON
# list of [capacity, [names...]] per session, or [capacity, [names...], appointment status].
SETUP = _APP + """
facility = db.session.get(Facility, staff("vaccinator").facility_id)
vaccine = get_profile().vaccines[0].id
out = []
for capacity, names, *status in json.loads(sys.argv[1]):
    session = VaccinationSession(facility_id=facility.id, date=facility_today(facility),
                                 vaccine=vaccine, min_age=18, slots=["09:00-11:00"])
    session.capacities = [SessionCapacity(dose_kind="1", capacity=capacity, booked=len(names))]
    db.session.add(session)
    db.session.flush()
    people = []
    for name in names:
        who = person(name)
        appointment = Appointment(id=uuid.uuid4(), beneficiary_id=who.id, session_id=session.id,
                                  capacity_id=session.capacities[0].id, dose_number=1,
                                  slot="09:00-11:00", secret_code="4821",
                                  status=status[0] if status else "booked")
        db.session.add(appointment)
        db.session.flush()
        people.append({"reference_id": who.reference_id, "appointment_id": str(appointment.id),
                       "person_id": who.id})
    out.append({"session_id": str(session.id), "vaccine": vaccine, "people": people})
db.session.commit()
print(json.dumps(out))
"""

# The facility manager cancels a session (the booking operation the admin pages use).
CANCEL = _APP + """
from cowin_kit.booking.admin_operations import cancel_session
cancel_session(staff("manager"), db.session.get(VaccinationSession, uuid.UUID(sys.argv[1])),
               "e2e: cancelled while the tablet was offline")
print("{}")
"""

# Others are vaccinated in a session until it is full (its capacity in dose records); with
# "undo", those records are deleted again (the session is shared with the other e2e tests).
FILL = _APP + """
session = db.session.get(VaccinationSession, uuid.UUID(sys.argv[1]))
capacity = sum(c.capacity for c in session.capacities)
given = db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord).where(
    DoseRecord.session_id == session.id))
now = dt.datetime.now(dt.timezone.utc)
undo = sys.argv[2:] == ["undo"]
if undo:
    db.session.execute(sa.delete(DoseRecord).where(DoseRecord.session_id == session.id,
                                                   DoseRecord.lot == "FILL-1"))
for n in range(0 if undo else max(0, capacity - given)):
    db.session.add(DoseRecord(beneficiary_id=person(f"Filler {n}").id, session_id=session.id,
                              facility_id=session.facility_id, vaccine=session.vaccine,
                              lot="FILL-1", dose_number=1, series_total=2, is_booster=False,
                              administered_on=now.date(), administered_at=now, recorded_at=now))
db.session.commit()
print("{}")
"""

# Each person's dose records (lots) and the desk's sync events.
RECORDS = _APP + """
ids = json.loads(sys.argv[1])
lots = {str(i): db.session.scalars(sa.select(DoseRecord.lot).where(
    DoseRecord.beneficiary_id == i)).all() for i in ids}
walk_ins = db.session.scalars(sa.select(DoseRecord.lot).where(
    DoseRecord.lot.like("E2E-%"), DoseRecord.appointment_id.is_(None))).all()
events = db.session.scalar(sa.select(sa.func.count()).select_from(DeskSyncEvent))
print(json.dumps({"lots": lots, "walk_ins": walk_ins, "events": events}))
"""


def _run(server, script: str, *args: str):
    done = subprocess.run([sys.executable, "-c", script, *args], env=server.env,
                          cwd=server.folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _records(server, *people) -> dict:
    found = _run(server, RECORDS, json.dumps([p["person_id"] for p in people]))
    return {**found, "lots": [found["lots"][str(p["person_id"])] for p in people]}


def _record(page, who: dict, lot: str) -> None:
    row = page.locator(f"li[data-appointment='{who['appointment_id']}']")
    row.locator("input[name=code]").fill("4821")
    row.locator("input[name=lot]").fill(lot)
    row.locator("form.offline-dose button[type=submit]").click()
    expect(row.locator(".status")).to_have_text(
        page.locator("#offline-desk").get_attribute("data-t-queued"))


def _aadhaar(seed: int) -> str:
    from stdnum import verhoeff

    base = f"{2 + seed % 8}{seed:010d}"[:11]
    return base + verhoeff.calc_check_digit(base)


def _walk_in(page, name: str, vaccine: str, lot: str) -> None:
    form = page.locator("#walkin-form")
    form.locator("#walkin-name").fill(name)
    form.locator("#walkin-birth-year").fill("1979")
    form.locator("#walkin-gender").select_option(index=0)
    form.locator("#walkin-id-type").select_option(value="aadhaar")
    form.locator("#walkin-id-number").fill(_aadhaar(700000 + len(name)))
    form.locator("#walkin-vaccine").select_option(value=vaccine)
    form.locator("#walkin-lot").fill(lot)
    form.locator("button[type=submit]").click()


def _online_desk_records(browser, server, who: dict) -> None:
    """Another vaccinator, online, records the person's dose at the (online) desk."""
    other = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-US")
    other.set_default_timeout(15000)
    try:
        page = other.new_page()
        staff_sign_in(page, server.url, "vaccinator", "demo-vaccinator")
        page.goto(f"{server.url}/desk/people/{who['reference_id']}")
        page.fill("#secret_code", "4821")
        page.fill("#lot", "ONLINE-1")
        page.locator("form.desk-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/desk/doses/\d+$"))
    finally:
        other.close()


def _attention(page, code: str):
    return page.locator(f"#attention li[data-code={code}]")


def test_conflicts_are_listed_with_the_rule_that_refused_them(server, browser, context, shot):
    sessions = _run(server, SETUP, json.dumps([[10, ["Conflict One", "Conflict Two"]],
                                                [10, ["Conflict Three", "Conflict Four"]]]))
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    pack = open_offline_desk(page, server.url)
    vaccine = sessions[0]["vaccine"]
    # A walk-in goes to the list's first session of its vaccine (it will fill up); another
    # session is cancelled.
    walk_in_session = next(s["session_id"] for s in pack["sessions"] if s["vaccine"] == vaccine)
    cancelled, kept = sorted(sessions, key=lambda s: s["session_id"] == walk_in_session)
    ok, elsewhere = kept["people"]
    gone = cancelled["people"][0]

    set_desk_network(page, online=False)
    _record(page, ok, "E2E-C-1")
    _record(page, elsewhere, "E2E-C-1")
    _record(page, gone, "E2E-C-1")
    _walk_in(page, "Walk Full", vaccine, "E2E-C-2")
    expect(page.locator("#queue-count")).to_have_text("4")
    reload_offline_desk(page)  # offline: the shell from the cache, the queue from IndexedDB
    expect(page.locator("#queue-count")).to_have_text("4")

    # Meanwhile, online: (a) the online desk records one of them, (b) the manager cancels a
    # session, (c) the walk-in's session fills up.
    _online_desk_records(browser, server, elsewhere)
    _run(server, CANCEL, cancelled["session_id"])
    _run(server, FILL, walk_in_session)
    try:
        _sync_and_check(page, server, shot, ok, elsewhere, gone)
    finally:
        _run(server, FILL, walk_in_session, "undo")


def _sync_and_check(page, server, shot, ok, elsewhere, gone) -> None:
    set_desk_network(page, online=True)  # the queue is sent by itself
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#offline-message")).to_have_text(
        "Sent, but 3 not recorded: see Needs attention below.")
    expect(page.locator("#attention li")).to_have_count(3)
    expect(page.locator("#attention-section")).to_be_visible()
    expect(_attention(page, "DOSE_ALREADY_RECORDED")).to_contain_text(elsewhere["reference_id"])
    expect(_attention(page, "DOSE_ALREADY_RECORDED")).to_contain_text(
        "This dose is already recorded for this person.")
    expect(_attention(page, "SESSION_CANCELLED")).to_contain_text(gone["reference_id"])
    expect(_attention(page, "SESSION_CANCELLED")).to_contain_text(
        "The session was cancelled before this event reached the server.")
    expect(_attention(page, "CAPACITY_EXCEEDED")).to_contain_text("W\u2022\u2022\u2022 F\u2022")
    expect(_attention(page, "CAPACITY_EXCEEDED")).to_contain_text(
        "The session already has as many doses recorded as its capacity.")
    shot(page, "offline-desk-attention")
    found = _records(server, ok, elsewhere, gone)
    assert found["lots"] == [["E2E-C-1"], ["ONLINE-1"], []]
    assert "E2E-C-2" not in found["walk_ins"]

    reload_offline_desk(page)  # what needs attention stays on the device
    expect(page.locator("#attention li")).to_have_count(3)


def test_sync_repeated_after_a_lost_answer_records_nothing_twice(server, context):
    session, = _run(server, SETUP, json.dumps([[10, ["Lost One", "Lost Two", "Lost Three"]]]))
    one, two, three = session["people"]
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    open_offline_desk(page, server.url)
    set_desk_network(page, online=False)
    for who in (one, two, three):
        _record(page, who, "E2E-L-1")
    reload_offline_desk(page)
    expect(page.locator("#queue-count")).to_have_text("3")
    # Meanwhile the third person's dose is recorded elsewhere (a conflict for the first sync).
    _online_desk_records(context.browser, server, three)

    # Back online, the server applies the sync but the answer never reaches the tablet.
    answers = []

    def lose_the_answer(route):
        answers.append(route.fetch().json())
        route.abort("internetdisconnected")

    page.route("**/staff/desk/sync", lose_the_answer)
    set_desk_network(page, online=True)  # the automatic sync: applied, answer lost
    expect(page.locator("#offline-message")).to_have_text(
        page.locator("#offline-desk").get_attribute("data-t-sync-failed"))
    assert [r["status"] for r in answers[0]["results"]] == ["applied", "applied", "conflict"]
    expect(page.locator("#queue-count")).to_have_text("3")  # kept: the device does not know
    page.unroute("**/staff/desk/sync")

    sync_offline_desk(page)  # sent again: every event is a duplicate, nothing recorded twice
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#offline-message")).to_have_text(
        "Sent, but 1 not recorded: see Needs attention below.")
    found = _records(server, one, two, three)
    assert found["lots"] == [["E2E-L-1"], ["E2E-L-1"], ["ONLINE-1"]]
    # What the first (lost) answer refused is still shown: the dose is not on record.
    expect(_attention(page, "DOSE_ALREADY_RECORDED")).to_contain_text(three["reference_id"])
    expect(_attention(page, "DOSE_ALREADY_RECORDED")).to_contain_text(
        "This dose is already recorded for this person.")
    expect(page.locator("#attention li")).to_have_count(1)
