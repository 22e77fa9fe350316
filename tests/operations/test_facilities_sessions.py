"""Facility admin (create, edit, activate, CSV import all-or-nothing) and session planning
(many dates, capacity never below booked, cancelling releases appointments and texts people)."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.models import AuditEntry, SmsMessage
from tests.operations.conftest import make_appointment, make_person, make_session, sign_in

HEADER = "code,name,area_code,address,postal_code,lat,lon,fee_type,opens,closes\n"


def _import(client, text):
    return client.post("/admin/facilities/import", data={
        "file": (io.BytesIO(text.encode()), "facilities.csv")}, content_type="multipart/form-data")


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_csv_import_with_broken_rows_imports_nothing(client, db, world):
    sign_in(client, world.staff["national_admin"])
    text = HEADER + "\n".join([
        "NEW1,Good centre,T-A-1,Main road,110001,28.6,77.2,Free,09:00,17:00",   # line 2: fine
        "NEW1,Same code again,T-A-1,,,,,Free,,",                                 # 3: dup in file
        "FA,Existing code,T-A-1,,,,,Free,,",                                     # 4: dup in DB
        "NEW2,Nowhere,XX-NOPE,,,,,Free,,",                                       # 5: unknown area
        "NEW3,Bad place,T-A-1,,,95.0,77.2,Free,,",                               # 6: latitude
        "NEW4,Bad fee,T-B,,,,,Sometimes,,",                                      # 7: fee type
    ]) + "\n"
    response = _import(client, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nothing was imported" in html and "IMPORT_FAILED" not in html
    for line, words in ((3, "repeated"), (4, "exists"), (5, "Unknown area"), (6, "Latitude"),
                        (7, "Free or Paid")):
        assert f"<td>{line}</td>" in html and words in html, (line, words)
    assert "<td>2</td>" not in html
    assert _count(db, Facility) == 2  # only the world's FA and FB


def test_csv_import_report_over_the_api(client, db, world):
    sign_in(client, world.staff["area_admin"])
    response = client.post("/api/kit/v1/staff/facilities/import",
                           headers={"X-Requested-With": "XMLHttpRequest"},
                           json={"csv": HEADER + "OK1,Fine,T-A-1,,,,,Free,,\n"
                                                 "OUT1,Other state,T-B,,,,,Free,,\n"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "IMPORT_FAILED"
    assert error["fields"] == {"3.area_code": ["This area is outside your responsibility."]}
    assert _count(db, Facility) == 2


def test_csv_import_of_good_rows(client, db, world):
    sign_in(client, world.staff["area_admin"])
    response = _import(client, "\ufeff" + HEADER + "N1,One,T-A-1,,,,,Free,,\n"
                                                  "N2,Two,T-A,,,12.5,77.5,paid,08:00,20:00\n")
    assert response.status_code == 200
    two = db.session.execute(sa.select(Facility).where(Facility.code == "N2")).scalar_one()
    assert (two.fee_type, two.lat, two.opens) == ("Paid", 12.5, dt.time(8, 0))
    assert db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "facility.import")).scalar_one().details["count"] == 2


def test_create_edit_deactivate_facility(client, db, world):
    sign_in(client, world.staff["area_admin"])
    out = client.post("/admin/facilities/new", data={"code": "X1", "name": "X", "area_code": "T-B"})
    assert out.status_code == 403  # area B is outside this admin's area
    response = client.post("/admin/facilities/new", data={
        "code": "PHC-9", "name": "PHC Nine", "area_code": "T-A-1", "fee_type": "Free"})
    assert response.status_code == 302
    facility = db.session.execute(sa.select(Facility).where(Facility.code == "PHC-9")).scalar_one()
    dup = client.post(f"/admin/facilities/{facility.id}/edit", data={"code": "FA"})
    assert dup.status_code == 422
    assert client.post(f"/admin/facilities/{facility.id}/edit",
                       data={"name": "PHC 9", "lat": "10", "lon": "20"}).status_code == 302
    assert client.post(f"/admin/facilities/{facility.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(facility)
    assert (facility.name, facility.lat, facility.active) == ("PHC 9", 10.0, False)
    edit = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "facility.edit")).scalar_one()
    assert edit.details["before"]["name"] == "PHC Nine" and edit.details["after"]["name"] == "PHC 9"


def test_plan_sessions_for_many_dates(client, db, world):
    from cowin_kit.booking.admin_operations import facility_today

    fa = world.facilities["FA"]
    start = facility_today(fa) + dt.timedelta(days=1)
    sign_in(client, world.staff["facility_manager"])
    response = client.post(f"/admin/facilities/{fa.id}/sessions", data={
        "vaccine": "covishield", "from": start.isoformat(),
        "until": (start + dt.timedelta(days=13)).isoformat(),
        "weekday": ["0", "2", "4"], "capacity_1": "50", "capacity_2": "30", "capacity_booster": "",
        "min_age": "18", "fee": "0", "slots": "09:00-12:00,12:00-15:00"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    sessions = db.session.execute(sa.select(VaccinationSession)).scalars().all()
    assert len(sessions) == 6 and {s.date.weekday() for s in sessions} == {0, 2, 4}
    assert {(c.dose_kind, c.capacity) for c in sessions[0].capacities} == {("1", 50), ("2", 30)}
    # The same dates again clash; a past date and an unknown vaccine are refused; nothing added.
    first = min(s.date for s in sessions)
    for data in ({"from": first.isoformat(), "vaccine": "covishield"},
                 {"from": (start - dt.timedelta(days=5)).isoformat(), "vaccine": "covishield"},
                 {"from": start.isoformat(), "vaccine": "snake-oil"}):
        again = client.post(f"/admin/facilities/{fa.id}/sessions",
                            data={**data, "capacity_1": "5"})
        assert again.status_code == 422, data
    assert _count(db, VaccinationSession) == 6


def test_capacity_never_below_booked(client, db, world):
    session = make_session(db, world.facilities["FA"], caps={"1": 3})
    for n in range(2):
        make_appointment(db, session, make_person(db, name=f"P{n}"))
    db.session.commit()
    sign_in(client, world.staff["facility_manager"])
    url = f"/api/kit/v1/staff/sessions/{session.id}/capacities"
    headers = {"X-Requested-With": "XMLHttpRequest"}
    low = client.put(url, headers=headers, json={"dose_kind": "1", "capacity": 1})
    assert low.status_code == 409 and low.get_json()["error"]["code"] == "CAPACITY_BELOW_BOOKED"
    capacity = db.session.execute(sa.select(SessionCapacity)).scalar_one()
    db.session.refresh(capacity)
    assert capacity.capacity == 3
    assert client.put(url, headers=headers, json={"dose_kind": "1", "capacity": 2}).status_code == 200
    assert client.put(url, headers=headers, json={"dose_kind": "1", "capacity": 80}).get_json() == {
        "dose_kind": "1", "capacity": 80, "booked": 2}
    page = client.post(f"/admin/sessions/{session.id}/capacity", data={"dose_kind": "1", "capacity": "0"})
    assert page.status_code == 409
    db.session.refresh(capacity)
    assert capacity.capacity == 80


def test_cancel_session_releases_appointments_and_sends_localised_sms(client, db, world):
    from cowin_kit.accounts.models import CitizenAccount

    session = make_session(db, world.facilities["FA"], dt.date.today() + dt.timedelta(days=2))
    people = []
    for n, (mobile, locale) in enumerate((("+919876500001", "hi_IN"), ("+919876500002", None))):
        account = CitizenAccount(mobile=mobile)
        db.session.add(account)
        db.session.flush()
        person = make_person(db, name=f"Person {n}", account=account, locale=locale)
        make_appointment(db, session, person)
        people.append(person)
    walk_in = make_person(db, name="No phone")
    make_appointment(db, session, walk_in)
    db.session.commit()
    sign_in(client, world.staff["area_admin"])
    response = client.post(f"/admin/sessions/{session.id}/cancel", data={"reason": "no vaccine"})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.status == "cancelled"
    statuses = db.session.execute(sa.select(Appointment.status, Appointment.cancelled_reason)).all()
    assert statuses == [("cancelled", "session_cancelled")] * 3
    assert all(c.booked == 0 for c in session.capacities)
    sms = db.session.execute(sa.select(SmsMessage).order_by(SmsMessage.mobile)).scalars().all()
    assert [(m.mobile, m.purpose, m.locale) for m in sms] == [
        ("+919876500001", "cancel", "hi_IN"), ("+919876500002", "cancel", "en_IN")]
    assert "Person 1" in sms[1].body
    assert client.post(f"/admin/sessions/{session.id}/cancel").status_code == 409


def test_facility_and_sessions_over_the_api(client, db, world):
    sign_in(client, world.staff["area_admin"])
    headers = {"X-Requested-With": "XMLHttpRequest"}
    created = client.post("/api/kit/v1/staff/facilities", headers=headers, json={
        "code": "API-1", "name": "Api Centre", "area_code": "T-A-1", "fee_type": "Paid",
        "opens": "08:00", "closes": "14:00"})
    assert created.status_code == 201, created.get_json()
    facility = created.get_json()
    assert (facility["opens"], facility["active"]) == ("08:00:00", True)
    patched = client.patch(f"/api/kit/v1/staff/facilities/{facility['id']}", headers=headers,
                           json={"name": "API Centre", "active": False})
    assert patched.get_json()["name"] == "API Centre" and patched.get_json()["active"] is False
    client.patch(f"/api/kit/v1/staff/facilities/{facility['id']}", headers=headers,
                 json={"active": True})
    day = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    sessions = client.post(f"/api/kit/v1/staff/facilities/{facility['id']}/sessions",
                           headers=headers, json={"dates": [day], "vaccine": "covaxin",
                                                  "capacities": {"1": 40, "booster": 10},
                                                  "fee": 250})
    assert sessions.status_code == 201, sessions.get_json()
    body = sessions.get_json()[0]
    assert body["slots"] == ["08:00-10:00", "10:00-12:00", "12:00-14:00"]
    assert {c["dose_kind"]: c["capacity"] for c in body["capacities"]} == {"1": 40, "booster": 10}
    free = client.post(f"/api/kit/v1/staff/facilities/{facility['id']}/sessions",
                       headers=headers, json={"dates": [day], "vaccine": "covishield",
                                              "capacities": {"1": 5}, "fee": 0})
    assert free.status_code == 422 and "fee" in free.get_json()["error"]["fields"]


def test_planning_refusals_are_sentences_not_formats(client, db, world):
    """A bad day or a range over a year is explained in words at the field (issue #18 item 5),
    not as a bare "YYYY-MM-DD" or "≤ 366"; nothing is planned."""
    from cowin_kit.booking.admin_operations import facility_today

    fa = world.facilities["FA"]
    start = facility_today(fa) + dt.timedelta(days=1)
    sign_in(client, world.staff["facility_manager"])
    base = {"vaccine": "covishield", "capacity_1": "5", "min_age": "18", "fee": "0",
            "slots": "09:00-12:00"}
    bad_day = client.post(f"/admin/facilities/{fa.id}/sessions",
                          data={**base, "date": "next tuesday"})
    too_long = client.post(f"/admin/facilities/{fa.id}/sessions",
                           data={**base, "from": start.isoformat(),
                                 "until": (start + dt.timedelta(days=400)).isoformat()})
    for response in (bad_day, too_long):
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "≤ 366" not in page and "<li>YYYY-MM-DD</li>" not in page
    assert "pick the days from the calendar" in bad_day.get_data(as_text=True)
    assert "at most 366 days ahead" in too_long.get_data(as_text=True)
    assert _count(db, VaccinationSession) == 0
