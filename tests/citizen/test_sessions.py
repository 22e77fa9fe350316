"""Citizen sessions are server-side: signing out ends the web cookie and the API token at once,
copies included; token times allow a little clock skew between pods (issue #13)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from tests.citizen.helpers import MOBILE, MOBILE_E164, csrf_from, last_otp, sign_up
from tests.citizen.test_api import API, api_token
from tests.citizen.test_web import web_sign_in


def _replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_copied_citizen_cookie_stops_working_after_sign_out(app, client):
    web_sign_in(client)
    copied = client.get_cookie("session").value
    assert _replay(app, copied).get("/my").status_code == 200
    token = csrf_from(client.get("/signout").get_data(as_text=True))
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert client.get("/my").status_code == 302
    assert _replay(app, copied).get("/my").status_code == 302


def test_a_token_is_refused_after_logout(client):
    token = api_token(client)["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/beneficiaries", headers=bearer).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=bearer).status_code == 204
    refused = client.get(f"{API}/beneficiaries", headers=bearer)
    assert refused.status_code == 401 and refused.json["error"]["code"] == "UNAUTHENTICATED"
    assert client.post(f"{API}/auth/logout", headers=bearer).status_code == 401
    assert client.post(f"{API}/auth/logout").status_code == 401


def test_logout_ends_only_the_token_it_names(client):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token
    from cowin_kit.core.db import db

    first = api_token(client)["token"]
    account = db.session.scalar(sa.select(CitizenAccount)
                                .where(CitizenAccount.mobile == MOBILE_E164))
    second = issue_token(account)  # the same person on a second phone
    assert client.post(f"{API}/auth/logout",
                       headers={"Authorization": f"Bearer {first}"}).status_code == 204
    assert client.get(f"{API}/beneficiaries",
                      headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_a_cowin_v2_token_is_refused_after_logout(client):
    txn = client.post("/api/v2/auth/public/generateOTP", json={"mobile": MOBILE}).json["txnId"]
    otp = hashlib.sha256(last_otp().encode()).hexdigest()
    token = client.post("/api/v2/auth/validateMobileOtp", json={"txnId": txn, "otp": otp}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v2/appointment/beneficiaries", headers=bearer).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=bearer).status_code == 204
    assert client.get("/api/v2/appointment/beneficiaries", headers=bearer).status_code == 401


def _now():
    return dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize("skew_seconds, accepted", [(10, True), (25, True), (45, False),
                                                    (120, False)])
def test_a_token_from_a_pod_whose_clock_is_ahead(app, skew_seconds, accepted):
    from cowin_kit.accounts.tokens import issue_token, verify_token
    from cowin_kit.core.errors import Unauthorized

    account = sign_up()
    token = issue_token(account, now=_now() + dt.timedelta(seconds=skew_seconds))
    if accepted:
        assert verify_token(token).id == account.id
    else:
        with pytest.raises(Unauthorized):
            verify_token(token)


@pytest.mark.parametrize("late_seconds, accepted", [(10, True), (45, False)])
def test_a_token_just_expired_by_another_pods_clock(app, late_seconds, accepted):
    from cowin_kit.accounts.tokens import issue_token, verify_token
    from cowin_kit.core.errors import Unauthorized

    account = sign_up()
    ttl = dt.timedelta(seconds=int(app.config["JWT_TTL_SECONDS"]))
    token = issue_token(account, now=_now() - ttl - dt.timedelta(seconds=late_seconds))
    if accepted:
        assert verify_token(token).id == account.id
    else:
        with pytest.raises(Unauthorized):
            verify_token(token)


def test_the_clock_skew_leeway_is_configurable(app):
    from cowin_kit.accounts.tokens import issue_token, verify_token
    from cowin_kit.core.errors import Unauthorized

    account = sign_up()
    app.config["CLOCK_SKEW_SECONDS"] = 0
    with pytest.raises(Unauthorized):
        verify_token(issue_token(account, now=_now() + dt.timedelta(seconds=10)))
    app.config["CLOCK_SKEW_SECONDS"] = 120
    assert verify_token(issue_token(account, now=_now() + dt.timedelta(seconds=90))).id == account.id
