"""The offline desk (/desk/offline/) in Chromium: the vaccinator downloads today's list online,
the network goes off, the page reloads from the service worker with the list from IndexedDB
(encrypted: unlocked with the passphrase chosen at the download),
a wrong secret code is refused on the device, doses and a no-show are recorded offline (kept
over a reload), and back online the queue is sent by itself: one dose and the no-show are
recorded, the other dose, recorded elsewhere meanwhile, is listed under "Needs attention"."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_offline_desk, unlock_offline_desk

pytestmark = pytest.mark.browser

SETUP = """
import json, secrets, uuid
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.accounts.models import StaffUser
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary

app = create_app()
with app.app_context():
    staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "vaccinator"))
    facility = db.session.get(Facility, staff.facility_id)
    session = VaccinationSession(facility_id=facility.id, date=facility_today(facility),
                                 vaccine="covishield", min_age=18, slots=["09:00-11:00"])
    session.capacities = [SessionCapacity(dose_kind="1", capacity=10, booked=3)]
    db.session.add(session)
    db.session.flush()
    out = []
    for name in ("Offline One", "Offline Two", "Offline Three"):
        person = Beneficiary(reference_id=str(10 ** 13 + secrets.randbelow(9 * 10 ** 13)),
                             name=name, birth_year=1980, gender="F", id_doc_type="aadhaar",
                             id_hash=secrets.token_hex(32), id_masked="XXXX XXXX 1234", groups=[])
        db.session.add(person)
        db.session.flush()
        appointment = Appointment(id=uuid.uuid4(), beneficiary_id=person.id, session_id=session.id,
                                  capacity_id=session.capacities[0].id, dose_number=1,
                                  slot="09:00-11:00", secret_code="4821", status="booked")
        db.session.add(appointment)
        db.session.flush()
        out.append({"reference_id": person.reference_id, "appointment_id": str(appointment.id),
                    "person_id": person.id, "facility_id": facility.id})
    db.session.commit()
    print(json.dumps(out))
"""

ELSEWHERE = """
import json, sys
import datetime as dt
from cowin_kit.app import create_app
from cowin_kit.core.db import db
from cowin_kit.vaccination.models import DoseRecord

app = create_app()
with app.app_context():
    now = dt.datetime.now(dt.timezone.utc)
    db.session.add(DoseRecord(beneficiary_id=int(sys.argv[1]), facility_id=int(sys.argv[2]),
                              vaccine="covishield", lot="ELSEWHERE-1", dose_number=1,
                              series_total=2, is_booster=False, administered_on=now.date(),
                              administered_at=now, recorded_at=now))
    db.session.commit()
    print("{}")
"""

DOSES = """
import json, sys
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.core.db import db
from cowin_kit.vaccination.models import DoseRecord

app = create_app()
with app.app_context():
    rows = db.session.execute(sa.select(DoseRecord.lot).where(
        DoseRecord.beneficiary_id == int(sys.argv[1]))).scalars().all()
    print(json.dumps({"lots": list(rows)}))
"""


STATUS = """
import json, sys, uuid
from cowin_kit.app import create_app
from cowin_kit.booking.models import Appointment
from cowin_kit.core.db import db

app = create_app()
with app.app_context():
    print(json.dumps({"status": db.session.get(Appointment, uuid.UUID(sys.argv[1])).status}))
"""


def _run(server, script: str, *args: str):
    done = subprocess.run([sys.executable, "-c", script, *args], env=server.env, cwd=server.folder,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _record(page, appointment_id: str, code: str, lot: str) -> None:
    row = page.locator(f"li[data-appointment='{appointment_id}']")
    row.locator("input[name=code]").fill(code)
    row.locator("input[name=lot]").fill(lot)
    row.get_by_role("button", name="Record dose").click()


def test_offline_desk_records_offline_and_syncs(server, context, shot):
    one, two, three = _run(server, SETUP)
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    open_offline_desk(page, server.url)
    row = page.locator(f"li[data-appointment='{one['appointment_id']}']")
    expect(row).to_contain_text(one["reference_id"])
    expect(row).to_contain_text("O\u2022\u2022\u2022 O\u2022\u2022\u2022")
    expect(page.locator("main")).not_to_contain_text("Offline One")

    # Meanwhile, online: the second person's dose is recorded elsewhere after the device took
    # its pack. Done before the device records anything: under load the device's queue has
    # once reached the server while the context was offline (the IntegrityError of this very
    # insert), which is no part of what this test checks.
    _run(server, ELSEWHERE, str(two["person_id"]), str(two["facility_id"]))
    context.set_offline(True)
    page.reload()  # the shell from the cache, the list from IndexedDB once unlocked
    expect(page.locator("#offline-state")).to_have_text("offline")
    unlock_offline_desk(page)
    expect(row).to_contain_text(one["reference_id"])
    _record(page, one["appointment_id"], "0000", "E2E-OFF-1")
    expect(page.locator("#offline-message")).to_have_text(
        "The secret code does not match this appointment.")
    _record(page, one["appointment_id"], "4821", "E2E-OFF-1")
    _record(page, two["appointment_id"], "4821", "E2E-OFF-1")
    page.locator(f"li[data-appointment='{three['appointment_id']}']").get_by_role(
        "button", name="No-show").click()
    expect(page.locator("#queue-count")).to_have_text("3")
    page.reload()
    expect(page.locator("#queue-count")).to_have_text("3")  # the queue survives a reload
    unlock_offline_desk(page)
    shot(page, "offline-desk")

    context.set_offline(False)  # back online, the queue is sent by itself
    expect(page.locator("#offline-message")).to_have_text(
        "Sent, but 1 not recorded: see Needs attention below.")
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#attention li[data-code=DOSE_ALREADY_RECORDED]")).to_contain_text(
        two["reference_id"])
    assert _run(server, DOSES, str(one["person_id"]))["lots"] == ["E2E-OFF-1"]
    assert _run(server, DOSES, str(two["person_id"]))["lots"] == ["ELSEWHERE-1"]
    assert _run(server, STATUS, three["appointment_id"])["status"] == "no_show"
    page.get_by_role("button", name="Sync now").click()  # nothing left to send
    expect(page.locator("#queue-count")).to_have_text("0")
