"""Citizen pages as a person meets them (issue #18): each question asked once, one translated
message per problem and never an internal code, malformed input refused before it costs a try."""

from __future__ import annotations

import re

import pytest

from tests.citizen.helpers import MOBILE, aadhaar, csrf_from, last_otp, person, sign_up


def _post(client, page_url, url, data):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


# -- 4. "Add a person" asks about comorbidity once --------------------------------------------------

def _comorbidity_questions(html: str) -> int:
    return len(re.findall(r'name="comorbidity"|name="groups" value="comorbidity"', html))


@pytest.mark.parametrize("profile, as_group", [("in", True), ("vn", False)])
def test_add_a_person_asks_about_comorbidity_once(make_app, profile, as_group):
    from tests.factories import citizen_sign_in

    app = make_app(PROFILE=profile)
    with app.app_context():
        client = app.test_client()
        citizen_sign_in(client, sign_up("9876500001" if profile == "in" else "0912345678"))
        html = client.get("/my/beneficiaries/new").get_data(as_text=True)
    assert _comorbidity_questions(html) == 1
    assert ('value="comorbidity"' in html) is as_group


def test_comorbidity_flag_and_group_are_one_fact(db):
    from cowin_kit.registration.operations import add_beneficiary

    account = sign_up()
    by_group = add_beneficiary(account, **person(11), groups=["comorbidity"])
    by_flag = add_beneficiary(account, **person(12), comorbidity=True)
    neither = add_beneficiary(account, **person(13, id_number=aadhaar(13)))
    assert by_group.comorbidity and by_group.groups == ["comorbidity"]
    assert by_flag.comorbidity and by_flag.groups == ["comorbidity"]
    assert not neither.comorbidity and neither.groups == []


# -- 5. one translated message per problem, never an internal code ---------------------------------

CODES = ("INVALID_MOBILE", "OTP_WRONG", "OTP_MALFORMED", "INVALID_ID_DOCUMENT",
         "VALIDATION_FAILED", "data-code")


def _no_codes(html: str) -> None:
    assert not [code for code in CODES if code in html], html


def test_sign_in_errors_are_shown_once_without_codes(client):
    html = _post(client, "/signin", "/signin", {"mobile": "12345"}).get_data(as_text=True)
    _no_codes(html)
    assert html.count("Please enter a valid mobile number") == 1
    assert 'aria-describedby="mobile-error"' in html  # at the field it is about
    _post(client, "/signin", "/signin", {"mobile": MOBILE})
    wrong = "000000" if last_otp() != "000000" else "111111"
    html = _post(client, "/signin/verify", "/signin/verify", {"otp": wrong}).get_data(as_text=True)
    _no_codes(html)
    assert html.count("The OTP is not correct. Tries left: 2.") == 1


def test_add_a_person_shows_each_problem_once_at_its_field(client):
    from tests.citizen.helpers import bad_check_digit
    from tests.factories import citizen_sign_in

    citizen_sign_in(client, sign_up())
    response = _post(client, "/my/beneficiaries/new", "/my/beneficiaries/new",
                     {"name": "Asha", "birth_year": "1980", "gender": "F",
                      "id_doc_type": "aadhaar", "id_number": bad_check_digit(aadhaar(3))})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    _no_codes(html)
    problem = re.search(r'<p id="id_number-error" class="field-error">([^<]+)</p>', html)
    assert problem, html
    assert html.count(problem.group(1).strip()) == 1  # at the field, not also above the form
    assert "Please correct the fields marked below." in html


def test_error_page_lists_problems_without_field_names_or_codes(make_app):
    from cowin_kit.core.errors import ValidationFailed

    app = make_app()

    @app.get("/_refused")
    def refused():
        raise ValidationFailed(fields={"capacities": ["Give the capacity of at least one dose."],
                                       "slots": ["Use HH:MM-HH:MM."],
                                       "slot_list": ["Use HH:MM-HH:MM."]})

    response = app.test_client().get("/_refused", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    main = html[html.index("<main"):]
    assert "capacities" not in main and "slots" not in main
    _no_codes(main)
    assert main.count("Give the capacity of at least one dose.") == 1
    assert main.count("Use HH:MM-HH:MM.") == 1
    api = app.test_client().get("/api/_x")  # the API keeps its codes (JSON)
    assert api.json["error"]["code"] == "NOT_FOUND"


def test_problem_messages_flattens_what_marshmallow_nests():
    from cowin_kit.core.errors import problem_messages

    fields = {"json": {"mobile": ["Missing data."], "otp": {"0": ["Too short.", "Missing data."]}},
              "query": "Not a date."}
    assert problem_messages(fields, "Not a date.") == ["Missing data.", "Too short."]


# -- 12. a malformed OTP costs no try ------------------------------------------------------------

def _tries(db) -> int:
    import sqlalchemy as sa

    from cowin_kit.accounts.models import OtpTransaction

    db.session.expire_all()
    return db.session.scalar(sa.select(OtpTransaction.tries))


@pytest.mark.parametrize("malformed", ["12ab", "12345", "1234567", " ", "१२३४५"])
def test_malformed_otp_on_the_page_costs_no_try(client, db, malformed):
    _post(client, "/signin", "/signin", {"mobile": MOBILE})
    response = _post(client, "/signin/verify", "/signin/verify", {"otp": malformed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _tries(db) == 0
    assert html.count("Enter the 6-digit OTP from the SMS, using digits only.") == 1
    assert 'aria-describedby="otp-error"' in html
    _no_codes(html)
    # Native digits of the right length are an OTP (the request turns them into ASCII).
    devanagari = last_otp().translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    response = _post(client, "/signin/verify", "/signin/verify", {"otp": devanagari})
    assert response.status_code == 302 and _tries(db) == 1


def test_malformed_otp_on_the_apis_costs_no_try(client, db):
    txn = client.post("/api/kit/v1/auth/otp", json={"mobile": MOBILE}).json["txn_id"]
    response = client.post("/api/kit/v1/auth/otp/confirm", json={"txn_id": txn, "otp": "12ab56"})
    assert response.status_code == 422 and response.json["error"]["code"] == "OTP_MALFORMED"
    assert response.json["error"]["fields"] == {"otp": [response.json["error"]["message"]]}
    response = client.post("/api/v2/auth/public/confirmOTP", json={"txnId": txn, "otp": "12ab"})
    assert response.status_code == 400 and _tries(db) == 0
    for _ in range(5):  # more malformed tries than OTP_MAX_TRIES: still no lock
        client.post("/api/kit/v1/auth/otp/confirm", json={"txn_id": txn, "otp": "x"})
    response = client.post("/api/kit/v1/auth/otp/confirm", json={"txn_id": txn, "otp": last_otp()})
    assert response.status_code == 200 and _tries(db) == 1
