"""The citizen pages for children without documents and pregnancies, CSRF on, localised."""

from __future__ import annotations

import datetime as dt
import re

from cowin_kit.profiles import get_profile
from cowin_kit.registration import operations as ops
from tests.citizen.helpers import aadhaar, bad_check_digit
from tests.citizen.test_web import _post, web_sign_in


def _ref(html: str, name: str) -> str:
    return re.search(r'id="b-(\d{14})">\s*<h3>' + re.escape(name), html).group(1)


def test_add_a_child_attach_an_id_and_see_the_due_doses(client, app):
    web_sign_in(client)
    with app.app_context():
        today = ops._today(get_profile())
    url = "/my/children/new"
    form = {"name": "Baby Ravi", "birth_date": (today + dt.timedelta(days=1)).isoformat(),
            "gender": "M", "guardian": "father"}
    response = _post(client, url, url, form)
    assert response.status_code == 422
    assert 'id="birth_date-error"' in response.get_data(as_text=True)
    response = _post(client, url, url, {**form, "birth_date": ""})
    assert response.status_code == 422 and 'id="birth_date-error"' in response.get_data(as_text=True)
    response = _post(client, url, url, {**form, "birth_date": "12/01/2026"})
    assert response.status_code == 422
    response = _post(client, url, url, {**form, "birth_date": today.isoformat()})
    assert response.status_code == 302
    html = client.get("/my").get_data(as_text=True)
    ref = _ref(html, "Baby Ravi")
    assert "No identity document yet" in html and "BCG" in html and "OPV-0" in html
    attach = f"/my/beneficiaries/{ref}/document"
    number = aadhaar(31)
    response = _post(client, attach, attach, {"id_doc_type": "aadhaar",
                                              "id_number": bad_check_digit(number)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="id_number-error"' in page
    assert bad_check_digit(number) not in page
    response = _post(client, attach, attach, {"id_doc_type": "aadhaar", "id_number": number})
    assert response.status_code == 302
    html = client.get("/my").get_data(as_text=True)
    assert number[-4:] in html and number not in html and "No identity document yet" not in html


def test_forms_need_csrf_and_pages_are_localised(client):
    web_sign_in(client)
    response = client.post("/my/children/new", data={"name": "X", "birth_date": "2026-01-01",
                                                     "gender": "M", "guardian": "father"})
    assert response.status_code == 400
    html = client.get("/my/children/new", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    assert 'lang="hi-IN"' in html and 'name="guardian"' in html
    # Dates on "My account" are formatted for the reader's locale, never ISO.
    response = _post(client, "/my/children/new", "/my/children/new",
                     {"name": "Baby", "birth_date": "2026-01-02", "gender": "M",
                      "guardian": "father"})
    assert response.status_code == 302
    html = client.get("/my").get_data(as_text=True)
    assert "2026-01-02" not in html and "2 Jan 2026" in html


def test_record_a_pregnancy_through_the_form(client, app):
    web_sign_in(client)
    number = aadhaar(41)
    _post(client, "/my/beneficiaries/new", "/my/beneficiaries/new",
          {"name": "Sita Devi", "birth_year": "1998", "gender": "F", "id_doc_type": "aadhaar",
           "id_number": number})
    html = client.get("/my").get_data(as_text=True)
    ref = _ref(html, "Sita Devi")
    url = f"/my/beneficiaries/{ref}/pregnancy"
    assert url in html
    for week in ("0", "43", "ab"):
        response = _post(client, url, url, {"week": week})
        assert response.status_code == 422, week
        assert 'id="week-error"' in response.get_data(as_text=True)
    response = _post(client, url, url, {"week": "20"})
    assert response.status_code == 302
    html = client.get("/my").get_data(as_text=True)
    assert "Td-1" in html
    response = _post(client, url, url, {"week": "21"})
    assert response.status_code == 409
