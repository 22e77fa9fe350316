"""Who the client is (COWIN_KIT_TRUSTED_PROXIES) for rate limits and the audit log, and the
limits of findByLatLong. The same behind a real nginx: tests/deploy/test_nginx_client_address.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import request

from cowin_kit.config import ConfigError

STATES = "/api/v2/admin/location/states"
LAT_LONG = "/api/v2/appointment/centers{kind}/findByLatLong?lat=18.57&long=73.97"
PROXY = "10.0.0.1"


def _codes(client, count: int, headers) -> list[int]:
    """Status codes of ``count`` public calls; ``headers(i)`` gives the headers of call i."""
    return [client.get(STATES, headers=headers(i)).status_code for i in range(count)]


def _citizen_token(app, mobile="+919876500001") -> str:
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token
    from cowin_kit.core.db import db

    with app.app_context():
        account = CitizenAccount(mobile=mobile)
        db.session.add(account)
        db.session.commit()
        return issue_token(account)


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(make_app):
    app = make_app(RATE_LIMIT_PUBLIC="3 per 1 minute")
    client = app.test_client()
    # A new X-Forwarded-For on every call would be a new bucket if the header were believed.
    codes = _codes(client, 5, lambda i: {"X-Forwarded-For": f"203.0.113.{i}"})
    assert codes == [200, 200, 200, 429, 429]


def test_the_trusted_proxy_names_the_client(make_app):
    app = make_app(RATE_LIMIT_PUBLIC="3 per 1 minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY  # every call arrives from the proxy
    # Forty citizens behind one proxy each keep their own bucket...
    codes = _codes(client, 40, lambda i: {"X-Forwarded-For": f"203.0.113.{i}"})
    assert codes == [200] * 40
    # ...and one client cannot pick a fresh bucket by writing its own X-Forwarded-For: the
    # proxy appends the address it saw, and only that last hop is trusted.
    codes = _codes(client, 5, lambda i: {"X-Forwarded-For": f"192.0.2.{i}, 198.51.100.7"})
    assert codes == [200, 200, 200, 429, 429]
    refused = client.get(STATES, headers={"X-Forwarded-For": "198.51.100.7"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_the_audit_log_records_the_client_behind_the_proxy(make_app, db):
    from cowin_kit.core.models import AuditEntry
    from tests.citizen.helpers import aadhaar

    app = make_app(TRUSTED_PROXIES=1)
    token = _citizen_token(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    response = client.post("/api/v2/registration/beneficiary/new", json={
        "name": "Asha Devi", "birth_year": 1980, "gender_id": "F", "photo_id_type": "aadhaar",
        "photo_id_number": aadhaar(7), "comorbidity_ind": "N"},
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.23"})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        ips = db.session.scalars(sa.select(AuditEntry.ip).where(
            AuditEntry.action == "beneficiary.create")).all()
    assert ips == ["198.51.100.23"]


@pytest.mark.parametrize("value", [-1, "two", True, 11, "1.5"])
def test_a_wrong_number_of_proxies_is_refused_with_what_to_set(make_app, value):
    with pytest.raises(ConfigError, match="COWIN_KIT_TRUSTED_PROXIES must be the number of"):
        make_app(TRUSTED_PROXIES=value)


def test_trusted_proxies_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("COWIN_KIT_TRUSTED_PROXIES", "2")
    app = make_app()
    assert app.config["TRUSTED_PROXIES"] == 2
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    client.get("/healthz", headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.5, 10.0.0.2"})
    assert seen == ["203.0.113.5"]  # the second hop from the right


def test_protected_find_by_lat_long_needs_the_token(make_app):
    app = make_app()
    client = app.test_client()
    refused = client.get(LAT_LONG.format(kind=""))
    assert refused.status_code == 401 and refused.get_json()["errorCode"] == "USRAUT0001"
    forged = client.get(LAT_LONG.format(kind=""), headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401
    token = _citizen_token(app)
    answered = client.get(LAT_LONG.format(kind=""), headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 200 and answered.get_json()["ttl"] == 24


def test_public_find_by_lat_long_is_limited_per_client(make_app):
    app = make_app(RATE_LIMIT_PUBLIC="2 per 1 minute")
    client = app.test_client()
    codes = [client.get(LAT_LONG.format(kind="/public")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get(LAT_LONG.format(kind="/public"))
    assert refused.get_json()["errorCode"] == "USRRES0429" and refused.headers["Retry-After"]
    # Another client has its own bucket.
    other = client.get(LAT_LONG.format(kind="/public"), environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200
    # The protected variant is not counted against the public limit of the token holder's
    # address (it needs the token instead).
    token = _citizen_token(app)
    assert client.get(LAT_LONG.format(kind=""),
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
