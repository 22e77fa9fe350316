"""Logger tokens: a temperature logger (or its gateway) uploads one appliance's readings with a
device token made on the equipment page, without a staff session."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import sqlalchemy as sa

from cowin_kit.core.db import utcnow
from cowin_kit.core.models import AuditEntry
from cowin_kit.stock import coldchain
from tests.factories import sign_in

API = "/api/kit/v1/stock/readings"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def _readings(code: str, *temps: float, start: dt.datetime | None = None) -> dict:
    t0 = start or utcnow()
    return {"readings": [{"equipment": code, "time": _iso(t0 + dt.timedelta(seconds=10 * n)),
                          "celsius": c} for n, c in enumerate(temps)]}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _make_token(app, world, equipment, role="store_manager") -> str:
    """Make a token through the equipment page, as a store manager would (in its own browser:
    the logger's client never signs in)."""
    staff = app.test_client()
    sign_in(staff, world.staff[role])
    response = staff.post(f"/stock/equipment/{equipment.id}/tokens", data={"label": "ILR by the door"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="new-token">(ckl_[A-Za-z0-9_-]+)</code>',
                      response.get_data(as_text=True)).group(1)
    return token


def test_a_logger_uploads_with_its_token_and_only_the_hash_is_kept(app, client, stock, world, db):
    from cowin_kit.stock.models import Excursion, LoggerToken

    ops, lot, nat = stock["ops"], stock["lot"], world.staff["national_admin"]
    ops.receive(nat, stock["FA"], lot, 40)
    ilr = coldchain.add_equipment(nat, stock["FA"], code="LOG-9", kind="ilr")
    token = _make_token(app, world, ilr)
    row = db.session.scalar(sa.select(LoggerToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.prefix == token[:12]
    assert row.last_used_at is None
    assert token not in str(db.session.scalars(sa.select(AuditEntry.details)).all())
    created = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "stock.logger_token.create"))
    assert created.actor_type == "staff" and created.details["token"] == row.id

    # No session cookie, no X-Requested-With: the token alone.
    response = client.post(API, headers=_bearer(token), json=_readings("LOG-9", 5, 12.5, 5))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["excursions"][0]["lots"] == [lot.lot_number]
    excursion = db.session.scalar(sa.select(Excursion))
    assert (excursion.source, excursion.highest_celsius, excursion.recorded_by) == ("api", 12.5, None)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "stock.excursion"))
    assert (entry.actor_type, entry.actor_id) == ("logger", str(row.id))
    db.session.expire_all()
    assert db.session.get(LoggerToken, row.id).last_used_at is not None

    # The equipment page lists it (prefix, last used), never the token again.
    staff = app.test_client()
    sign_in(staff, world.staff["facility_manager"])
    page = staff.get(f"/stock/equipment/{ilr.id}").get_data(as_text=True)
    assert row.prefix in page and token not in page


def test_wrong_revoked_or_missing_token_is_401(app, client, stock, world, db):
    from cowin_kit.stock.models import Excursion

    nat = world.staff["national_admin"]
    ilr = coldchain.add_equipment(nat, stock["FA"], code="LOG-10", kind="ilr")
    token = _make_token(app, world, ilr)
    body = _readings("LOG-10", 5, 12.5, 5)
    for header in (_bearer("ckl_" + "A" * 43), _bearer(token[:-1]), _bearer(""),
                   _bearer("x" * 5000), {"Authorization": "Bearer"}):
        response = client.post(API, headers=header, json=body)
        assert response.status_code == 401, header
    response = client.post(API, json=body)  # no token, no session
    assert response.status_code == 401

    staff = app.test_client()
    sign_in(staff, world.staff["store_manager"])
    token_id = db.session.scalar(sa.text("SELECT id FROM stock_logger_token"))
    assert staff.post(f"/stock/logger-tokens/{token_id}/revoke").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "stock.logger_token.revoke")) == 1
    response = client.post(API, headers=_bearer(token), json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "BAD_LOGGER_TOKEN"
    assert db.session.scalar(sa.select(sa.func.count(Excursion.id))) == 0


def test_a_token_uploads_its_own_equipment_only(app, client, stock, world, db):
    from cowin_kit.stock.models import Excursion

    nat = world.staff["national_admin"]
    mine = coldchain.add_equipment(nat, stock["FA"], code="LOG-11", kind="ilr")
    coldchain.add_equipment(nat, stock["FA"], code="LOG-12", kind="ilr")  # same store, another one
    coldchain.add_equipment(nat, stock["FB"], code="LOG-13", kind="ilr")  # another store
    token = _make_token(app, world, mine)
    for other in ("LOG-12", "LOG-13"):
        body = _readings("LOG-11", 5, 12, 5)
        body["readings"] += _readings(other, 5, 12, 5)["readings"]
        response = client.post(API, headers=_bearer(token), json=body)
        assert response.status_code == 403, other
        assert response.get_json()["error"]["code"] == "OTHER_EQUIPMENT"
    assert db.session.scalar(sa.select(sa.func.count(Excursion.id))) == 0
    # A store manager of area A cannot make a token for area B's appliance, nor revoke one.
    other = coldchain.add_equipment(nat, stock["FB"], code="LOG-14", kind="ilr")
    staff = app.test_client()
    sign_in(staff, world.staff["store_manager"])
    assert staff.post(f"/stock/equipment/{other.id}/tokens").status_code == 403
    assert staff.get(f"/stock/equipment/{other.id}").status_code == 403


def test_bad_input_with_a_token_is_4xx_and_records_nothing(app, client, stock, world, db):
    from cowin_kit.stock.models import Excursion

    nat = world.staff["national_admin"]
    ilr = coldchain.add_equipment(nat, stock["FA"], code="LOG-15", kind="ilr")
    token = _make_token(app, world, ilr)
    bodies = [{"readings": []}, {"readings": "x"}, ["x"], {"readings": [1]}, {},
              {"readings": [{"equipment": "LOG-15", "time": "yesterday", "celsius": 20}]},
              {"readings": [{"equipment": "LOG-15", "time": _iso(utcnow()), "celsius": "hot"}]},
              {"readings": [{"equipment": ["LOG-15"], "time": 5, "celsius": None}]},
              {"readings": [{"equipment": "LOG-15", "time": _iso(utcnow()), "celsius": 1e308}]}]
    for body in bodies:
        response = client.post(API, headers=_bearer(token), json=body)
        assert 400 <= response.status_code < 500, (body, response.status_code)
    response = client.post(API, headers={**_bearer(token), "Content-Type": "application/json"},
                           data=b"\xff{not json")
    assert 400 <= response.status_code < 500
    # A label too long is refused on the page, nothing made.
    staff = app.test_client()
    sign_in(staff, world.staff["store_manager"])
    response = staff.post(f"/stock/equipment/{ilr.id}/tokens", data={"label": "x" * 81})
    assert response.status_code == 422
    assert db.session.scalar(sa.text("SELECT count(*) FROM stock_logger_token")) == 1
    assert db.session.scalar(sa.select(sa.func.count(Excursion.id))) == 0


def test_token_attempts_are_rate_limited(make_app):
    """Every Bearer attempt counts against the client's RATE_LIMIT_LOGGERS."""
    app = make_app(RATE_LIMIT_LOGGERS="3 per minute")
    client = app.test_client()
    statuses = [client.post(API, headers=_bearer("ckl_nope"), json={"readings": []}).status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
