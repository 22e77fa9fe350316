"""Purpose keys and secret key rotation (cowin_kit.core.keys, docs/deploy.md "Secrets").

A rotation is two apps on the same database: the one before (SECRET_KEY=OLD) and the one after
(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD], IDENTITY_HASH_KEY=OLD). What the first signed the
second still accepts, identity numbers hash the same, and an app that forgot the fallbacks
refuses what was signed before (so the fallbacks, not luck, do it).
"""

from __future__ import annotations

import pytest
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from cowin_kit.accounts import otp as otp_ops
from cowin_kit.accounts import tokens
from cowin_kit.config import ConfigError
from cowin_kit.core import keys
from cowin_kit.core.errors import Unauthorized
from cowin_kit.profiles.identity import id_hash
from cowin_kit.registration.queries import document_hash, find_by_document
from tests.citizen.helpers import MOBILE, last_otp
from tests.factories import make_person

OLD = "old-secret-key-0123456789-0123456789-0123456789"
NEW = "new-secret-key-9876543210-9876543210-9876543210"
AADHAAR = "234123412346"


@pytest.fixture
def apps(make_app):
    """(before, after a rotation, after a rotation that forgot the fallbacks)."""
    return (make_app(SECRET_KEY=OLD),
            make_app(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD], IDENTITY_HASH_KEY=OLD),
            make_app(SECRET_KEY=NEW, IDENTITY_HASH_KEY=OLD))


def test_every_purpose_has_its_own_key_none_is_the_secret_key(make_app):
    app = make_app(SECRET_KEY=OLD)
    derived = [keys.purpose_key(p, app) for p in sorted(keys.ROTATING | keys.STABLE)]
    assert len(set(derived)) == len(derived) and OLD.encode() not in derived
    assert all(len(k) == 32 for k in derived)
    with pytest.raises(KeyError):
        keys.purpose_key("no-such-purpose", app)


def test_session_cookie_signed_before_a_rotation_is_still_read(apps):
    before, after, forgot = apps
    client = before.test_client()
    with client.session_transaction() as session:
        session["probe"] = "kept"
    cookie = client.get_cookie("session").value
    for app, expected in ((after, "kept"), (forgot, None)):
        other = app.test_client()
        other.set_cookie("session", cookie)
        with other.session_transaction() as session:
            assert session.get("probe") == expected
    # The rotated app signs new cookies with the new key only.
    other = after.test_client()
    with other.session_transaction() as session:
        session["probe"] = "new"
    fresh = other.get_cookie("session").value
    stale = before.test_client()
    stale.set_cookie("session", fresh)
    with stale.session_transaction() as session:
        assert "probe" not in session


def test_session_cookie_is_not_signed_with_the_raw_secret_key(make_app):
    """Flask's own signer with SECRET_KEY itself cannot read the kit's cookie: it is keyed with
    the session purpose key."""
    from flask.sessions import SecureCookieSessionInterface

    app = make_app(SECRET_KEY=OLD)
    client = app.test_client()
    with client.session_transaction() as session:
        session["probe"] = "x"
    plain = SecureCookieSessionInterface().get_signing_serializer(app)
    from itsdangerous import BadSignature

    with pytest.raises(BadSignature):
        plain.loads(client.get_cookie("session").value)


def test_form_csrf_token_from_before_a_rotation_is_accepted(apps):
    before, after, forgot = apps
    with before.test_request_context():
        from flask import session

        token = generate_csrf()
        raw = session["csrf_token"]
    with after.test_request_context():
        session["csrf_token"] = raw
        validate_csrf(token)  # no error
    with forgot.test_request_context():
        session["csrf_token"] = raw
        with pytest.raises(ValidationError):
            validate_csrf(token)


def test_citizen_token_issued_before_a_rotation_stays_valid(apps, db):
    before, after, forgot = apps
    with before.app_context():
        txn = otp_ops.request_otp(MOBILE, "en_IN")
        account, _ = otp_ops.confirm_otp(txn.id, last_otp())
        token = tokens.issue_token(account)
        account_id = account.id
    with after.app_context():
        assert tokens.verify_token(token).id == account_id
        new_token = tokens.issue_token(tokens.verify_token(token))
    with forgot.app_context(), pytest.raises(Unauthorized):
        tokens.verify_token(token)
    with before.app_context(), pytest.raises(Unauthorized):
        tokens.verify_token(new_token)  # new tokens are signed with the new key


def test_otp_sent_before_a_rotation_is_confirmed_after_it(apps, db):
    before, after, forgot = apps
    with before.app_context():
        first = otp_ops.request_otp(MOBILE, "en_IN")
        first_id, first_otp = first.id, last_otp()
    with forgot.app_context(), pytest.raises(Exception) as refused:
        otp_ops.confirm_otp(first_id, first_otp)
    assert getattr(refused.value, "code", "") == "OTP_WRONG"
    with after.app_context():
        account, _ = otp_ops.confirm_otp(first_id, first_otp)
        assert account.mobile.endswith(MOBILE[-10:])


def test_identity_hashes_do_not_change_when_the_secret_key_rotates(apps, db):
    before, after, _ = apps
    with before.app_context():
        old_hash = document_hash("aadhaar", AADHAAR)
        person = make_person(db)
        person.id_hash = old_hash
        db.session.commit()
        person_id = person.id
    # The hash existing databases hold: id_hash keyed with the secret key they ran with.
    assert old_hash == id_hash("aadhaar", AADHAAR, OLD)
    with after.app_context():
        assert document_hash("aadhaar", AADHAAR) == old_hash
        assert find_by_document("aadhaar", AADHAAR).id == person_id
        # Stored staff sign-in address hashes stay too; the session key does not.
        assert keys.purpose_key("staff-login-address") == keys.purpose_key(
            "staff-login-address", before)
        assert keys.purpose_key("session") != keys.purpose_key("session", before)


def test_a_rotation_without_the_identity_hash_key_is_refused(make_app):
    with pytest.raises(ConfigError, match="COWIN_KIT_IDENTITY_HASH_KEY is not"):
        make_app(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    with pytest.raises(ConfigError, match="lists the current COWIN_KIT_SECRET_KEY"):
        make_app(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[NEW], IDENTITY_HASH_KEY=OLD)


@pytest.mark.parametrize("value, expected", [
    (f"{OLD},{NEW}", [OLD, NEW]),
    (f" {OLD}\n{NEW} ", [OLD, NEW]),
    (f'["{OLD}", "{NEW}"]', [OLD, NEW]),
    ("", []),
])
def test_fallbacks_from_the_environment(make_app, monkeypatch, value, expected):
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY_FALLBACKS", value)
    monkeypatch.setenv("COWIN_KIT_IDENTITY_HASH_KEY", OLD)
    app = make_app(SECRET_KEY="third-key-000000000000000000000000000")
    assert app.config["SECRET_KEY_FALLBACKS"] == expected


def test_fallbacks_that_are_not_keys_are_refused(make_app, monkeypatch):
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY_FALLBACKS", "[1, 2")
    with pytest.raises(ConfigError, match="not a JSON list"):
        make_app()
    with pytest.raises(ConfigError, match="must be a list of keys"):
        make_app(SECRET_KEY_FALLBACKS=[1, 2])
