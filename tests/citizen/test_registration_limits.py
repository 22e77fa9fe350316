""""This identity document is already registered" must not become an unlimited oracle of who is
in the register: duplicate refusals and registration attempts are limited per account and per
client address (RATE_LIMIT_REGISTRATION_*)."""

from __future__ import annotations

from tests.citizen.helpers import aadhaar, person

NEW = "/api/v2/registration/beneficiary/new"


def _token(app, mobile: str) -> dict:
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token
    from cowin_kit.core.db import db

    with app.app_context():
        account = CitizenAccount(mobile=mobile)
        db.session.add(account)
        db.session.commit()
        return {"Authorization": f"Bearer {issue_token(account)}"}


def _register(client, auth, seed: int, address: str = "127.0.0.1", **overrides):
    body = {"name": "Asha Devi", "birth_year": 1980, "gender_id": "F", "photo_id_type": "aadhaar",
            "photo_id_number": aadhaar(seed), "comorbidity_ind": "N", **overrides}
    return client.post(NEW, json=body, headers=auth, environ_base={"REMOTE_ADDR": address})


def _outcome(response) -> str:
    return response.get_json().get("errorCode") or "registered"


def test_duplicate_refusals_per_account_close_the_oracle(make_app):
    app = make_app(RATE_LIMIT_REGISTRATION_DUPLICATES_PER_ACCOUNT="2 per 1 day")
    client = app.test_client()
    owner, prober = _token(app, "+919876500001"), _token(app, "+919876500002")
    assert _register(client, owner, 1).status_code == 200
    assert _register(client, owner, 2).status_code == 200
    # The prober tries other people's numbers: two refusals tell them, then nothing does.
    tries = [_register(client, prober, seed, address=f"127.0.0.{10 + seed}")
             for seed in (1, 2, 1, 3)]
    assert [_outcome(r) for r in tries] == ["BENREG0008", "BENREG0008", "USRRES0429", "USRRES0429"]
    # A number nobody registered (seed 3) is refused exactly like a registered one.
    assert tries[2].get_json() == tries[3].get_json()
    assert all(int(r.headers["Retry-After"]) > 0 for r in tries[2:])
    assert "try again later" in tries[3].get_json()["error"]
    # The owner of the numbers is not affected.
    assert _register(client, owner, 4).status_code == 200


def test_duplicate_refusals_per_address_span_accounts(make_app):
    app = make_app(RATE_LIMIT_REGISTRATION_DUPLICATES_PER_IP="3 per 1 day")
    client = app.test_client()
    owner = _token(app, "+919876500001")
    for seed in (1, 2, 3):
        assert _register(client, owner, seed, address="198.51.100.1").status_code == 200
    probers = [_token(app, f"+91987650001{i}") for i in range(3)]
    # Three accounts of one client, one refusal each: the address has used up its refusals.
    outcomes = [_outcome(_register(client, auth, seed, address="203.0.113.9"))
                for auth, seed in zip(probers, (1, 2, 3))]
    assert outcomes == ["BENREG0008"] * 3
    fresh = _token(app, "+919876500020")
    assert _outcome(_register(client, fresh, 4, address="203.0.113.9")) == "USRRES0429"
    # The same account from another address may still register.
    assert _outcome(_register(client, fresh, 4, address="203.0.113.10")) == "registered"


def test_registration_attempts_are_limited_per_account_and_per_address(make_app):
    app = make_app(RATE_LIMIT_REGISTRATION_ATTEMPTS_PER_ACCOUNT="3 per 1 day",
                   RATE_LIMIT_REGISTRATION_ATTEMPTS_PER_IP="5 per 1 hour")
    client = app.test_client()
    one, two = _token(app, "+919876500001"), _token(app, "+919876500002")
    # Register, delete, register again: each success tells "not registered", so attempts count
    # whatever their outcome (here: one success, two invalid numbers).
    outcomes = [_outcome(_register(client, one, 1)),
                _outcome(_register(client, one, 2, photo_id_number="123")),
                _outcome(_register(client, one, 3, photo_id_number="456"))]
    assert outcomes == ["registered", "BENREG0007", "BENREG0007"]
    assert _outcome(_register(client, one, 4, address="127.0.0.2")) == "USRRES0429"
    # The second account shares the first address: two attempts are left there.
    assert [_outcome(_register(client, two, seed)) for seed in (5, 6, 7)] == [
        "registered", "registered", "USRRES0429"]


def test_the_web_form_shows_the_limit(make_app):
    from tests.citizen.test_web import _post, web_sign_in

    app = make_app(RATE_LIMIT_REGISTRATION_ATTEMPTS_PER_ACCOUNT="1 per 1 day")
    client = app.test_client()
    with app.app_context():  # the OTP is read from the outbox
        web_sign_in(client)
    page = "/my/beneficiaries/new"
    form = {"name": "Asha Devi", "birth_year": "1980", "gender": "F", "id_doc_type": "aadhaar"}
    assert _post(client, page, page, {**form, "id_number": aadhaar(1)}).status_code == 302
    refused = _post(client, page, page, {**form, "id_number": aadhaar(2)})
    assert refused.status_code == 429
    assert "try again later" in refused.get_data(as_text=True)


def test_scripts_and_desk_walk_ins_are_not_limited(make_app):
    from cowin_kit.registration.operations import add_beneficiary
    from tests.citizen.helpers import sign_up

    app = make_app(RATE_LIMIT_REGISTRATION_ATTEMPTS_PER_ACCOUNT="1 per 1 day")
    with app.app_context():
        account = sign_up()
        # No request: the demo and other scripts register many people under one mobile.
        for seed in (1, 2, 3):
            add_beneficiary(account, **person(seed))
