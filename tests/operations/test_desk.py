"""Vaccinator desk: secret code, eligibility, lot format, walk-in end to end, audit of views,
no-shows, corrections within the window, and the dose_recorded signal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from stdnum import verhoeff

from cowin_kit.core.models import AuditEntry
from cowin_kit.vaccination.models import DoseRecord
from tests.operations.conftest import (make_appointment, make_dose, make_person, make_session,
                                       sign_in)


def aadhaar(seed: int) -> str:
    base = f"{2 + seed % 8}{seed:010d}"[:11]
    return base + verhoeff.calc_check_digit(base)


def audits(db, action, **where):
    query = sa.select(AuditEntry).where(AuditEntry.action == action)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return db.session.execute(query).scalars().all()


@pytest.fixture
def booked(db, world):
    person = make_person(db)
    session = make_session(db, world.facilities["FA"])
    appointment = make_appointment(db, session, person, code="4821")
    db.session.commit()
    return person, appointment


def test_todays_list_shows_booked_people(client, db, world, booked):
    sign_in(client, world.staff["vaccinator"])
    html = client.get("/desk/").get_data(as_text=True)
    assert "Asha Devi" in html and "09:00-11:00" in html
    entry = audits(db, "appointments.view")[0]
    assert entry.details["people"] == [booked[0].reference_id]


def test_wrong_secret_code_is_refused_and_nothing_recorded(client, db, world, booked):
    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    response = client.post(f"/desk/people/{person.reference_id}/dose", data={
        "appointment_id": str(appointment.id), "secret_code": "0000",
        "vaccine": "covishield", "lot": "4120Z025"})
    assert response.status_code == 422
    assert "The secret code does not match this appointment." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord)) == 0
    db.session.refresh(appointment)
    assert appointment.status == "booked"
    assert audits(db, "appointment.verify", outcome="denied")


def test_right_code_records_the_dose_and_completes_the_appointment(client, db, world, booked):
    from cowin_kit.vaccination.signals import dose_recorded

    person, appointment = booked
    received = []
    sign_in(client, world.staff["vaccinator"])
    with dose_recorded.connected_to(lambda sender, dose: received.append(dose.id)):
        response = client.post(f"/desk/people/{person.reference_id}/dose", data={
            "appointment_id": str(appointment.id), "secret_code": "4821",
            "vaccine": "covishield", "lot": "4120z025", "dose_number": "1"})
    assert response.status_code == 302
    dose = db.session.execute(sa.select(DoseRecord)).scalar_one()
    assert (dose.lot, dose.dose_number, dose.series_total, dose.is_booster) == ("4120Z025", 1, 2, False)
    assert dose.vaccinator_id == world.staff["vaccinator"].id and dose.appointment_id == appointment.id
    assert received == [dose.id]
    db.session.refresh(appointment)
    assert appointment.status == "completed"
    # The next person at this desk gets the same lot proposed.
    next_person = make_person(db, name="Next")
    html = client.get(f"/desk/people/{next_person.reference_id}").get_data(as_text=True)
    assert 'value="4120Z025"' in html


def test_lot_format_is_enforced(client, db, world):
    person = make_person(db)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    for lot in ("", "LOT 12", "lot#1", "A" * 21, "ÄBC"):
        response = client.post(f"/desk/people/{person.reference_id}/dose",
                               data={"vaccine": "covishield", "lot": lot})
        assert response.status_code == 422 and "A lot number is 1 to 20" in response.get_data(
            as_text=True), lot
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord)) == 0


def test_dose_for_someone_not_eligible_is_refused(client, db, world):
    too_young = make_person(db, birth_year=dt.date.today().year - 8, name="Child")
    recent = make_person(db, name="Second dose too soon")
    make_dose(db, recent, world.facilities["FA"], days_ago=10)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    for person, code in ((too_young, "old enough"), (recent, "is due from")):
        response = client.post(f"/desk/people/{person.reference_id}/dose",
                               data={"vaccine": "covishield", "lot": "AB12"})
        assert response.status_code == 422, person.name
        assert code in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord)) == 1


def test_each_view_of_a_person_is_audited(client, db, world, booked):
    person, _ = booked
    sign_in(client, world.staff["vaccinator"])
    for _ in range(3):
        assert client.get(f"/desk/people/{person.reference_id}").status_code == 200
    entries = audits(db, "beneficiary.view", object_id=person.reference_id)
    assert len(entries) == 3
    assert {e.actor_id for e in entries} == {str(world.staff["vaccinator"].id)}
    # Finding by reference id opens the card: logged as a search and as a view.
    response = client.post("/desk/find", data={"q": person.reference_id})
    assert response.status_code == 302
    client.get(response.headers["Location"])
    assert len(audits(db, "beneficiary.view", object_id=person.reference_id)) == 4
    assert audits(db, "beneficiary.search")[0].details["results"] == [person.reference_id]


def test_find_by_mobile_lists_the_people_of_that_account(client, db, world):
    from cowin_kit.accounts.models import CitizenAccount

    account = CitizenAccount(mobile="+919876543210")
    db.session.add(account)
    db.session.flush()
    make_person(db, name="Ravi", account=account)
    make_person(db, name="Meena", account=account)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    html = client.post("/desk/find", data={"q": "98765 43210", "kind": "mobile"}
                       ).get_data(as_text=True)
    assert "Ravi" in html and "Meena" in html


def test_look_up_never_takes_personal_data_in_the_address(client, db, world):
    """Mobiles and ID numbers in a URL end up in access logs, history and Referer headers:
    the desk and the API look up by POST only, and a GET carrying a number is refused."""
    from cowin_kit.accounts.models import CitizenAccount

    account = CitizenAccount(mobile="+919876543210")
    db.session.add(account)
    db.session.flush()
    make_person(db, name="Ravi", account=account)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    desk = client.get("/desk/").get_data(as_text=True)
    assert re.search(r'<form class="desk-lookup" method="post"', desk)
    refused = client.get("/desk/find?q=9876543210&kind=mobile")  # an old bookmark
    assert refused.status_code == 303 and refused.headers["Location"] == "/desk/find"
    assert audits(db, "beneficiary.search") == []
    page = client.get("/desk/find")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ravi" not in html and "9876543210" not in html
    assert "not accepted in the page address" in html
    api = "/api/kit/v1/staff/desk/beneficiaries"
    headers = {"X-Requested-With": "XMLHttpRequest"}
    assert client.get(f"{api}?q=9876543210&kind=mobile", headers=headers).status_code in (404, 405)
    found = client.post(f"{api}/search", json={"q": "9876543210", "kind": "mobile"},
                        headers=headers)
    assert [p["name"] for p in found.get_json()] == ["Ravi"]


def test_walk_in_end_to_end(client, db, world):
    from cowin_kit.registration.models import Beneficiary

    sign_in(client, world.staff["vaccinator"])
    assert client.get("/desk/walk-in").status_code == 200
    response = client.post("/desk/walk-in", data={
        "name": "Kamala Nair", "birth_year": "1975", "gender": "F", "id_doc_type": "aadhaar",
        "id_number": aadhaar(1), "mobile": "", "vaccine": "covishield", "lot": "4120Z025"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"])
    assert "Kamala Nair" in page.get_data(as_text=True)
    person = db.session.execute(sa.select(Beneficiary)).scalar_one()
    assert person.registered_by == world.staff["vaccinator"].id and person.account_id is None
    dose = db.session.execute(sa.select(DoseRecord)).scalar_one()
    assert dose.beneficiary_id == person.id and dose.dose_number == 1
    assert dose.facility_id == world.facilities["FA"].id


def test_walk_in_with_mobile_creates_the_account(client, db, world):
    from cowin_kit.accounts.models import CitizenAccount

    sign_in(client, world.staff["vaccinator"])
    response = client.post("/desk/walk-in", data={
        "name": "Arjun Rao", "birth_year": "1990", "gender": "M", "id_doc_type": "aadhaar",
        "id_number": aadhaar(2), "mobile": "98765 43211", "vaccine": "covishield",
        "lot": "AB-12/3"})
    assert response.status_code == 302
    assert db.session.execute(sa.select(CitizenAccount.mobile)).scalar_one() == "+919876543211"


def test_walk_in_with_bad_input_registers_nobody(client, db, world):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.registration.models import Beneficiary

    sign_in(client, world.staff["vaccinator"])
    good = {"name": "Kamala Nair", "birth_year": "1975", "gender": "F", "id_doc_type": "aadhaar",
            "id_number": aadhaar(3), "mobile": "9876543212", "vaccine": "covishield",
            "lot": "4120Z025"}
    for change, code in (({"lot": "bad lot!"}, "A lot number is 1 to 20"),
                         ({"birth_year": str(dt.date.today().year - 5)}, "old enough"),
                         ({"id_number": "234123412345"}, "check digit is wrong")):
        response = client.post("/desk/walk-in", data={**good, **change})
        assert response.status_code in (409, 422), change
        assert code in response.get_data(as_text=True), change
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CitizenAccount)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord)) == 0


def test_no_show(client, db, world, booked):
    _, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    assert client.post(f"/desk/appointments/{appointment.id}/no-show").status_code == 302
    db.session.refresh(appointment)
    assert appointment.status == "no_show"
    assert client.post(f"/desk/appointments/{appointment.id}/no-show").status_code == 409


def test_correction_within_window_is_audited_with_before_and_after(client, db, world):
    person = make_person(db)
    dose = make_dose(db, person, world.facilities["FA"], vaccinator=world.staff["vaccinator"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    response = client.post(f"/desk/doses/{dose.id}/correct",
                           data={"lot": "FIXED-7", "reason": "typo in lot"})
    assert response.status_code == 302
    db.session.refresh(dose)
    assert dose.lot == "FIXED-7" and dose.corrected_at is not None
    entry = audits(db, "dose.correct")[0]
    assert entry.details["before"]["lot"] == "LOT-1" and entry.details["after"]["lot"] == "FIXED-7"


def test_correction_after_the_window_is_refused(client, db, world, app):
    person = make_person(db)
    dose = make_dose(db, person, world.facilities["FA"], days_ago=2)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    response = client.post(f"/desk/doses/{dose.id}/correct", data={"lot": "NEW", "reason": "x"})
    assert response.status_code == 409
    assert "can be corrected only within" in response.get_data(as_text=True)
    db.session.refresh(dose)
    assert dose.lot == "LOT-1"


def test_aefi_report_from_the_desk(client, db, world):
    from cowin_kit.vaccination.models import AefiReport

    person = make_person(db)
    dose = make_dose(db, person, world.facilities["FA"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    onset = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=5, minutes=30)).replace(
        tzinfo=None, second=0, microsecond=0)  # the facility's wall clock (Asia/Kolkata)
    response = client.post(f"/staff/aefi/new/{dose.id}", data={
        "onset_at": (onset - dt.timedelta(minutes=10)).isoformat(timespec="minutes"),
        "symptoms": ["fever", "headache"], "severity": "mild", "outcome": "recovering"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    report = db.session.execute(sa.select(AefiReport)).scalar_one()
    assert report.symptoms == ["fever", "headache"] and report.reported_by == world.staff["vaccinator"].id
    bad = client.post(f"/staff/aefi/new/{dose.id}", data={
        "onset_at": onset.isoformat(timespec="minutes"), "symptoms": ["sneezing"],
        "severity": "apocalyptic", "outcome": "recovered"})
    assert bad.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AefiReport)) == 1


def test_staff_api_records_a_dose(client, db, world, booked):
    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    headers = {"X-Requested-With": "XMLHttpRequest"}
    rows = client.get("/api/kit/v1/staff/desk/appointments").get_json()
    assert rows[0]["beneficiary"]["reference_id"] == person.reference_id
    wrong = client.post("/api/kit/v1/staff/desk/doses", headers=headers, json={
        "reference_id": person.reference_id, "vaccine": "covishield", "lot": "L1",
        "appointment_id": str(appointment.id), "secret_code": "1111"})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "SECRET_CODE_MISMATCH"
    response = client.post("/api/kit/v1/staff/desk/doses", headers=headers, json={
        "reference_id": person.reference_id, "vaccine": "covishield", "lot": "L1",
        "appointment_id": str(appointment.id), "secret_code": "4821"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["dose_number"] == 1
    assert re.fullmatch(r"\d{14}", response.get_json()["reference_id"])


def test_walk_in_in_a_browser_with_csrf(make_app, world):
    """Sign in, open the walk-in form, register and vaccinate, then find the person by document,
    all with CSRF protection on, as a browser would."""
    from cowin_kit.core.db import db as database
    from tests.operations.conftest import FAST_ARGON2, PASSWORD

    browser_app = make_app(**FAST_ARGON2)  # CSRF on
    client = browser_app.test_client()

    def token(html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    # Each request gets its own app context, as under a real server (Flask-WTF caches in g).
    page = client.get("/staff/login").get_data(as_text=True)
    response = client.post("/staff/login", data={"username": "vac", "password": PASSWORD,
                                                 "csrf_token": token(page)})
    assert response.status_code == 302
    form = client.get("/desk/walk-in").get_data(as_text=True)
    number = aadhaar(7)
    data = {"name": "Lakshmi Iyer", "birth_year": "1968", "gender": "F",
            "id_doc_type": "aadhaar", "id_number": number, "vaccine": "covishield",
            "lot": "4120Z025"}
    assert client.post("/desk/walk-in", data=data).status_code == 400  # no token
    response = client.post("/desk/walk-in", data={**data, "csrf_token": token(form)})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert "Lakshmi Iyer" in client.get(response.headers["Location"]).get_data(as_text=True)
    found = client.post("/desk/find", data={"q": number, "kind": "document",
                                            "csrf_token": token(form)})
    assert found.status_code == 302
    card = client.get(found.headers["Location"]).get_data(as_text=True)
    assert "Lakshmi Iyer" in card and number not in card  # the number is shown masked only
    with browser_app.app_context():
        database.session.remove()


def test_secret_code_guessing_stops_after_five_tries(client, db, world, booked):
    person, appointment = booked
    sign_in(client, world.staff["vaccinator"])
    url = f"/desk/people/{person.reference_id}/dose"
    data = {"appointment_id": str(appointment.id), "vaccine": "covishield", "lot": "AB1"}
    for guess in range(5):
        assert client.post(url, data={**data, "secret_code": f"{guess:04d}"}).status_code == 422
    blocked = client.post(url, data={**data, "secret_code": "4821"})  # even the right one now
    assert blocked.status_code == 409 and "Too many wrong secret codes" in blocked.get_data(
        as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord)) == 0


def test_dose_given_here_releases_a_booking_elsewhere(client, db, world):
    from cowin_kit.booking.admin_operations import facility_today
    from cowin_kit.booking.models import Appointment, SessionCapacity

    person = make_person(db)
    elsewhere = make_session(db, world.facilities["FB"],
                             facility_today(world.facilities["FB"]) + dt.timedelta(days=3))
    appointment = make_appointment(db, elsewhere, person)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    response = client.post(f"/desk/people/{person.reference_id}/dose",
                           data={"vaccine": "covishield", "lot": "AB1"})
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Appointment, appointment.id)
    assert (moved.status, moved.cancelled_reason) == ("cancelled", "vaccinated_elsewhere")
    assert db.session.get(SessionCapacity, appointment.capacity_id).booked == 0


def test_a_failing_subscriber_does_not_undo_the_dose(app, db, world):
    from cowin_kit.vaccination.operations import record_dose
    from cowin_kit.vaccination.signals import dose_recorded

    person = make_person(db)
    db.session.commit()
    calls = []

    def broken(sender, dose):
        raise RuntimeError("certificate service down")

    def working(sender, dose):
        calls.append(dose.dose_number)

    with dose_recorded.connected_to(broken), dose_recorded.connected_to(working):
        with app.test_request_context("/"):
            dose = record_dose(world.staff["vaccinator"], person, vaccine="covishield", lot="AB1")
    assert calls == [1]
    assert db.session.get(DoseRecord, dose.id) is not None


def test_desk_pages_render_in_the_chosen_language(client, db, world, booked):
    person, _ = booked
    make_dose(db, person, world.facilities["FA"], days_ago=100)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    for url in ("/desk/?lang=hi_IN", f"/desk/people/{person.reference_id}?lang=hi_IN", "/desk/walk-in",
                "/staff/?lang=hi_IN"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="hi-IN"' in response.get_data(as_text=True), url


def test_close_the_day_marks_remaining_no_shows(client, db, world, booked):
    from cowin_kit.booking.admin_operations import facility_today

    fa = world.facilities["FA"]
    _, appointment = booked
    yesterday = make_session(db, fa, facility_today(fa) - dt.timedelta(days=1))
    old = make_appointment(db, yesterday, make_person(db, name="Yesterday"))
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    fa.closes = dt.time(23, 59, 59)  # still open today: the day cannot be closed yet
    db.session.commit()
    assert client.post("/desk/no-shows").status_code == 409
    fa.closes = dt.time(0, 0, 1)
    db.session.commit()
    assert client.post("/desk/no-shows").status_code == 302
    db.session.expire_all()
    assert appointment.status == "no_show" and old.status == "booked"  # only today's


def test_look_ups_per_staff_are_limited(make_app, world):
    from cowin_kit.core.db import db as database

    limited = make_app(WTF_CSRF_ENABLED=False, STAFF_LOOKUP_LIMIT="3 per hour")
    with limited.app_context():
        client = limited.test_client()
        sign_in(client, world.staff["vaccinator"])
        statuses = [client.post("/desk/find", data={"q": "12345678901234"}).status_code
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        database.session.remove()


def test_the_card_shows_when_the_next_dose_is_due_and_offers_none_before(client, db, world):
    from babel.dates import format_date

    from cowin_kit.booking.admin_operations import facility_today
    from cowin_kit.booking.rules import history_of, person_of
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.schedule import next_dose

    recent = make_person(db, name="Dose one yesterday")
    make_dose(db, recent, world.facilities["FA"], days_ago=1)
    ready = make_person(db, name="Dose one long ago")
    make_dose(db, ready, world.facilities["FA"], days_ago=120)
    db.session.commit()
    today = facility_today(world.facilities["FA"])
    sign_in(client, world.staff["vaccinator"])
    for person, due_now in ((recent, False), (ready, True)):
        due = next_dose(get_profile(), person_of(person), history_of(person.id), today)
        assert due.dose_number == 2 and (due.earliest <= today) is due_now
        when = format_date(due.earliest, "long", locale="en_IN")  # e.g. "24 February 2027"
        html = client.get(f"/desk/people/{person.reference_id}").get_data(as_text=True)
        assert f"Due from {when}" in html, person.name
        dose_form = f'action="/desk/people/{person.reference_id}/dose"' in html
        assert dose_form is due_now, person.name  # no form for a dose not yet due
        assert ("Give dose 2" in html) is due_now, person.name
        if not due_now:
            assert re.search(r"<button[^>]*disabled>\s*Due from " + re.escape(when), html)
            assert f"Dose 2 is due from {when}" in html
    # In Hindi, the date is in Hindi words.
    client.get("/language/hi_IN")
    html = client.get(f"/desk/people/{recent.reference_id}").get_data(as_text=True)
    due = next_dose(get_profile(), person_of(recent), history_of(recent.id), today)
    assert format_date(due.earliest, "long", locale="hi_IN") in html
