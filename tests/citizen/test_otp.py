"""Mobile OTP sign-in: hashing, expiry, tries, resend cool-down, daily cap, tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
import sqlalchemy as sa

from cowin_kit.accounts import otp as otp_ops
from cowin_kit.accounts.models import CitizenAccount, OtpTransaction
from cowin_kit.core.db import utcnow
from cowin_kit.core.errors import KitError, Unauthorized
from tests.citizen.helpers import MOBILE, MOBILE_E164, last_otp


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_otp_is_sent_by_sms_and_stored_only_as_a_keyed_hash(db):
    txn = otp_ops.request_otp("+91 98765-43210", "en_IN")
    assert txn.mobile == MOBILE_E164
    otp = last_otp()
    assert len(otp) == 6 and otp.isdigit()
    stored = db.session.get(OtpTransaction, txn.id)
    sha = hashlib.sha256(otp.encode()).hexdigest()
    assert stored.otp_hash not in (otp, sha)
    assert otp not in stored.otp_hash
    assert stored.expires_at - stored.created_at == dt.timedelta(seconds=180)


def test_plain_otp_signs_in_and_creates_the_account_once(db):
    txn = otp_ops.request_otp(MOBILE, "hi_IN")
    account, created = otp_ops.confirm_otp(str(txn.id), last_otp(), locale="hi_IN")
    assert created and account.mobile == MOBILE_E164 and account.locale == "hi_IN"
    later = utcnow() + dt.timedelta(seconds=60)
    txn2 = otp_ops.request_otp(MOBILE, "en_IN", now=later)
    again, created_again = otp_ops.confirm_otp(txn2.id, last_otp(), now=later)
    assert again.id == account.id and not created_again
    assert _count(db, CitizenAccount) == 1


def test_sha256_of_the_otp_is_accepted_like_cowin_clients_send_it(db):
    txn = otp_ops.request_otp(MOBILE, "en_IN")
    sha = hashlib.sha256(last_otp().encode()).hexdigest().upper()
    account, created = otp_ops.confirm_otp(txn.id, sha)
    assert created and account.mobile == MOBILE_E164


def test_expired_otp_is_refused(db):
    """Refused once past its expiry plus the allowed clock skew between pods (30 s)."""
    txn = otp_ops.request_otp(MOBILE, "en_IN")
    with pytest.raises(KitError) as err:
        otp_ops.confirm_otp(txn.id, last_otp(), now=txn.expires_at + dt.timedelta(seconds=31))
    assert err.value.code == "OTP_EXPIRED"
    assert _count(db, CitizenAccount) == 0


def test_otp_checked_by_a_pod_whose_clock_runs_ahead_is_accepted(db):
    """Another pod's clock 10 s ahead of the one that sent the OTP: still within its validity."""
    txn = otp_ops.request_otp(MOBILE, "en_IN")
    account, _created = otp_ops.confirm_otp(txn.id, last_otp(),
                                            now=txn.expires_at + dt.timedelta(seconds=10))
    assert account.mobile == MOBILE_E164


def test_otp_clock_skew_is_configurable(make_app):
    app = make_app(CLOCK_SKEW_SECONDS=0)
    with app.app_context():
        txn = otp_ops.request_otp(MOBILE, "en_IN")
        with pytest.raises(KitError) as err:
            otp_ops.confirm_otp(txn.id, last_otp(), now=txn.expires_at + dt.timedelta(seconds=1))
        assert err.value.code == "OTP_EXPIRED"


def test_three_wrong_tries_lock_the_transaction(db):
    txn = otp_ops.request_otp(MOBILE, "en_IN")
    right = last_otp()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    codes = []
    for _ in range(3):
        with pytest.raises(KitError) as err:
            otp_ops.confirm_otp(txn.id, wrong)
        codes.append((err.value.code, err.value.params.get("left")))
    assert codes == [("OTP_WRONG", 2), ("OTP_WRONG", 1), ("OTP_TOO_MANY_TRIES", None)]
    with pytest.raises(KitError) as err:
        otp_ops.confirm_otp(txn.id, right)  # even the right OTP is refused now
    assert err.value.code == "OTP_TOO_MANY_TRIES" and err.value.status == 429
    assert db.session.get(OtpTransaction, txn.id).tries == 3
    assert _count(db, CitizenAccount) == 0


def test_an_otp_works_only_once(db):
    txn = otp_ops.request_otp(MOBILE, "en_IN")
    otp = last_otp()
    otp_ops.confirm_otp(txn.id, otp)
    with pytest.raises(KitError) as err:
        otp_ops.confirm_otp(txn.id, otp)
    assert err.value.code == "OTP_EXPIRED"


