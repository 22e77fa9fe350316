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
