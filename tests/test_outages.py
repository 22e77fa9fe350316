"""Outages (docs/security.md, "Outages: Redis and database"): Redis down (a real client pointed at
a closed port), the database down (a closed port) or read-only (SQLite opened read-only,
PostgreSQL with default_transaction_read_only). Each path answers as documented: 503 with
Retry-After in the path's own error shape, or goes on serving from this process."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
import sqlalchemy as sa

from tests.factories import sign_in
from tests.operations.conftest import FAST_ARGON2, world  # noqa: F401 - fixture

REDIS_DOWN = "redis://127.0.0.1:1/0"
MOBILE = "9876543210"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # released on close: nobody listens there


def _db_down_url() -> str:
    return f"postgresql+psycopg://cowin:s3cret-pw@127.0.0.1:{_closed_port()}/cowin"


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _assert_cowin_503(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert set(body) == {"errorCode", "error"} and body["error"]


def _assert_kit_503(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "SERVICE_UNAVAILABLE"


# -- Redis down -----------------------------------------------------------------------------------

@pytest.fixture
def app(make_app):
    """The app on a Redis nobody answers (CSRF off for the desk forms); context pushed."""
    app = make_app(REDIS_URL=REDIS_DOWN, WTF_CSRF_ENABLED=False, **FAST_ARGON2)
    with app.app_context():
        yield app


def test_otp_fails_closed_with_a_localised_503_when_redis_is_down(client, db):
    from cowin_kit.accounts.models import OtpTransaction
    from cowin_kit.core.models import SmsMessage

    _assert_cowin_503(client.post("/api/v2/auth/generateMobileOTP", json={"mobile": MOBILE}))
    kit = client.post("/api/kit/v1/auth/otp", json={"mobile": MOBILE})
    _assert_kit_503(kit)
    assert "OTP" in kit.get_json()["error"]["message"]
    page = client.post("/signin", data={"mobile": MOBILE})
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "cannot send OTPs" in page.get_data(as_text=True)
    # Nothing was sent and nothing recorded: the per-address limit could not be counted.
    assert _count(db, OtpTransaction) == 0 and _count(db, SmsMessage) == 0


def test_public_reads_answer_from_this_process_when_redis_is_down(app, client):
    from cowin_kit.core.cache import get_cache

    app.config["RATE_LIMIT_PUBLIC"] = "3 per minute"
    day = dt.date.today().strftime("%d-%m-%Y")
    url = f"/api/v2/appointment/sessions/public/findByPin?pincode=411001&date={day}"
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {"sessions": []}
    # The answer is cached in this process meanwhile, and the public limit still counts here.
    assert any("findByPin" in key or "find:" in key for key in get_cache().responses._entries)
    refused = client.get(url)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.get(f"/api/kit/v1/availability?postal_code=411001").status_code == 200
    assert client.get("/find?postal_code=411001").status_code == 200


def test_certificate_verification_works_when_redis_is_down(client):
    response = client.post("/api/kit/v1/certificates/verify", json={"payload": "HC1:not-a-cert"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["valid"] is False


def test_desk_look_ups_work_when_redis_is_down(app, client, db, world):  # noqa: F811
    from tests.factories import make_person

    person = make_person(db)
    db.session.commit()
    app.config["STAFF_LOOKUP_LIMIT"] = "2 per hour"
    sign_in(client, world.staff["vaccinator"])
    found = client.post("/desk/find", data={"q": person.reference_id})
    assert found.status_code == 302, found.get_data(as_text=True)
    api = "/api/kit/v1/staff/desk/beneficiaries/search"
    headers = {"X-Requested-With": "XMLHttpRequest"}
    listed = client.post(api, json={"q": person.reference_id, "kind": "reference"}, headers=headers)
    assert listed.status_code == 200 and len(listed.get_json()) == 1
    # The hourly limit is still enforced, counted in this process.
    assert client.post(api, json={"q": person.reference_id, "kind": "reference"},
                       headers=headers).status_code == 429


def test_readyz_reports_redis_failing_without_its_address(client):
    response = client.get("/readyz")
    assert response.status_code == 200  # every pod shares Redis: none is taken out for it
    body = response.get_json()
    assert body["status"] == "degraded" and body["checks"]["redis"] == "failing"
    assert body["checks"]["database"] == body["checks"]["migrations"] == "ok"
    assert "127.0.0.1" not in response.get_data(as_text=True)


# -- database down ---------------------------------------------------------------------------------

@pytest.fixture
def down(make_app):
    return make_app(DATABASE_URL=_db_down_url(), WTF_CSRF_ENABLED=False).test_client()


def test_database_down_answers_503_in_each_paths_shape(down):
    _assert_cowin_503(down.get("/api/v2/admin/location/states"))
    _assert_cowin_503(down.post("/api/v2/auth/generateMobileOTP", json={"mobile": MOBILE}))
    _assert_kit_503(down.post("/api/kit/v1/auth/otp", json={"mobile": MOBILE}))
    _assert_kit_503(down.get("/api/kit/v1/availability?postal_code=411001"))
    page = down.get("/find?postal_code=411001&lang=hi_IN", headers={"Accept": "text/html"})
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    html = page.get_data(as_text=True)
    assert "सेवा अभी कुछ समय के लिए उपलब्ध नहीं है" in html  # Hindi, as the reader asked
    for response in (page, down.get("/api/v2/admin/location/states")):
        text = response.get_data(as_text=True)
        assert "s3cret" not in text and "127.0.0.1" not in text and "psycopg" not in text


def test_readyz_names_the_failing_database_without_internals(down, caplog):
    response = down.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "failing"
    assert body["checks"]["redis"] == "not configured"
    text = response.get_data(as_text=True)
    for internal in ("127.0.0.1", "s3cret", "cowin:", "Connection refused", "port"):
        assert internal not in text
    # The operator finds the cause in the server log, still without the password.
    assert "database unreachable" in caplog.text and "s3cret" not in caplog.text


# -- database read-only ----------------------------------------------------------------------------

@pytest.fixture
def read_only(make_app, database_url):
    """The test database, read-only for this app: SQLite opened with mode=ro, PostgreSQL with
    default_transaction_read_only (as on a standby or during a failover)."""
    make_app()  # first: the fixture empties the tables through it, not the read-only one
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        options = {"creator": _sqlite_read_only(url.database)}
    else:
        options = {"connect_args": {"options": "-c default_transaction_read_only=on"}}
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, **options},
                    WTF_CSRF_ENABLED=False)


def _sqlite_read_only(path: str):
    import sqlite3

    return lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def test_read_only_database_answers_503_with_retry_after(read_only):
    from cowin_kit.accounts.models import OtpTransaction
    from cowin_kit.core.db import db

    client = read_only.test_client()
    _assert_cowin_503(client.post("/api/v2/auth/generateMobileOTP", json={"mobile": MOBILE}))
    _assert_kit_503(client.post("/api/kit/v1/auth/otp", json={"mobile": MOBILE}))
    page = client.post("/signin?lang=hi_IN", data={"mobile": MOBILE},
                       headers={"Accept": "text/html"})
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "सेवा अभी कुछ समय के लिए उपलब्ध नहीं है" in page.get_data(as_text=True)
    # Reads still work on a read-only database.
    assert client.get("/api/v2/admin/location/states").status_code == 200
    with read_only.app_context():
        assert _count(db, OtpTransaction) == 0