def test_unknown_transaction_is_refused(db):
    for txn_id in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]:
        with pytest.raises(KitError) as err:
            otp_ops.confirm_otp(txn_id, "123456")
        assert err.value.code == "OTP_EXPIRED"


def test_resend_cool_down(db):
    now = utcnow()
    otp_ops.request_otp(MOBILE, "en_IN", now=now)
    with pytest.raises(KitError) as err:
        otp_ops.request_otp(MOBILE, "en_IN", now=now + dt.timedelta(seconds=10))
    assert err.value.code == "OTP_RESEND_TOO_SOON" and err.value.status == 429
    assert err.value.params["seconds"] == 21
    assert _count(db, OtpTransaction) == 1
    otp_ops.request_otp(MOBILE, "en_IN", now=now + dt.timedelta(seconds=31))
    assert _count(db, OtpTransaction) == 2


def test_daily_cap_is_counted_in_the_database(make_app):
    app = make_app(OTP_DAILY_CAP=3)
    with app.app_context():
        from cowin_kit.core.db import db

        start = utcnow()
        for i in range(3):
            otp_ops.request_otp(MOBILE, "en_IN", now=start + dt.timedelta(minutes=i))
        with pytest.raises(KitError) as err:
            otp_ops.request_otp(MOBILE, "en_IN", now=start + dt.timedelta(minutes=5))
        assert err.value.code == "OTP_DAILY_LIMIT"
        assert _count(db, OtpTransaction) == 3
        # Another mobile is not affected; the same one may ask again a day later.
        otp_ops.request_otp("9812345678", "en_IN", now=start + dt.timedelta(minutes=5))
        otp_ops.request_otp(MOBILE, "en_IN", now=start + dt.timedelta(hours=24, seconds=1))


def test_invalid_mobile_changes_nothing(db):
    for raw in ["12345", "0123456789", "abcdefghij", "+14155550123", "", "1234567890"]:
        with pytest.raises(KitError) as err:
            otp_ops.request_otp(raw, "en_IN")
        assert err.value.code == "INVALID_MOBILE" and err.value.status == 422, raw
    assert _count(db, OtpTransaction) == 0


def test_token_round_trip_expiry_and_tampering(db, account):
    from cowin_kit.accounts.tokens import issue_token, verify_token

    token = issue_token(account, txn="t-1")
    assert verify_token(token).id == account.id
    # Expired one second beyond the clock-skew leeway (JWT_TTL_SECONDS 900 + 30 s).
    old = issue_token(account, now=utcnow() - dt.timedelta(seconds=900 + 30 + 1))
    with pytest.raises(Unauthorized):
        verify_token(old)
    head, body, signature = token.split(".")
    with pytest.raises(Unauthorized):
        # The first character: all six of its bits are signature bits (the last one's are not).
        verify_token(f"{head}.{body}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}")
    with pytest.raises(Unauthorized):
        verify_token("not-a-jwt")


@pytest.mark.postgres
def test_parallel_guesses_never_exceed_the_tries(make_app):
    app = make_app()
    with app.app_context():
        txn = otp_ops.request_otp(MOBILE, "en_IN")
        right = last_otp()
        txn_id = txn.id
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    outcomes, barrier = [], threading.Barrier(12)

    def guess():
        with app.app_context():
            barrier.wait()
            try:
                otp_ops.confirm_otp(txn_id, wrong)
            except KitError as exc:
                outcomes.append(exc.code)
            finally:
                from cowin_kit.core.db import db

                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 12
    assert outcomes.count("OTP_WRONG") == 2  # tries 1 and 2; try 3 and the rest lock
    with app.app_context():
        from cowin_kit.core.db import db

        assert db.session.get(OtpTransaction, txn_id).tries == 3


@pytest.mark.postgres
def test_first_sign_in_raced_from_two_devices_creates_one_account(make_app):
    app = make_app()
    pairs = []
    with app.app_context():
        start = utcnow() - dt.timedelta(seconds=100)
        for i in range(2):  # two OTPs for one mobile, sent 40 s apart (past the cool-down)
            txn = otp_ops.request_otp(MOBILE, "en_IN", now=start + dt.timedelta(seconds=40 * i))
            pairs.append((txn.id, last_otp()))
    results, barrier = [], threading.Barrier(2)

    def confirm(txn_id, otp):
        with app.app_context():
            barrier.wait()
            try:
                account, created = otp_ops.confirm_otp(txn_id, otp)
                results.append((account.id, created))
            finally:
                from cowin_kit.core.db import db

                db.session.remove()

    threads = [threading.Thread(target=confirm, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0][0] == results[1][0]
    assert sorted(created for _id, created in results) == [False, True]
    with app.app_context():
        from cowin_kit.core.db import db

        assert _count(db, CitizenAccount) == 1
