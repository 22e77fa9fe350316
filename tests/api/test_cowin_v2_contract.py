"""CoWIN v2 contract, endpoint by endpoint, over real HTTP: names, types, formats, codes."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import jwt
import requests
import sqlalchemy as sa

from tests.api.conftest import otp_from_outbox, sha256

DATE = re.compile(r"^\d{2}-\d{2}-\d{4}$")
SLOT = re.compile(r"^\d{2}:\d{2}(AM|PM)-\d{2}:\d{2}(AM|PM)$")
MOBILE = "9876543210"
AADHAAR = "234123412346"  # a valid Verhoeff number (the profile's example)


def cowin_date(value: dt.date, padded: bool = True) -> str:
    return value.strftime("%d-%m-%Y") if padded else f"{value.day}-{value.month}-{value.year}"


def login(base: str, db, mobile: str = MOBILE) -> str:
    r = requests.post(f"{base}/api/v2/auth/generateMobileOTP",
                      json={"mobile": mobile, "secret": "U2FsdGVkX1+anything"})
    assert r.status_code == 200, r.text
    txn = r.json()["txnId"]
    uuid.UUID(txn)
    otp = otp_from_outbox(db, mobile[-4:])
    r = requests.post(f"{base}/api/v2/auth/validateMobileOtp", json={"otp": sha256(otp), "txnId": txn})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_states_and_districts(live_server, seeded):
    r = requests.get(f"{live_server}/api/v2/admin/location/states")
    assert r.status_code == 200
    body = r.json()
    assert body["ttl"] == 24
    names = {s["state_name"]: s["state_id"] for s in body["states"]}
    assert set(names) == {"Maharashtra", "Kerala"}
    assert all(isinstance(i, int) for i in names.values())
    r = requests.get(f"{live_server}/api/v2/admin/location/districts/{names['Maharashtra']}",
                     headers={"Accept-Language": "hi_IN"})
    districts = r.json()["districts"]
    assert districts == [{"district_id": seeded["district_cowin_id"], "district_name": "Pune",
                          "district_name_l": "पुणे"}]
    bad = requests.get(f"{live_server}/api/v2/admin/location/districts/999999")
    assert bad.status_code == 400 and set(bad.json()) == {"errorCode", "error"}


def test_find_by_district_flat_sessions(live_server, seeded):
    day = seeded["sessions"][0].date
    r = requests.get(f"{live_server}/api/v2/appointment/sessions/public/findByDistrict",
                     params={"district_id": seeded["district_cowin_id"], "date": cowin_date(day)})
    assert r.status_code == 200
    sessions = r.json()["sessions"]
    assert len(sessions) == 2  # one per facility on that day
    s = next(x for x in sessions if x["name"] == "PHC Wagholi")
    assert s["center_id"] == seeded["facilities"][0].id
    assert (s["state_name"], s["district_name"], s["block_name"]) == ("Maharashtra", "Pune", "Haveli")
    assert s["pincode"] == 412207 and (s["lat"], s["long"]) == (18, 73)  # whole degrees
    assert s["from"] == "09:00:00" and s["fee_type"] == "Free" and s["fee"] == "0"
    assert DATE.match(s["date"]) and s["date"] == cowin_date(day)
    assert (s["available_capacity_dose1"], s["available_capacity_dose2"]) == (10, 5)
    assert s["available_capacity"] == 15 and s["min_age_limit"] == 18
    assert "max_age_limit" not in s
    assert s["vaccine"] == seeded["vaccine"].name
    assert s["slots"] == ["09:00AM-11:00AM", "11:00AM-01:00PM"]
    uuid.UUID(s["session_id"])


def test_calendar_by_pin_centres_and_fees(live_server, seeded):
    day = seeded["sessions"][0].date
    r = requests.get(f"{live_server}/api/v2/appointment/sessions/public/calendarByPin",
                     params={"pincode": "412207", "date": cowin_date(day, padded=False)})
    assert r.status_code == 200
    centres = {c["name"]: c for c in r.json()["centers"]}
    assert set(centres) == {"PHC Wagholi", "City Hospital"}
    assert "vaccine_fees" not in centres["PHC Wagholi"]
    assert centres["City Hospital"]["vaccine_fees"] == [{"vaccine": seeded["vaccine"].name, "fee": "780"}]
    assert [s["date"] for s in centres["PHC Wagholi"]["sessions"]] == [
        cowin_date(day), cowin_date(day + dt.timedelta(days=1))]


def test_calendar_by_center_is_an_object(live_server, seeded):
    day = seeded["sessions"][0].date
    r = requests.get(f"{live_server}/api/v2/appointment/sessions/public/calendarByCenter",
                     params={"center_id": seeded["facilities"][1].id, "date": cowin_date(day)})
    centres = r.json()["centers"]
    assert isinstance(centres, dict) and centres["name"] == "City Hospital"


def test_find_by_lat_long_strings(live_server, seeded):
    r = requests.get(f"{live_server}/api/v2/appointment/centers/public/findByLatLong",
                     params={"lat": "18.57", "long": "73.97"})
    centres = r.json()["centers"]
    assert r.json()["ttl"] == 24
    assert centres[0]["name"] == "PHC Wagholi"  # the nearest first
    assert all(isinstance(c[k], str) for c in centres for k in ("pincode", "lat", "long"))


def test_bad_parameters_use_cowin_error_shape(live_server, seeded):
    base = f"{live_server}/api/v2/appointment/sessions/public"
    missing = requests.get(f"{base}/findByPin", params={"pincode": "412207"})
    assert missing.status_code == 400
    assert missing.json() == {"errorCode": "USRRES0001", "error": "Input parameter missing"}
    bad_pin = requests.get(f"{base}/findByPin", params={"pincode": "41$2", "date": "01-06-2021"})
    assert bad_pin.status_code == 400 and bad_pin.json()["errorCode"] == "APPOIN0018"
    bad_date = requests.get(f"{base}/findByPin", params={"pincode": "412207", "date": "31-02-2021"})
    assert bad_date.status_code == 400


def test_reformatted_date_hits_the_same_cache_entry(app, live_server, seeded, db):
    from cowin_kit.booking.models import SessionCapacity

    day = seeded["sessions"][0].date
    url = f"{live_server}/api/v2/appointment/sessions/public/calendarByDistrict"
    first = requests.get(url, params={"district_id": seeded["district_cowin_id"], "date": cowin_date(day)})
    # Capacity changes; a cache keyed on the raw query string would miss and show it.
    db.session.execute(sa.update(SessionCapacity).values(capacity=1))
    db.session.commit()
    again = requests.get(url, params={"district_id": seeded["district_cowin_id"],
                                      "date": cowin_date(day, padded=False)})
    assert again.json() == first.json()
    protected = requests.get(url.replace("/public", ""), params={
        "district_id": seeded["district_cowin_id"], "date": cowin_date(day)},
        headers={"Authorization": f"Bearer {login(live_server, db)}"})
    assert protected.json()["centers"][0]["sessions"][0]["available_capacity"] == 2  # real time


def test_protected_endpoints_need_a_token(live_server, seeded):
    r = requests.get(f"{live_server}/api/v2/appointment/beneficiaries")
    assert r.status_code == 401 and r.json()["errorCode"] == "USRAUT0001"
    r = requests.get(f"{live_server}/api/v2/appointment/beneficiaries",
                     headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401


def test_otp_login_token_and_new_account_flag(live_server, seeded, db):
    r = requests.post(f"{live_server}/api/v2/auth/public/generateOTP", json={"mobile": "98765"})
    assert r.status_code == 400 and r.json()["errorCode"] == "USRAUT0004"
    token = login(live_server, db)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] > dt.datetime.now(dt.timezone.utc).timestamp()
    r = requests.post(f"{live_server}/api/v2/auth/generateMobileOTP", json={"mobile": MOBILE, "secret": "x"})
    txn = r.json()["txnId"]
    wrong = requests.post(f"{live_server}/api/v2/auth/validateMobileOtp",
                          json={"otp": sha256("000000"), "txnId": txn})
    assert wrong.status_code == 400 and wrong.json()["errorCode"] == "USRAUT0014"  # CoWIN's
    otp = otp_from_outbox(db, MOBILE[-4:])
    again = requests.post(f"{live_server}/api/v2/auth/validateMobileOtp",
                          json={"otp": sha256(otp), "txnId": txn})
    assert again.json()["isNewAccount"] == "N"


def test_register_book_list_cancel(live_server, seeded, db):
    from cowin_kit.booking.models import SessionCapacity

    token = login(live_server, db)
    auth = {"Authorization": f"Bearer {token}"}
    types = requests.get(f"{live_server}/api/v2/registration/beneficiary/idTypes", headers=auth).json()
    aadhaar = next(t for t in types["types"] if t["code"] == "aadhaar")
    assert isinstance(aadhaar["id"], int)
    genders = requests.get(f"{live_server}/api/v2/registration/beneficiary/genders", headers=auth).json()
    female = next(g for g in genders["genders"] if g["gender"] == "Female")
    r = requests.post(f"{live_server}/api/v2/registration/beneficiary/new", headers=auth, json={
        "name": "Asha Devi", "birth_year": "1961", "gender_id": float(female["id"]),
        "photo_id_type": float(aadhaar["id"]), "photo_id_number": AADHAAR,
        "comorbidity_ind": "N", "consent_version": "V1"})
    assert r.status_code == 200, r.text
    ref = r.json()["beneficiary_reference_id"]
    assert re.fullmatch(r"\d{14}", ref)
    dup = requests.post(f"{live_server}/api/v2/registration/beneficiary/new", headers=auth, json={
        "name": "Asha Devi", "birth_year": "1961", "gender_id": female["id"],
        "photo_id_type": aadhaar["id"], "photo_id_number": AADHAAR, "consent_version": "V1"})
    assert dup.status_code == 409

    session = seeded["sessions"][0]
    r = requests.post(f"{live_server}/api/v2/appointment/schedule", headers=auth, json={
        "dose": 1, "session_id": str(session.id), "slot": "09:00AM-11:00AM",
        "beneficiaries": [ref]})
    assert r.status_code == 200, r.text
    confirmation = r.json()["appointment_confirmation_no"]
    people = requests.get(f"{live_server}/api/v2/appointment/beneficiaries", headers=auth).json()
    (person,) = people["beneficiaries"]
    assert person["mobile_number"] == MOBILE[-4:]
    assert person["photo_id_number"].endswith(AADHAAR[-4:]) and AADHAAR not in person["photo_id_number"]
    assert (person["vaccination_status"], person["vaccine"], person["dose1_date"]) == ("Not Vaccinated", "", "")
    (appointment,) = person["appointments"]
    assert appointment["appointment_id"] == confirmation
    assert SLOT.match(appointment["slot"]) and DATE.match(appointment["date"])
    assert appointment["dose"] == 1 and appointment["center_id"] == seeded["facilities"][0].id

    booked = db.session.scalar(sa.select(SessionCapacity.booked).where(
        SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == "1"))
    assert booked == 1
    r = requests.post(f"{live_server}/api/v2/appointment/cancel", headers=auth,
                      json={"appointment_id": confirmation, "beneficiariesToCancel": [ref]})
    assert r.status_code == 204
    db.session.expire_all()
    assert db.session.scalar(sa.select(SessionCapacity.booked).where(
        SessionCapacity.session_id == session.id, SessionCapacity.dose_kind == "1")) == 0


def test_full_session_is_409_appoin0040(live_server, seeded, db):
    from cowin_kit.booking.models import SessionCapacity

    session = seeded["sessions"][0]
    db.session.execute(sa.update(SessionCapacity).where(SessionCapacity.session_id == session.id)
                       .values(booked=SessionCapacity.capacity))
    db.session.commit()
    token = login(live_server, db)
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.post(f"{live_server}/api/v2/registration/beneficiary/new", headers=auth, json={
        "name": "Ravi Kumar", "birth_year": "1980", "gender_id": 1, "photo_id_type": 1,
        "photo_id_number": AADHAAR, "consent_version": "V1"})
    ref = r.json()["beneficiary_reference_id"]
    r = requests.post(f"{live_server}/api/v2/appointment/schedule", headers=auth, json={
        "dose": 1, "session_id": str(session.id), "slot": "09:00AM-11:00AM", "beneficiaries": [ref]})
    assert r.status_code == 409 and r.json()["errorCode"] == "APPOIN0040"


def test_captcha_is_svg_and_enforced_only_when_configured(make_app, seeded, db):
    app = make_app(CAPTCHA_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from cowin_kit.accounts.models import CitizenAccount
        from cowin_kit.accounts.tokens import issue_token

        account = CitizenAccount(mobile="+919876500000")
        db.session.add(account)
        db.session.commit()
        token = issue_token(account)
    auth = {"Authorization": f"Bearer {token}"}
    svg = client.post("/api/v2/auth/getRecaptcha", json={}, headers=auth).get_json()["captcha"]
    assert svg.startswith("<svg") and "<text" not in svg
    r = client.post("/api/v2/appointment/schedule", headers=auth, json={
        "dose": 1, "session_id": str(seeded["sessions"][0].id), "slot": "09:00AM-11:00AM",
        "beneficiaries": ["12345678901234"], "captcha": "WRONG"})
    assert r.status_code == 400 and r.get_json()["errorCode"] == "APPOIN0047"
