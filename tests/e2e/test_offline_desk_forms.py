"""The offline desk's own checks and forms in Chromium, with the network off: a dose refused
for eligibility on the device (dose 2 too early after dose 1), a walk-in whose ID number has a
wrong check digit refused on the device (nothing queued), a valid walk-in queued, an adverse
event recorded after it; back online, the person, the dose and the AEFI report are on the
server."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from stdnum import verhoeff

from tests.e2e.helpers import no_horizontal_overflow, open_offline_desk

pytestmark = pytest.mark.browser

SETUP = """
import datetime as dt, json, secrets, uuid
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.accounts.models import StaffUser
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DoseRecord

app = create_app()
with app.app_context():
    staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "vaccinator"))
    facility = db.session.get(Facility, staff.facility_id)
    today = facility_today(facility)
    session = VaccinationSession(facility_id=facility.id, date=today, vaccine="covishield",
                                 min_age=18, slots=["09:00-11:00"])
    session.capacities = [SessionCapacity(dose_kind="2", capacity=10, booked=1)]
    db.session.add(session)
    db.session.flush()
    person = Beneficiary(reference_id=str(10 ** 13 + secrets.randbelow(9 * 10 ** 13)),
                         name="Early Second", birth_year=1980, gender="F", id_doc_type="aadhaar",
                         id_hash=secrets.token_hex(32), id_masked="XXXX XXXX 1234", groups=[])
    db.session.add(person)
    db.session.flush()
    given = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
    db.session.add(DoseRecord(beneficiary_id=person.id, facility_id=facility.id,
                              vaccine="covishield", lot="EARLIER-1", dose_number=1,
                              series_total=2, is_booster=False, administered_on=given.date(),
                              administered_at=given, recorded_at=given))
    appointment = Appointment(id=uuid.uuid4(), beneficiary_id=person.id, session_id=session.id,
                              capacity_id=session.capacities[0].id, dose_number=2,
                              slot="09:00-11:00", secret_code="4821", status="booked")
    db.session.add(appointment)
    db.session.commit()
    print(json.dumps({"appointment_id": str(appointment.id)}))
"""

WALKED_IN = """
import json, sys
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import AefiReport, DoseRecord

app = create_app()
with app.app_context():
    people = db.session.scalars(sa.select(Beneficiary).where(Beneficiary.name == sys.argv[1])).all()
    doses = [d for p in people for d in db.session.scalars(sa.select(DoseRecord).where(
        DoseRecord.beneficiary_id == p.id))]
    reports = [r for d in doses for r in db.session.scalars(sa.select(AefiReport).where(
        AefiReport.dose_record_id == d.id))]
    print(json.dumps({"people": len(people), "lots": [d.lot for d in doses],
                      "symptoms": [r.symptoms for r in reports]}))
"""

def _aadhaar() -> str:
    """A valid Aadhaar number nobody else in the shared demo uses (Verhoeff check digit)."""
    base = str(secrets.choice(range(2, 10))) + "".join(secrets.choice("0123456789")
                                                      for _ in range(10))
    return base + verhoeff.calc_check_digit(base)


def _run(server, script: str, *args: str):
    done = subprocess.run([sys.executable, "-c", script, *args], env=server.env, cwd=server.folder,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _walk_in(page, name: str, number: str) -> None:
    page.fill("#walkin-name", name)
    page.fill("#walkin-birth-year", "1975")
    page.select_option("#walkin-gender", "F")
    page.select_option("#walkin-id-type", "aadhaar")
    page.fill("#walkin-id-number", number)
    page.select_option("#walkin-vaccine", "covishield")
    page.fill("#walkin-lot", "E2E-WALK-1")
    page.get_by_role("button", name="Register and record dose 1").click()


def test_offline_desk_checks_and_forms(server, context, shot):
    setup = _run(server, SETUP)
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    open_offline_desk(page, server.url)
    context.set_offline(True)
    expect(page.locator("#desk-forms")).to_be_visible()

    # Dose 2 ten days after dose 1: refused on the device, with the engine's reason.
    row = page.locator(f"li[data-appointment='{setup['appointment_id']}']")
    row.locator("input[name=code]").fill("4821")
    row.locator("input[name=lot]").fill("E2E-OFF-2")
    row.get_by_role("button", name="Record dose").click()
    expect(page.locator("#offline-message")).to_contain_text("Dose 2 is due from")
    expect(page.locator("#queue-count")).to_have_text("0")

    # A wrong check digit: refused on the device, nothing queued.
    number = _aadhaar()
    _walk_in(page, "Walk Offline", number[:-1] + str((int(number[-1]) + 1) % 10))
    expect(page.locator("#walkin-error")).to_have_text(
        "The check digit is wrong: please check the number for a typing error.")
    expect(page.locator("#queue-count")).to_have_text("0")
    _walk_in(page, "Walk Offline", f"{number[:4]} {number[4:8]} {number[8:]}")  # as printed
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#walkin-error")).to_be_hidden()

    # An adverse event after the walk-in's dose (the dose is listed as given today).
    form = page.locator("#aefi-form")
    expect(form).to_be_visible()
    walked = page.locator("#aefi-dose option", has_text="W\u2022\u2022\u2022 O\u2022\u2022\u2022")
    expect(walked).to_have_count(1)  # (with the doses other tests gave today at this site)
    page.select_option("#aefi-dose", label=walked.inner_text())
    form.get_by_role("button", name="Send report").click()  # no symptom chosen
    expect(page.locator("#aefi-error")).to_have_text("Choose at least one symptom from the list.")
    form.get_by_label("Fever").check()
    page.select_option("#aefi-severity", "mild")
    page.select_option("#aefi-outcome", "recovering")
    form.get_by_role("button", name="Send report").click()
    expect(page.locator("#queue-count")).to_have_text("2")
    shot(page, "offline-desk-forms")
    assert no_horizontal_overflow(page)  # 375 px wide, forms open

    context.set_offline(False)  # back online, the queue is sent by itself
    expect(page.locator("#offline-message")).to_have_text("Sent and recorded.")
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#attention li")).to_have_count(0)
    assert _run(server, WALKED_IN, "Walk Offline") == {
        "people": 1, "lots": ["E2E-WALK-1"], "symptoms": [["fever"]]}
    # The synced dose can still be reported on (its event id is kept on the device).
    expect(walked).to_have_count(1)
