"""CoWIN v2 compatibility, round two (#17): what published 2021 clients sent and read that the
first surface did not take or give, checked over real HTTP against recorded CoWIN behaviour."""

from __future__ import annotations

import json
import uuid

import requests

from tests.api.conftest import otp_from_outbox, sha256
from tests.api.test_cowin_v2_contract import MOBILE, cowin_date

# -- 1. JSON bodies without Content-Type: application/json ---------------------------------------


def test_json_body_without_content_type_is_read(live_server, seeded, db):
    """Go's http.Post(url, "", body) sends no type, curl -d sends form-urlencoded: CoWIN read
    the JSON either way."""
    body = json.dumps({"mobile": MOBILE, "secret": "x"})
    for headers in ({}, {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "text/plain"}):
        r = requests.post(f"{live_server}/api/v2/auth/generateMobileOTP", data=body.encode(),
                          headers=headers)
        assert r.status_code == 200, (headers, r.text)
        uuid.UUID(r.json()["txnId"])
    txn = r.json()["txnId"]
    otp = otp_from_outbox(db, MOBILE[-4:])
    r = requests.post(f"{live_server}/api/v2/auth/validateMobileOtp",
                      data=json.dumps({"otp": sha256(otp), "txnId": txn}).encode())
    assert r.status_code == 200 and r.json()["token"]


def test_untyped_json_body_keeps_the_input_checks(live_server, seeded):
    url = f"{live_server}/api/v2/auth/generateMobileOTP"
    deep = ("[" * 200 + "]" * 200).encode()
    r = requests.post(url, data=deep)
    assert r.status_code == 400 and r.json()["errorCode"] == "JSON_TOO_DEEP"
    r = requests.post(url, data=b'{"mobile": "98765\\u0000"}')
    assert r.status_code == 400 and r.json()["errorCode"] == "NUL_CHARACTER"
    r = requests.post(url, data=b'{"mobile": "\\ud800"}')
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_CHARACTER"
    r = requests.post(url, data=b'{"mobile": ')
    assert r.status_code == 400 and r.json()["errorCode"] == "INVALID_JSON"
    assert set(r.json()) == {"errorCode", "error"}


# -- 2. dd-mm-yy dates ---------------------------------------------------------------------------


