"""Offline desk (issue #22): the pack a vaccinator downloads, and the sync of events recorded
offline: idempotent by the client's UUID (also for two devices at once, on PostgreSQL with
real threads), conflicts with reason codes, invalid events as 4xx results, certificates."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import uuid

import pytest
import sqlalchemy as sa
from stdnum import verhoeff

from cowin_kit.core.models import AuditEntry
from cowin_kit.vaccination.models import AefiReport, DeskSyncEvent, DoseRecord
from tests.operations.conftest import (make_appointment, make_dose, make_person, make_session,
                                       sign_in)

XHR = {"X-Requested-With": "XMLHttpRequest"}
PACK = "/api/kit/v1/staff/desk/pack"
SYNC = "/api/kit/v1/staff/desk/sync"


def aadhaar(seed: int) -> str:
    base = f"{2 + seed % 8}{seed:010d}"[:11]
    return base + verhoeff.calc_check_digit(base)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def now_iso(minutes_ago: int = 5) -> str:
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)).isoformat()


@pytest.fixture
def booked(db, world):
    person = make_person(db, name="Asha Devi")
    session = make_session(db, world.facilities["FA"])
    appointment = make_appointment(db, session, person, code="4821")
    db.session.commit()
    return person, appointment


def dose_event(person, appointment=None, **extra) -> dict:
    event = {"id": str(uuid.uuid4()), "kind": "dose", "reference_id": person.reference_id,
             "vaccine": "covishield", "lot": "4120Z025", "dose_number": 1,
             "administered_at": now_iso()}
    if appointment is not None:
        event.update(appointment_id=str(appointment.id), secret_code="4821")
    event.update(extra)
    return event


def sync(client, *events, device="tablet-1"):
    response = client.post(SYNC, json={"device_id": device, "events": list(events)},
                           headers=XHR)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


# The pack -------------------------------------------------------------------------------------

def test_pack_holds_the_day_without_clear_codes_or_names(client, db, world, booked):
    person, appointment = booked
    other = make_person(db, name="Someone Elsewhere")
    make_appointment(db, make_session(db, world.facilities["FB"]), other, code="1111")
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    response = client.get(PACK)
    assert response.status_code == 200
    pack = response.get_json()
    text = response.get_data(as_text=True)
    assert "4821" not in text and "Asha Devi" not in text and "Devi" not in text
    assert [a["reference_id"] for a in pack["appointments"]] == [person.reference_id]
    row = pack["appointments"][0]
    assert row["name_masked"] == "A\u2022\u2022\u2022 D\u2022\u2022\u2022"
    assert row["birth_year"] == 1980 and row["dose_number"] == 1
    # The device can check a typed code against the hash with the pack's salt (WebCrypto).
    spec = pack["code_hash"]
    salt = base64.b64decode(spec["salt"]) + uuid.UUID(row["appointment_id"]).bytes
    check = lambda code: base64.b64encode(hashlib.pbkdf2_hmac(  # noqa: E731
        "sha256", code.encode(), salt, spec["iterations"], 32)).decode()
    assert check("4821") == row["code_hash"] and check("4822") != row["code_hash"]
    assert pack["sessions"][0]["session_id"] == str(appointment.session_id)
    assert {v["id"] for v in pack["vaccines"]} >= {"covishield"}
    assert pack["profile"]["schedules"] and pack["profile"]["eligibility"]
    assert dt.datetime.fromisoformat(pack["expires_at"]) > dt.datetime.fromisoformat(
        pack["issued_at"])
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "appointments.view")).one()
    assert entry.details["people"] == [person.reference_id]
    assert entry.details["via"] == "desk_pack"


def test_each_pack_has_its_own_salt(client, db, world, booked):
    sign_in(client, world.staff["vaccinator"])
    first, second = client.get(PACK).get_json(), client.get(PACK).get_json()
    assert first["code_hash"]["salt"] != second["code_hash"]["salt"]
    assert first["appointments"][0]["code_hash"] != second["appointments"][0]["code_hash"]


def test_pack_carries_a_fresh_device_key_secret(client, db, world, booked):
    """The salt of the device's storage key (with the vaccinator's passphrase): 32 random bytes
    drawn for each download, and PBKDF2 rounds that make guessing a passphrase costly."""
    sign_in(client, world.staff["vaccinator"])
    first, second = client.get(PACK).get_json(), client.get(PACK).get_json()
    key = first["device_key"]
    assert len(base64.b64decode(key["secret"])) == 32
    assert key["secret"] != second["device_key"]["secret"]
    assert key["iterations"] >= 600_000 and key["algorithm"] == "PBKDF2-SHA256/AES-GCM-256"


def test_pack_lists_the_lots_the_facility_store_can_use(client, db, world, booked):
    from cowin_kit.stock import operations as stock

    fa = world.facilities["FA"]
    nat = world.staff["national_admin"]
    good = stock.register_lot(nat, vaccine="covishield", lot_number="GOOD-1",
                              expiry=dt.date.today() + dt.timedelta(days=90), doses_per_vial=10)
    stock.receive(nat, stock.facility_store(fa), good, 50)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    lots = client.get(PACK).get_json()["lots"]
    assert [(lot["lot"], lot["doses"]) for lot in lots] == [("GOOD-1", 50)]


def test_staff_without_a_facility_get_no_pack(client, db, world):
    sign_in(client, world.staff["area_admin"])
    assert client.get(PACK).status_code == 403


# Sync -----------------------------------------------------------------------------------------

def test_dose_synced_once_and_certificate_issued(client, db, world, booked):
    from cowin_kit.vaccination.signals import dose_recorded

    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    event = dose_event(person, appointment)
    received = []
    with dose_recorded.connected_to(lambda sender, dose: received.append(dose.id)):
        first = sync(client, event)
        again = sync(client, event, device="tablet-2")
    dose = db.session.scalars(sa.select(DoseRecord)).one()
    assert first[0]["status"] == "applied" and first[0]["dose_id"] == dose.id
    assert again[0]["status"] == "duplicate" and again[0]["original"] == "applied"
    assert again[0]["dose_id"] == dose.id
    assert received == [dose.id]  # the desk's signal (certificates) once, not twice
    db.session.refresh(appointment)
    assert appointment.status == "completed" and dose.appointment_id == appointment.id
    assert dose.vaccinator_id == world.staff["vaccinator"].id


def test_sync_issues_the_certificate_as_the_online_desk_does(client, db, world, booked):
    from cowin_kit.certificates.models import Certificate

    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    assert sync(client, dose_event(person, appointment))[0]["status"] == "applied"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.beneficiary_id == person.id)) == 1


def test_same_id_with_other_content_is_a_conflict(client, db, world, booked):
    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    event = dose_event(person, appointment)
    sync(client, event)
    result = sync(client, {**event, "lot": "OTHER"})[0]
    assert (result["status"], result["code"]) == ("conflict", "EVENT_ID_REUSED")
    assert count(db, DoseRecord) == 1


def test_dose_recorded_elsewhere_first_is_a_conflict(client, db, world, booked):
    person, appointment = booked
    make_dose(db, person, world.facilities["FB"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    event = dose_event(person, appointment)
    result = sync(client, event)[0]
    assert (result["status"], result["code"], result["http_status"]) == (
        "conflict", "DOSE_ALREADY_RECORDED", 409)
    assert result["message"] == "This dose is already recorded for this person."
    assert count(db, DoseRecord) == 1
    # The conflict is kept: sending it again answers the same, nothing recorded.
    again = sync(client, event)[0]
    assert (again["status"], again["original"], again["code"]) == (
        "duplicate", "conflict", "DOSE_ALREADY_RECORDED")
    assert again["message"] == result["message"]  # why, again (the first answer may be lost)


def test_session_cancelled_meanwhile_is_a_conflict(client, db, world, booked):
    person, appointment = booked
    appointment.session.status = "cancelled"
    appointment.status = "cancelled"
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, dose_event(person, appointment))[0]
    assert (result["status"], result["code"]) == ("conflict", "SESSION_CANCELLED")
    assert count(db, DoseRecord) == 0


def test_walk_in_beyond_capacity_is_a_conflict(client, db, world):
    fa = world.facilities["FA"]
    session = make_session(db, fa, caps={"1": 1})
    first = make_person(db, name="First")
    make_dose(db, first, fa).session_id = session.id
    second = make_person(db, name="Second")
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, dose_event(second, session_id=str(session.id)))[0]
    assert (result["status"], result["code"]) == ("conflict", "CAPACITY_EXCEEDED")
    assert count(db, DoseRecord) == 1


def test_too_early_by_the_schedule_is_a_conflict(client, db, world):
    person = make_person(db)
    make_dose(db, person, world.facilities["FA"], days_ago=3)
    make_session(db, world.facilities["FA"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, dose_event(person, dose_number=2))[0]
    assert result["status"] == "conflict" and result["http_status"] == 422
    assert result["code"] not in ("VALIDATION_FAILED", "DOSE_ALREADY_RECORDED")
    assert count(db, DoseRecord) == 1


def test_wrong_secret_code_is_a_conflict_and_counted(client, db, world, booked):
    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, dose_event(person, appointment, secret_code="0000"))[0]
    assert (result["status"], result["code"]) == ("conflict", "SECRET_CODE_MISMATCH")
    assert db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "appointment.verify", AuditEntry.outcome == "denied")).all()
    assert count(db, DoseRecord) == 0


def test_walk_in_no_show_and_aefi_in_one_batch(client, db, world, booked):
    person, appointment = booked
    make_session(db, world.facilities["FA"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    walk_in = {"id": str(uuid.uuid4()), "kind": "walk_in", "name": "Ravi Kumar",
               "birth_year": 1985, "gender": "M", "id_doc_type": "aadhaar",
               "id_number": aadhaar(4242), "vaccine": "covishield", "lot": "4120Z025",
               "administered_at": now_iso(30)}
    report = {"id": str(uuid.uuid4()), "kind": "aefi", "dose_event": walk_in["id"],
              "onset_at": now_iso(10), "symptoms": ["fever"], "severity": "mild",
              "outcome": "recovering"}
    no_show = {"id": str(uuid.uuid4()), "kind": "no_show", "appointment_id": str(appointment.id)}
    results = sync(client, walk_in, report, no_show)
    assert [r["status"] for r in results] == ["applied"] * 3
    dose = db.session.get(DoseRecord, results[0]["dose_id"])
    assert db.session.get(AefiReport, results[1]["aefi_id"]).dose_record_id == dose.id
    db.session.refresh(appointment)
    assert appointment.status == "no_show"
    assert count(db, DeskSyncEvent) == 3


def test_aefi_about_an_unsynced_dose_is_a_conflict(client, db, world):
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, {"id": str(uuid.uuid4()), "kind": "aefi",
                           "dose_event": str(uuid.uuid4()), "onset_at": now_iso(),
                           "symptoms": ["fever"], "severity": "mild", "outcome": "recovered"})[0]
    assert (result["status"], result["code"]) == ("conflict", "DOSE_NOT_SYNCED")


@pytest.mark.parametrize("event, field", [
    ("not an object", "event"),
    ({"id": "x", "kind": "dose"}, "id"),
    ({"id": str(uuid.uuid4()), "kind": "teleport"}, "kind"),
    ({"id": str(uuid.uuid4()), "kind": ["dose"]}, "kind"),  # unhashable: was a 500
    ({"id": {"x": 1}, "kind": "no_show", "appointment_id": str(uuid.uuid4())}, "id"),
    ({"id": str(uuid.uuid4()), "kind": "dose", "reference_id": "1" * 14, "vaccine": "covishield",
      "lot": "L", "dose_number": 1, "administered_at": "2026-01-01T10:00:00"},
     "administered_at"),  # no timezone
    ({"id": str(uuid.uuid4()), "kind": "dose", "reference_id": "1" * 14, "vaccine": "covishield",
      "lot": "L", "dose_number": 2 ** 40, "administered_at": now_iso()}, "dose_number"),
    ({"id": str(uuid.uuid4()), "kind": "no_show", "appointment_id": str(uuid.uuid4()),
      "extra": 1}, "extra"),
    ({"id": str(uuid.uuid4()), "kind": "aefi", "onset_at": now_iso(), "symptoms": [],
      "severity": "mild", "outcome": "recovered"}, "symptoms"),
])
def test_invalid_events_are_4xx_results_and_change_nothing(client, db, world, event, field):
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, event)[0]
    assert result["status"] == "invalid" and result["http_status"] == 422
    assert field in result["fields"]
    assert count(db, DeskSyncEvent) == 0


def test_unknown_person_is_a_4xx_result(client, db, world):
    sign_in(client, world.staff["vaccinator"])
    person = make_person(db)
    db.session.rollback()  # never committed: the reference id is unknown
    result = sync(client, dose_event(person))[0]
    assert (result["status"], result["code"], result["http_status"]) == (
        "conflict", "UNKNOWN_PERSON", 404)


@pytest.mark.parametrize("body", [{}, {"events": []}, {"events": "x"},
                                  {"events": [{}] * 201}, {"events": [{}], "device_id": "x" * 65}])
def test_bad_batches_are_refused(client, db, world, body):
    sign_in(client, world.staff["vaccinator"])
    assert client.post(SYNC, json=body, headers=XHR).status_code == 422


def test_out_of_scope_appointment_is_refused(client, db, world):
    other = make_person(db)
    appointment = make_appointment(db, make_session(db, world.facilities["FB"]), other)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    result = sync(client, {"id": str(uuid.uuid4()), "kind": "no_show",
                           "appointment_id": str(appointment.id)})[0]
    assert (result["status"], result["http_status"]) == ("conflict", 403)
    db.session.refresh(appointment)
    assert appointment.status == "booked"


@pytest.mark.postgres
def test_two_devices_syncing_the_same_events_at_once(app, db, world):
    """Two tablets send the same batch at the same moment: every event applied once."""
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.vaccination import offline

    fa = world.facilities["FA"]
    session = make_session(db, fa, caps={"1": 50})
    people = [make_person(db, name=f"P{n}") for n in range(8)]
    appointments = [make_appointment(db, session, p, code="4821") for p in people]
    db.session.commit()
    events = [dose_event(p, a) for p, a in zip(people, appointments)]
    staff_ids = [world.staff["vaccinator"].id, world.staff["facility_manager"].id]
    barrier = threading.Barrier(2)
    results: dict[int, list] = {}

    def device(n):
        with app.test_request_context():
            staff = db.session.get(StaffUser, staff_ids[n])
            barrier.wait()
            try:
                results[n] = offline.sync(staff, f"tablet-{n}", events)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=device, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    db.session.expire_all()
    assert count(db, DoseRecord) == len(events)
    assert count(db, DeskSyncEvent) == len(events)
    for i in range(len(events)):
        statuses = sorted(results[n][i]["status"] for n in range(2))
        assert statuses == ["applied", "duplicate"], statuses
        assert results[0][i]["dose_id"] == results[1][i]["dose_id"]


# The app shell --------------------------------------------------------------------------------

def test_app_shell_serves_every_file_its_service_worker_caches(client, db, world, booked):
    import re
    from pathlib import Path

    import cowin_kit.vaccination as vaccination

    sign_in(client, world.staff["vaccinator"])
    page = client.get("/desk/offline/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert booked[0].reference_id not in html  # the shell holds no personal data
    worker = client.get("/desk/offline/sw.js")
    assert worker.mimetype == "text/javascript"
    source = (Path(vaccination.__file__).parent / "static" / "desk-offline-sw.js").read_text()
    shell = re.findall(r'^\s*"(/[^"]*)",?$', source, re.M)
    assert "/desk/offline/" in shell and len(shell) >= 4
    for path in shell:  # a wrong path fails the worker's install: no offline page at all
        assert client.get(path).status_code == 200, path
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(s in shell for s in scripts)
    manifest = client.get("/desk/offline/manifest.webmanifest").get_json()
    assert manifest["display"] == "standalone" and manifest["scope"] == "/desk/offline/"
