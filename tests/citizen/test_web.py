"""Citizen web pages end to end with the test client, CSRF protection on."""

from __future__ import annotations

import re

import pytest

from tests.citizen.helpers import MOBILE, aadhaar, bad_check_digit, csrf_from, last_otp


def _post(client, page_url, url, data, **kwargs):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def web_sign_in(client, mobile=MOBILE, next_url=None):
    url = "/signin" + (f"?next={next_url}" if next_url else "")
    response = _post(client, url, "/signin", {"mobile": mobile, "next": next_url or ""})
    assert response.status_code == 302 and "/signin/verify" in response.headers["Location"]
    return _post(client, response.headers["Location"], "/signin/verify",
                 {"otp": last_otp(), "next": next_url or ""})


def test_dashboard_requires_sign_in(client):
    response = client.get("/my")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=/my")


def test_sign_in_end_to_end_and_sign_out(client):
    response = web_sign_in(client, next_url="/my")
    assert response.status_code == 302 and response.headers["Location"] == "/my"
    html = client.get("/my").get_data(as_text=True)
    assert "******3210" in html and MOBILE not in html
    assert "/my/beneficiaries/new" in html
    response = _post(client, "/signout", "/signout", {})
    assert response.status_code == 302
    assert client.get("/my").status_code == 302


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/signin", data={"mobile": MOBILE})
    assert response.status_code == 400
    from cowin_kit.accounts.models import OtpTransaction
    from cowin_kit.core.db import db

    assert db.session.query(OtpTransaction).count() == 0


def test_open_redirect_is_not_followed(client):
    response = web_sign_in(client, next_url="https://evil.example/")
    assert response.headers["Location"] == "/my"


def test_invalid_mobile_and_wrong_otp_show_clear_errors(client):
    response = _post(client, "/signin", "/signin", {"mobile": "12345"})
    assert response.status_code == 422
    assert "Please enter a valid mobile number" in response.get_data(as_text=True)
    _post(client, "/signin", "/signin", {"mobile": MOBILE})
    response = _post(client, "/signin/verify", "/signin/verify", {"otp": "000000"
                     if last_otp() != "000000" else "111111"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "The OTP is not correct." in html
    assert "Tries left: 2" in html


@pytest.mark.parametrize("demo", [True, False])
def test_demo_mode_shows_the_otp_only_in_demo(make_app, demo):
    app = make_app(DEMO=demo)
    with app.app_context():
        client = app.test_client()
        _post(client, "/signin", "/signin", {"mobile": MOBILE})
        html = client.get("/signin/verify").get_data(as_text=True)
        assert ("cowin-kit sms outbox" in html) is demo
        assert (last_otp() in html) is demo


def test_add_and_remove_a_person_through_the_forms(client):
    web_sign_in(client)
    number = aadhaar(77)
    form = {"name": "सीता देवी", "birth_year": "1975", "gender": "F", "id_doc_type": "aadhaar",
            "id_number": bad_check_digit(number), "groups": "health_worker"}
    response = _post(client, "/my/beneficiaries/new", "/my/beneficiaries/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="id_number-error"' in html
    assert bad_check_digit(number) not in html  # the number is never echoed back
    assert "सीता देवी" in html  # the other fields are kept
    response = _post(client, "/my/beneficiaries/new", "/my/beneficiaries/new",
                     {**form, "id_number": number})
    assert response.status_code == 302
    html = client.get("/my").get_data(as_text=True)
    assert "सीता देवी" in html and number[-4:] in html and number not in html
    ref = re.search(r'id="b-(\d{14})"', html).group(1)
    url = f"/my/beneficiaries/{ref}/delete"
    assert "सीता देवी" in client.get(url).get_data(as_text=True)
    response = _post(client, url, url, {})
    assert response.status_code == 302
    html = client.get("/my").get_data(as_text=True)
    assert "सीता देवी was removed" in html and f'id="b-{ref}"' not in html


def test_bad_birth_year_text_is_a_field_error(client):
    web_sign_in(client)
    response = _post(client, "/my/beneficiaries/new", "/my/beneficiaries/new",
                     {"name": "Asha", "birth_year": "19x0", "gender": "F",
                      "id_doc_type": "aadhaar", "id_number": aadhaar(5)})
    assert response.status_code == 422
    assert 'id="birth_year-error"' in response.get_data(as_text=True)


def test_someone_elses_person_cannot_be_removed(make_app):
    from cowin_kit.registration.operations import add_beneficiary
    from tests.citizen.helpers import person, sign_up

    app = make_app()
    with app.app_context():
        owner = sign_up("9812345678")
        ref = add_beneficiary(owner, **person(3)).reference_id
        client = app.test_client()
        web_sign_in(client)
        assert client.get(f"/my/beneficiaries/{ref}/delete").status_code == 404


def test_pages_are_localised(client):
    html = client.get("/signin", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    assert 'lang="hi-IN"' in html


def test_dashboard_shows_vaccination_status_and_hides_remove_after_a_dose(client, db):
    import datetime as dt

    from cowin_kit.registration.operations import add_beneficiary
    from cowin_kit.vaccination.models import DoseRecord
    from tests.citizen.helpers import make_facility, person

    web_sign_in(client)
    from cowin_kit.accounts.models import CitizenAccount

    account = db.session.query(CitizenAccount).one()
    vaccinated = add_beneficiary(account, **person(81, name="Ravi Kumar", gender="M"))
    add_beneficiary(account, **person(82))
    db.session.add(DoseRecord(beneficiary_id=vaccinated.id, facility_id=make_facility(db).id,
                              vaccine="covishield", lot="L1", dose_number=1, series_total=2,
                              administered_on=dt.date(2021, 6, 1)))
    db.session.commit()
    html = client.get("/my").get_data(as_text=True)
    card = html[html.index(f'id="b-{vaccinated.reference_id}"'):]
    card = card[:card.index("</li>")]
    assert "Partially vaccinated: 1 dose" in card and "Remove" not in card
    assert "Not vaccinated" in html and html.count(">Remove<") == 1