def test_two_digit_year_dates(live_server, seeded):
    day = seeded["sessions"][0].date
    url = f"{live_server}/api/v2/appointment/sessions/public/findByDistrict"
    district = seeded["district_cowin_id"]
    long_form = requests.get(url, params={"district_id": district, "date": cowin_date(day)})
    short = requests.get(url, params={"district_id": district, "date": day.strftime("%d-%m-%y")})
    assert short.status_code == 200, short.text
    assert short.json() == long_form.json() and short.json()["sessions"]
    assert all(s["date"] == cowin_date(day) for s in short.json()["sessions"])
    bad = requests.get(url, params={"district_id": district, "date": "31-02-21"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "USRRES0002"


# -- 8. CoWIN's own state and district ids -------------------------------------------------------


def _profile_areas(db):
    from cowin_kit.areas.operations import import_areas
    from cowin_kit.profiles import get_profile

    import_areas(get_profile())


def test_states_and_districts_carry_cowin_ids(live_server, app, db):
    _profile_areas(db)
    base = f"{live_server}/api/v2/admin/location"
    states = requests.get(f"{base}/states").json()["states"]
    assert len(states) == 37
    by_id = {s["state_id"]: s["state_name"] for s in states}
    assert by_id[9] == "Delhi" and by_id[21] == "Maharashtra" and by_id[17] == "Kerala"
    # CoWIN listed the merged union territory as its two former ones.
    assert (by_id[8], by_id[37]) == ("Dadra and Nagar Haveli", "Daman and Diu")
    delhi = requests.get(f"{base}/districts/9").json()["districts"]
    assert {d["district_id"]: d["district_name"] for d in delhi}[141] == "Central Delhi"
    assert len(delhi) == 11
    # A renamed district keeps CoWIN's name; today's official name comes as the local name.
    maharashtra = requests.get(f"{base}/districts/21", headers={"Accept-Language": "hi_IN"})
    ahmednagar = next(d for d in maharashtra.json()["districts"] if d["district_id"] == 391)
    assert ahmednagar == {"district_id": 391, "district_name": "Ahmednagar",
                          "district_name_l": "अहिल्यानगर"}
    # Districts CoWIN never listed get ids no bundled list can hold.
    suburban = next(d for d in maharashtra.json()["districts"]
                    if d["district_name"] == "Mumbai Suburban")
    assert suburban["district_id"] > 1_000_000
    total = sum(len(requests.get(f"{base}/districts/{s}").json()["districts"]) for s in by_id)
    assert total >= 750
    assert requests.get(f"{base}/districts/141").status_code == 400  # a district id, not a state


def test_availability_by_cowin_district_id(live_server, app, db):
    import datetime as dt

    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility, SessionCapacity, VaccinationSession
    from cowin_kit.booking.rules import local_now
    from cowin_kit.profiles import get_profile

    _profile_areas(db)
    import sqlalchemy as sa

    central = db.session.scalar(sa.select(Area).where(Area.code == "IN-DL-CEN"))
    assert central.id != 141
    facility = Facility(code="F-CD", name="Daryaganj Dispensary", area_id=central.id,
                        address="Netaji Subhash Marg", postal_code="110002", lat=28.64,
                        lon=77.24, fee_type="Free")
    db.session.add(facility)
    db.session.flush()
    profile = get_profile()
    day = local_now(profile).date() + dt.timedelta(days=1)
    session = VaccinationSession(facility_id=facility.id, date=day, vaccine=profile.vaccines[0].id,
                                 min_age=18, max_age=None, fee=0, slots=["09:00-11:00"])
    db.session.add(session)
    db.session.flush()
    db.session.add(SessionCapacity(session_id=session.id, dose_kind="1", capacity=10))
    db.session.commit()
    url = f"{live_server}/api/v2/appointment/sessions/public/findByDistrict"
    found = requests.get(url, params={"district_id": 141, "date": cowin_date(day)})
    assert [s["name"] for s in found.json()["sessions"]] == ["Daryaganj Dispensary"]
    assert found.json()["sessions"][0]["district_name"] == "Central Delhi"
    unknown = requests.get(url, params={"district_id": 999, "date": cowin_date(day)})
    assert unknown.status_code == 400 and unknown.json()["errorCode"] == "USRRES0002"


# -- 3. API Setu's partner login paths -----------------------------------------------------------


def test_partner_generate_and_confirm_otp(live_server, seeded, db):
    """API Setu v2.1.0's /v2/auth/generateOTP and /confirmOTP: the mobile only (no secret),
    the partner's x-api-key header, and isNewAccount in the answer."""
    headers = {"x-api-key": "partner-key-from-api-setu"}
    r = requests.post(f"{live_server}/api/v2/auth/generateOTP", json={"mobile": MOBILE},
                      headers=headers)
    assert r.status_code == 200, r.text
    txn = r.json()["txnId"]
    uuid.UUID(txn)
    otp = otp_from_outbox(db, MOBILE[-4:])
    r = requests.post(f"{live_server}/api/v2/auth/confirmOTP",
                      json={"otp": sha256(otp), "txnId": txn}, headers=headers)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token", "isNewAccount"} and r.json()["isNewAccount"] == "Y"
    people = requests.get(f"{live_server}/api/v2/appointment/beneficiaries",
                          headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert people.status_code == 200 and people.json() == {"beneficiaries": []}


# -- 6. CoWIN's error codes and statuses ---------------------------------------------------------


def test_block_status_is_configurable_to_cowins_403(make_app):
    """Clients written for CoWIN treat its 403 as "blocked, slow down"."""
    for status in (429, 403):
        app = make_app(RATE_LIMIT_PUBLIC="2 per 1 minute", V2_BLOCK_STATUS=status)
        client = app.test_client()
        codes = [client.get("/api/v2/admin/location/states").status_code for _ in range(3)]
        assert codes == [200, 200, status]
        refused = client.get("/api/v2/admin/location/states")
        assert refused.get_json()["errorCode"] == "USRRES0429"
        assert int(refused.headers["Retry-After"]) > 0


def test_otp_asked_again_too_soon_answers_the_block_status(make_app):
    for status, mobile in ((429, "9876500001"), (403, "9876500002")):
        app = make_app(OTP_RESEND_SECONDS=60, V2_BLOCK_STATUS=status)
        client = app.test_client()
        first = client.post("/api/v2/auth/public/generateOTP", json={"mobile": mobile})
        assert first.status_code == 200
        again = client.post("/api/v2/auth/public/generateOTP", json={"mobile": mobile})
        assert again.status_code == status and again.get_json()["errorCode"] == "USRAUT0028"
        assert again.headers["Retry-After"]


def test_unknown_paths_and_missing_certificates_in_cowins_shape(live_server, seeded, db):
    from tests.api.test_cowin_v2_contract import login

    unknown = requests.get(f"{live_server}/api/v2/appointment/nothing/here")
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "USRRES0004"
    assert set(unknown.json()) == {"errorCode", "error"}
    auth = {"Authorization": f"Bearer {login(live_server, db)}"}
    missing = requests.get(f"{live_server}/api/v2/registration/certificate/download",
                           params={"beneficiary_reference_id": "12345678901234"}, headers=auth)
    assert missing.status_code == 400 and missing.json()["errorCode"] == "USRAUT0024"


# -- 5. appointments[] entries as API Setu's AppointmentResponseSchema ---------------------------


def test_beneficiary_appointments_carry_the_centre_fields(live_server, seeded, db):
    from tests.api.test_cowin_v2_contract import AADHAAR, login

    auth = {"Authorization": f"Bearer {login(live_server, db)}", "Accept-Language": "hi_IN"}
    r = requests.post(f"{live_server}/api/v2/registration/beneficiary/new", headers=auth, json={
        "name": "Asha Devi", "birth_year": "1961", "gender_id": 2, "photo_id_type": 1,
        "photo_id_number": AADHAAR, "consent_version": "V1"})
    ref = r.json()["beneficiary_reference_id"]
    r = requests.post(f"{live_server}/api/v2/appointment/schedule", headers=auth, json={
        "dose": 1, "session_id": str(seeded["sessions"][0].id), "slot": "09:00AM-11:00AM",
        "beneficiaries": [ref]})
    assert r.status_code == 200, r.text
    (person,) = requests.get(f"{live_server}/api/v2/appointment/beneficiaries",
                             headers=auth).json()["beneficiaries"]
    (appointment,) = person["appointments"]
    assert appointment["address"] == "Main Road" and appointment["pincode"] == "412207"
    assert (appointment["lat"], appointment["long"]) == (18.58, 73.98)
    assert appointment["fee_type"] == "Free"
    assert (appointment["state_name"], appointment["state_name_l"]) == ("Maharashtra", "महाराष्ट्र")
    assert (appointment["district_name"], appointment["district_name_l"]) == ("Pune", "पुणे")
    assert (appointment["block_name"], appointment["block_name_l"]) == ("Haveli", "हवेली")
    assert appointment["name_l"] == "PHC Wagholi" and appointment["address_l"] == "Main Road"


# -- 4. session and centre fields as CoWIN recorded them ----------------------------------------


def test_sessions_allow_all_age_and_block_not_applicable(live_server, seeded, db):
    from cowin_kit.booking.models import Facility

    district = db.session.get(Facility, seeded["facilities"][1].id)
    district.area_id = seeded["district"].id  # a centre right in the district: no block
    db.session.commit()
    day = seeded["sessions"][0].date
    r = requests.get(f"{live_server}/api/v2/appointment/sessions/public/calendarByPin",
                     params={"pincode": "412207", "date": cowin_date(day)})
    centres = {c["name"]: c for c in r.json()["centers"]}
    assert centres["City Hospital"]["block_name"] == "Not Applicable"
    assert centres["PHC Wagholi"]["block_name"] == "Haveli"
    sessions = [s for c in centres.values() for s in c["sessions"]]
    assert sessions and all(s["allow_all_age"] is True and "max_age_limit" not in s
                            for s in sessions)


def test_centre_lat_long_are_whole_degrees_as_cowin_sent(live_server, seeded):
    """CoWIN's findBy*/calendarBy* answers carried lat/long as whole degrees cut towards zero
    ("lat": 28, "long": 77 for Delhi, 19/72 for Mumbai's BKC at 72.86); clients typed them as
    integers (C# ``int lat``), so 18.58 would break their parsing."""
    day = seeded["sessions"][0].date
    base = f"{live_server}/api/v2/appointment/sessions/public"
    flat = requests.get(f"{base}/findByPin", params={"pincode": "412207",
                                                     "date": cowin_date(day)}).json()["sessions"]
    calendar = requests.get(f"{base}/calendarByPin", params={"pincode": "412207",
                                                             "date": cowin_date(day)})
    one = requests.get(f"{base}/calendarByCenter", params={
        "center_id": seeded["facilities"][1].id, "date": cowin_date(day)}).json()["centers"]
    centres = flat + calendar.json()["centers"] + [one]
    assert len(centres) == 5
    for centre in centres:
        assert type(centre["lat"]) is int and type(centre["long"]) is int, centre
        assert (centre["lat"], centre["long"]) == (18, 73)
    assert '"lat":18,"long":73,' in calendar.text


# -- 7. malformed PINs, unknown districts and centres ------------------------------------------


def test_malformed_pincodes_answer_cowins_invalid_pincode(live_server, seeded, db):
    """CoWIN answered 400 {"errorCode": "APPOIN0018", "error": "Invalid Pincode"} for a PIN
    that is not six digits, as recorded by the clients that tested for that exact body."""
    from tests.api.test_cowin_v2_contract import login

    day = cowin_date(seeded["sessions"][0].date)
    auth = {"Authorization": f"Bearer {login(live_server, db)}"}
    for kind, headers in (("public/", {}), ("", auth)):
        for path in ("findByPin", "calendarByPin"):
            for pincode in ("abc", "41220", "4122070", "41220a", "412 207"):
                r = requests.get(f"{live_server}/api/v2/appointment/sessions/{kind}{path}",
                                 params={"pincode": pincode, "date": day}, headers=headers)
                assert r.status_code == 400, (path, pincode, r.text)
                assert r.json() == {"errorCode": "APPOIN0018", "error": "Invalid Pincode"}
    good = requests.get(f"{live_server}/api/v2/appointment/sessions/public/findByPin",
                        params={"pincode": "412207", "date": day})
    assert good.status_code == 200 and len(good.json()["sessions"]) == 2
    elsewhere = requests.get(f"{live_server}/api/v2/appointment/sessions/public/findByPin",
                             params={"pincode": "110001", "date": day})
    assert elsewhere.status_code == 200 and elsewhere.json() == {"sessions": []}


def test_postal_code_format_follows_the_profiles_country(make_app):
    """Mexico's codes have five digits (Google's address data): 06600 is one, 412207 is not."""
    app = make_app(PROFILE="mx")
    client = app.test_client()
    url = "/api/v2/appointment/sessions/public/findByPin"
    assert client.get(url, query_string={"pincode": "06600", "date": "08-06-2030"}
                      ).status_code == 200
    refused = client.get(url, query_string={"pincode": "412207", "date": "08-06-2030"})
    assert refused.status_code == 400 and refused.get_json()["errorCode"] == "APPOIN0018"


def test_unknown_centre_and_district_are_refused(live_server, seeded):
    """No recorded CoWIN answer exists for these: the kit refuses them with a 400 in CoWIN's
    shape that says where ids come from; a known centre without sessions stays {}."""
    from cowin_kit.booking.models import Facility, VaccinationSession

    day = cowin_date(seeded["sessions"][0].date)
    base = f"{live_server}/api/v2/appointment/sessions/public"
    unknown = requests.get(f"{base}/calendarByCenter", params={"center_id": 987654, "date": day})
    assert unknown.status_code == 400, unknown.text
    assert unknown.json()["errorCode"] == "USRRES0002"
    assert "center_id" in unknown.json()["error"] and "findByPin" in unknown.json()["error"]
    from cowin_kit.core.db import db

    idle = Facility(code="F-IDLE", name="Idle PHC", area_id=seeded["district"].id,
                    address="Station Road", postal_code="412207", fee_type="Free")
    db.session.add(idle)
    db.session.commit()
    assert not db.session.query(VaccinationSession).filter_by(facility_id=idle.id).count()
    empty = requests.get(f"{base}/calendarByCenter", params={"center_id": idle.id, "date": day})
    assert empty.status_code == 200 and empty.json() == {"centers": {}}
    for path in ("findByDistrict", "calendarByDistrict"):
        r = requests.get(f"{base}/{path}", params={"district_id": 999999, "date": day})
        assert r.status_code == 400 and r.json() == {"errorCode": "USRRES0002",
                                                     "error": "Invalid district_id"}
