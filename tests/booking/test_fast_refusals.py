"""Attempts for a session known full are refused before Flask (booking.refusals), with the app's
own answer byte for byte; anything the app would answer otherwise still goes through it."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from flask import request_started

from cowin_kit.booking.models import Appointment

URL = "/api/kit/v1/appointments"


@pytest.fixture
def full(flagging_app, db, make_session, make_beneficiary):
    """A session of one dose, booked, and flagged full by a second attempt; people with tokens
    (0 booked, 1 refused by the database path, the others not tried yet)."""
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token

    session = make_session(capacities={"1": 1})
    people = [make_beneficiary() for _ in range(6)]
    with flagging_app.app_context():
        tokens = [issue_token(db.session.get(CitizenAccount, p.account_id)) for p in people]
    client = flagging_app.test_client()

    class Full:
        def attempt(self, n, *, token=None, headers=None, base_url=None, query_string=None,
                    **body):
            sent = {"reference_id": people[n].reference_id, "session_id": str(session.id),
                    "slot": session.slots[0], **body}
            extra = {"base_url": base_url} if base_url else {}
            if query_string:
                extra["query_string"] = query_string
            return client.post(URL, json={k: v for k, v in sent.items() if v is not None},
                               headers={"Authorization": f"Bearer {token or tokens[n]}",
                                        **(headers or {})}, **extra)

    found = Full()
    found.session, found.people, found.tokens = session, people, tokens
    found.app, found.client = flagging_app, client
    assert found.attempt(0).status_code == 201
    found.first_refusal = found.attempt(1)  # the database path: it flags the session
    assert found.first_refusal.status_code == 409
    return found


@contextmanager
def requests_in_flask(app):
    """How many requests reach Flask meanwhile."""
    seen: list = []
    with request_started.connected_to(lambda sender, **kw: seen.append(1), app):
        yield seen


def _answer(response):
    return (response.status, [(k, v) for k, v in response.headers if k != "X-Request-ID"],
            response.get_data())


@pytest.mark.parametrize("headers, base_url", [
    ({}, None), ({"Accept-Language": "hi"}, None), ({"Accept-Language": "ar;q=0.9"}, None),
    ({}, "https://localhost")])
def test_a_refusal_before_the_app_is_the_apps_own_answer_byte_for_byte(full, headers,
                                                                       base_url):
    with requests_in_flask(full.app) as entered:
        through_app = full.attempt(2, headers=headers, base_url=base_url)
    assert through_app.status_code == 409 and entered == [1]
    with requests_in_flask(full.app) as entered:
        before_app = [full.attempt(n, headers=headers, base_url=base_url) for n in (3, 4)]
    assert entered == []  # answered without Flask
    assert _answer(before_app[0]) == _answer(through_app) == _answer(before_app[1])
    assert before_app[0].get_json()["error"]["code"] == "SESSION_FULL"
    assert "Content-Security-Policy" in before_app[0].headers
    assert ("Strict-Transport-Security" in before_app[0].headers) == bool(base_url)
    if not headers and not base_url:  # the database path's refusal is the same answer
        assert _answer(full.first_refusal) == _answer(before_app[0])


def test_a_fast_refusal_reads_no_database(full, db):
    import sqlalchemy as sa

    full.attempt(2)  # learns the answer
    seen: list = []
    record = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        assert full.attempt(3).status_code == 409
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    assert seen == []


def test_an_unauthorised_attempt_is_still_401(full, db):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token

    full.attempt(2)
    assert full.attempt(3).status_code == 409  # the answer is known
    with full.app.app_context():
        account = db.session.get(CitizenAccount, full.people[4].account_id)
        expired = issue_token(account, now=dt.datetime.now(dt.timezone.utc)
                              - dt.timedelta(days=3))
    forged = full.tokens[4][:-4] + ("AAAA" if not full.tokens[4].endswith("AAAA") else "BBBB")
    for token in (forged, expired, "not-a-token"):
        refused = full.attempt(4, token=token)
        assert refused.status_code == 401, token
        assert refused.get_json()["error"]["code"] == "UNAUTHENTICATED"
    client = full.app.test_client()
    anonymous = client.post(URL, json={"reference_id": full.people[4].reference_id,
                                       "session_id": str(full.session.id),
                                       "slot": full.session.slots[0]})
    assert anonymous.status_code == 401


def test_a_session_that_reopens_is_bookable_at_once(full, db):
    from cowin_kit.booking import changes

    full.attempt(2)
    with requests_in_flask(full.app) as entered:
        assert full.attempt(3).status_code == 409
    assert entered == []
    with full.app.app_context():
        booked = db.session.query(Appointment).filter_by(
            beneficiary_id=full.people[0].id, status="booked").one()
        changes.cancel(booked)
    assert full.attempt(3).status_code == 201
    assert full.attempt(4).status_code == 409


@pytest.mark.parametrize("change", [
    {"headers": {"Idempotency-Key": "k-1"}},  # a retry may have taken the last dose
    {"headers": {"Accept-Language": "hi"}, "query_string": "lang=ar"},
    {"cookie": "x"},
    {"dose": "1"},  # left to the schema (marshmallow turns it into 1)
])
def test_other_attempts_go_through_the_app(full, change):
    full.attempt(2)
    if "cookie" in change:
        full.client.set_cookie("session", change.pop("cookie"))
    with requests_in_flask(full.app) as entered:
        refused = full.attempt(3, **change)
    assert entered == [1]
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "SESSION_FULL"


@pytest.mark.parametrize("change", [
    {"slot": None}, {"extra": "x"}, {"slot": "x" * 33}, {"dose": 0}, {"dose": True},
    {"reference_id": "1\u0000"}, {"session_id": 5}])
def test_a_request_the_app_would_refuse_otherwise_is_refused_as_before(full, change):
    """A body the schema or the input check refuses is 400/422 as without the flag."""
    full.attempt(2)
    assert full.attempt(3).status_code == 409
    with requests_in_flask(full.app) as entered:
        refused = full.attempt(4, **change)
    assert entered == [1]
    assert refused.status_code in (400, 422)


def test_the_cheap_token_look_is_never_looser_than_the_full_check(app, db):
    """``signature_holds`` (one HMAC, no PyJWT) passes the kit's own tokens, signed with the
    current or a fallback key, and nothing that ``_claims`` (PyJWT) would refuse."""
    import jwt

    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import _claims, issue_token, signature_holds
    from cowin_kit.core.keys import purpose_key

    account = CitizenAccount(mobile="+919000000001")
    db.session.add(account)
    db.session.commit()
    good = issue_token(account)
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    key = purpose_key("citizen-jwt")
    claims = {"sub": str(account.id), "jti": "j", "iat": now, "nbf": now, "exp": now + 600}

    def signed(headers=None, signing_key=key, algorithm="HS256", **changes):
        body = {k: v for k, v in {**claims, **changes}.items() if v is not None}
        return jwt.encode(body, signing_key, algorithm=algorithm, headers=headers)

    refused = [
        good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),  # forged signature
        good + "=", good + "A", good.replace(".", "!", 1), good + ".x", "", "a.b.c",
        signed(exp=now - 3600), signed(nbf=now + 3600), signed(iat=now + 3600),
        signed(exp=str(now + 600)), signed(exp=None), signed(sub=None), signed(jti=None),
        signed(sub=5), signed(jti=7), signed(aud="other"),
        signed(signing_key=b"another key of thirty-two bytes!"),
        signed(headers={"kid": "1"}), signed(algorithm="HS384", signing_key=key * 2),
        jwt.encode(claims, None, algorithm="none"),
    ]
    for token in refused:
        assert not signature_holds(token), token
    assert signature_holds(good) and signature_holds(signed())
    # Whatever it passes, the full check passes too (PyJWT may pass more: padding, kid).
    for token in (*refused, good, signed()):
        if signature_holds(token):
            _claims(token)
    with app.test_request_context():
        app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
        app.config["SECRET_KEY"] = "a rotated secret key"
        assert signature_holds(good)  # signed before the rotation
