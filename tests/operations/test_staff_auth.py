"""Staff sign-in: argon2 hashes, lockout after 5 failures for 15 minutes, `user create`,
first admin at `init`, demo logins."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cowin_kit.accounts.models import StaffUser
from cowin_kit.core.models import AuditEntry
from tests.operations.conftest import PASSWORD


def _login(client, username, password):
    return client.post("/staff/login", data={"username": username, "password": password})


def test_login_logout(client, world):
    response = _login(client, "vac", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/desk/").status_code == 200
    client.post("/staff/logout")
    assert client.get("/desk/").status_code == 302


def test_passwords_are_argon2_hashes(world):
    assert world.staff["vaccinator"].password_hash.startswith("$argon2id$")


def test_lockout_after_five_failures(client, db, world):
    from cowin_kit.accounts.models import StaffLoginThrottle

    for attempt in range(4):
        assert _login(client, "vac", "wrong").status_code == 401
    locked = _login(client, "vac", "wrong")
    assert locked.status_code == 423
    # Locked: even the right password is refused, with the same answer.
    assert _login(client, "vac", PASSWORD).status_code == 423
    throttle = db.session.execute(sa.select(StaffLoginThrottle).where(
        StaffLoginThrottle.staff_user_id == world.staff["vaccinator"].id)).scalar_one()
    assert throttle.locked_until - dt.datetime.now(dt.timezone.utc) > dt.timedelta(minutes=14)
    denied = db.session.scalars(sa.select(AuditEntry.details).where(
        AuditEntry.action == "staff.login", AuditEntry.outcome == "denied")).all()
    assert [d["reason"] for d in denied] == ["password"] * 4 + ["locked-now", "locked"]
    # Fifteen minutes later the right password works again.
    throttle.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    db.session.commit()
    assert _login(client, "vac", PASSWORD).status_code == 302


def test_unknown_user_and_deactivated_user_are_refused(client, db, world):
    assert _login(client, "nobody", PASSWORD).status_code == 401
    user = world.staff["auditor"]
    user.active = False
    db.session.commit()
    assert _login(client, "aud", PASSWORD).status_code == 401


def test_open_redirect_is_refused_after_login(client, world):
    response = client.post("/staff/login?next=https://evil.example/", data={
        "username": "nat", "password": PASSWORD})
    assert response.headers["Location"].endswith("/staff/")


def test_api_sign_in(client, world):
    headers = {"X-Requested-With": "XMLHttpRequest"}
    assert client.post("/api/kit/v1/staff/session", json={
        "username": "aa", "password": PASSWORD}).status_code == 401  # header missing
    response = client.post("/api/kit/v1/staff/session", headers=headers,
                           json={"username": "aa", "password": PASSWORD})
    assert response.status_code == 200 and response.get_json()["role"] == "area_admin"
    assert client.get("/api/kit/v1/staff/me").get_json()["username"] == "aa"


def test_user_create_command(make_app, world, runner, monkeypatch, app):
    from cowin_kit.cli import cli

    fb_id = world.facilities["FB"].id
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "test-secret-key")
    result = runner.invoke(cli, ["user", "create", "--role", "vaccinator", "--facility", "FB",
                                 "--username", "nurse.b", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["user", "create", "--role", "area_admin", "--username", "x1",
                                 "--password", "long-enough-pw"])
    assert result.exit_code != 0 and "needs an area" in result.output
    result = runner.invoke(cli, ["user", "create", "--role", "vaccinator", "--facility", "FB",
                                 "--username", "nurse.b", "--password", "long-enough-pw"])
    assert result.exit_code != 0 and "taken" in result.output
    from cowin_kit.core.db import db

    db.session.remove()
    user = db.session.execute(sa.select(StaffUser).where(StaffUser.username == "nurse.b")).scalar_one()
    assert user.facility_id == fb_id and user.role == "vaccinator"


def test_first_national_admin_at_init(app, db):
    from cowin_kit.profiles import get_profile
    from cowin_kit.vaccination.bootstrap import init_instance

    lines = []
    init_instance(app, get_profile(), lines.append,
                  {"admin_username": "chief", "admin_password": "a-strong-password"})
    init_instance(app, get_profile(), lines.append,
                  {"admin_username": "chief2", "admin_password": "a-strong-password"})
    users = db.session.execute(sa.select(StaffUser.username, StaffUser.role)).all()
    assert users == [("chief", "national_admin")]


def test_demo_seed_creates_one_login_per_role(app, db, world):
    from cowin_kit.profiles import get_profile
    from cowin_kit.vaccination.demo import seed

    lines = []
    seed(app, get_profile(), lines.append)
    seed(app, get_profile(), lines.append)  # idempotent
    text = "\n".join(lines)
    assert "vaccinator / demo-vaccinator" in text
    roles = dict(db.session.execute(sa.select(StaffUser.username, StaffUser.role)
                                    .where(StaffUser.username.in_(
                                        ["admin", "area-admin", "manager", "vaccinator", "auditor"]))).all())
    assert sorted(roles.values()) == sorted(["national_admin", "area_admin", "facility_manager",
                                             "vaccinator", "auditor"])


def test_area_admin_manages_staff_in_reach_only(client, db, world):
    from tests.operations.conftest import make_staff, sign_in

    outsider = make_staff(db, "vaccinator", "vac-b", facility=world.facilities["FB"])
    db.session.commit()
    sign_in(client, world.staff["area_admin"])
    html = client.get("/staff/users").get_data(as_text=True)
    assert "<td>vac</td>" in html and "<td>vac-b</td>" not in html and "<td>nat</td>" not in html
    new = {"role": "vaccinator", "username": "nurse-a", "password": "long-enough-pw"}
    assert client.post("/staff/users", data={**new, "facility_code": "FA"}).status_code == 302
    assert client.post("/staff/users", data={**new, "username": "nurse-b",
                                             "facility_code": "FB"}).status_code == 403
    assert client.post("/staff/users", data={"role": "national_admin", "username": "boss",
                                             "password": "long-enough-pw"}).status_code == 403
    assert client.post(f"/staff/users/{outsider.id}/status",
                       data={"action": "deactivate"}).status_code == 403
    assert client.post(f"/staff/users/{world.staff['national_admin'].id}/status",
                       data={"action": "deactivate"}).status_code == 403
    # Deactivating a colleague ends their session at once.
    vaccinator_client = client.application.test_client()
    sign_in(vaccinator_client, world.staff["vaccinator"])
    assert vaccinator_client.get("/desk/").status_code == 200
    assert client.post(f"/staff/users/{world.staff['vaccinator'].id}/status",
                       data={"action": "deactivate"}).status_code == 302
    assert vaccinator_client.get("/desk/").status_code == 302
    names = set(db.session.scalars(sa.select(StaffUser.username)))
    assert "nurse-a" in names and "nurse-b" not in names and "boss" not in names


def test_idle_staff_session_ends(client, world):
    import time

    from cowin_kit.accounts.staff_auth import SESSION_KEY, SESSION_SEEN
    from tests.operations.conftest import sign_in

    sign_in(client, world.staff["vaccinator"])
    assert client.get("/desk/").status_code == 200
    with client.session_transaction() as sess:
        sess[SESSION_SEEN] = int(time.time()) - 121 * 60
    assert client.get("/desk/").status_code == 302
    with client.session_transaction() as sess:
        assert SESSION_KEY not in sess


def test_change_own_password_keeps_this_session_and_ends_others(client, db, world):
    from tests.operations.conftest import sign_in

    other_device = client.application.test_client()
    sign_in(other_device, world.staff["vaccinator"])
    assert _login(client, "vac", PASSWORD).status_code == 302
    short = client.post("/staff/password", data={"current": PASSWORD, "new": "short"})
    wrong = client.post("/staff/password", data={"current": "nope", "new": "a-new-password-1"})
    assert short.status_code == wrong.status_code == 422
    done = client.post("/staff/password", data={"current": PASSWORD, "new": "a-new-password-1"})
    assert done.status_code == 302
    assert client.get("/desk/").status_code == 200
    assert other_device.get("/desk/").status_code == 302
    client.post("/staff/logout")
    assert _login(client, "vac", PASSWORD).status_code == 401
    assert _login(client, "vac", "a-new-password-1").status_code == 302


def test_init_refuses_a_weak_or_missing_admin_password(app, db):
    import click
    import pytest

    from cowin_kit.profiles import get_profile
    from cowin_kit.vaccination.bootstrap import init_instance

    for password in (None, "short"):
        with pytest.raises(click.UsageError):
            init_instance(app, get_profile(), print, {"admin_username": "chief",
                                                      "admin_password": password})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


# --- Sign-in under attack (issue #13) ------------------------------------------------------------

def _client_at(app, address):
    """A test client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _count_password_checks(monkeypatch) -> list:
    """Record every argon2 verification the sign-in runs (thread-safe: list.append)."""
    from cowin_kit.accounts import staff_auth

    checks: list = []
    real = staff_auth.verify_password

    def counting(password_hash, password):
        checks.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(staff_auth, "verify_password", counting)
    return checks


def test_an_attacker_elsewhere_does_not_lock_the_owner_out(app, world):
    attacker, owner = _client_at(app, "203.0.113.9"), _client_at(app, "198.51.100.7")
    for _ in range(4):
        assert _login(attacker, "vac", "wrong").status_code == 401
    assert _login(attacker, "vac", "wrong").status_code == 423
    assert _login(attacker, "vac", PASSWORD).status_code == 423  # locked for that address
    assert _login(owner, "vac", PASSWORD).status_code == 302  # the owner, elsewhere, signs in


def test_account_wide_ceiling_with_backoff_spares_the_owners_address(app, db, world):
    app.config["STAFF_MAX_FAILED_LOGINS_TOTAL"] = 6
    user_id = world.staff["vaccinator"].id
    assert _login(_client_at(app, "198.51.100.7"), "vac", PASSWORD).status_code == 302
    # A botnet: two guesses from each of three addresses reach the account-wide ceiling.
    answers = [_login(_client_at(app, f"203.0.113.{n}"), "vac", "wrong").status_code
               for n in (1, 1, 2, 2, 3, 3)]
    assert answers == [401] * 5 + [423]
    # A new address is refused even with the right password; the owner's usual one is not.
    assert _login(_client_at(app, "192.0.2.50"), "vac", PASSWORD).status_code == 423
    assert _login(_client_at(app, "198.51.100.7"), "vac", PASSWORD).status_code == 302
    user = db.session.get(StaffUser, user_id)
    first_lock = user.locked_until - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=14) < first_lock <= dt.timedelta(minutes=15)
    # When the lock has run out, the next ceiling locks twice as long (exponential back-off).
    user.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    db.session.commit()
    answers = [_login(_client_at(app, f"203.0.113.{n}"), "vac", "wrong").status_code
               for n in (4, 4, 5, 5, 6, 6)]
    assert answers == [401] * 5 + [423]
    db.session.expire_all()
    second_lock = db.session.get(StaffUser, user_id).locked_until - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=29) < second_lock <= dt.timedelta(minutes=30)


def test_lock_per_address_doubles_each_time(app, db, world):
    from cowin_kit.accounts.models import StaffLoginThrottle

    attacker = _client_at(app, "203.0.113.9")
    for round_minutes in (15, 30, 60):
        answers = [_login(attacker, "vac", "wrong").status_code for _ in range(5)]
        assert answers == [401] * 4 + [423]
        throttle = db.session.execute(sa.select(StaffLoginThrottle)).scalar_one()
        left = throttle.locked_until - dt.datetime.now(dt.timezone.utc)
        assert dt.timedelta(minutes=round_minutes - 1) < left <= dt.timedelta(minutes=round_minutes)
        throttle.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        db.session.commit()


def test_unknown_usernames_are_limited_per_address_before_any_hashing(app, world, monkeypatch):
    app.config["STAFF_LOGIN_UNKNOWN_RATE_LIMIT_PER_IP"] = "4 per 10 minutes"
    checks = _count_password_checks(monkeypatch)
    prober = _client_at(app, "203.0.113.9")
    answers = [_login(prober, f"nobody{n}", "guess").status_code for n in range(12)]
    assert answers == [401] * 4 + [429] * 8
    assert len(checks) == 4  # the refused ones cost no argon2 time
    refused = _login(prober, "nobody", "guess")
    assert refused.headers["Retry-After"].isdigit()
    # Another address is not affected, and still takes as long as for a real user.
    assert _login(_client_at(app, "198.51.100.7"), "nobody", "guess").status_code == 401
    assert len(checks) == 5


def test_every_attempt_is_limited_per_address_before_any_hashing(app, db, world, monkeypatch):
    from tests.operations.conftest import make_staff

    app.config["STAFF_LOGIN_RATE_LIMIT_PER_IP"] = "6 per minute"
    names = [make_staff(db, "vaccinator", f"nurse{n}", facility=world.facilities["FA"]).username
             for n in range(5)]
    db.session.commit()
    checks = _count_password_checks(monkeypatch)
    sprayer = _client_at(app, "203.0.113.9")
    # Password spraying: two guesses on each of many known accounts, from one address.
    answers = [_login(sprayer, name, guess).status_code for name in names for guess in "ab"]
    assert answers == [401] * 6 + [429] * 4
    assert len(checks) == 6


def test_a_sign_in_forgets_long_quiet_addresses_only(app, db, world):
    from cowin_kit.accounts.models import StaffLoginThrottle

    now = dt.datetime.now(dt.timezone.utc)
    user_id = world.staff["vaccinator"].id
    rows = {"old": now - dt.timedelta(days=40), "recent": now - dt.timedelta(days=2)}
    for key, when in rows.items():
        db.session.add(StaffLoginThrottle(staff_user_id=user_id, address_key=key, failed_logins=2,
                                          lockouts=1, last_attempt_at=when))
    db.session.commit()
    assert _login(_client_at(app, "198.51.100.7"), "vac", PASSWORD).status_code == 302
    db.session.expire_all()
    keys = set(db.session.scalars(sa.select(StaffLoginThrottle.address_key)))
    assert "old" not in keys and "recent" in keys and len(keys) == 2


def _burst(app, attempts: list[str], workers: int, address: str) -> list[int]:
    """Send the attempts through ``workers`` threads taking them in order from one queue."""
    import queue
    import threading

    todo: queue.Queue = queue.Queue()
    for position, password in enumerate(attempts):
        todo.put((position, password))
    answers: list = [None] * len(attempts)
    start = threading.Barrier(workers)

    def work():
        client = _client_at(app, address)
        start.wait()
        while True:
            try:
                position, password = todo.get_nowait()
            except queue.Empty:
                return
            answers[position] = _login(client, "vac", password).status_code

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


@pytest.mark.postgres
def test_a_parallel_burst_gets_no_more_password_checks_than_allowed(app, db, world, monkeypatch):
    """80 guesses, 16 at a time, the right password 31st: 5 checks at most, and no sign-in.

    With 16 workers taking guesses in order, the 31st is taken only after 15 have finished;
    at most 5 of those can have been checked, so the others were refused: the lock is on."""
    app.config["STAFF_LOGIN_RATE_LIMIT_PER_IP"] = "1000 per minute"  # the lockout under test
    checks = _count_password_checks(monkeypatch)
    attempts = ["wrong"] * 80
    attempts[30] = PASSWORD
    answers = _burst(app, attempts, 16, "203.0.113.9")
    assert len(checks) <= 5
    assert answers[30] == 423 and 302 not in answers
    assert sorted(set(answers)) == [401, 423]
    # The owner, at another address, still signs in.
    assert _login(_client_at(app, "198.51.100.7"), "vac", PASSWORD).status_code == 302


@pytest.mark.postgres
def test_a_parallel_botnet_burst_is_bounded_by_the_account_ceiling(app, db, world, monkeypatch):
    """Guesses from 40 addresses at once: the account-wide ceiling holds under concurrency."""
    import threading

    app.config["STAFF_LOGIN_RATE_LIMIT_PER_IP"] = "1000 per minute"
    app.config["STAFF_MAX_FAILED_LOGINS_TOTAL"] = 8
    checks = _count_password_checks(monkeypatch)
    start = threading.Barrier(40)
    answers: list = []

    def guess(n):
        client = _client_at(app, f"203.0.113.{n}")
        start.wait()
        answers.append(_login(client, "vac", "wrong").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(checks) <= 8
    assert answers.count(401) + answers.count(423) == 40 and answers.count(401) <= 8


# --- Server-side sessions ------------------------------------------------------------------------

def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_copied_staff_cookie_stops_working_after_logout(app, client, world):
    assert _login(client, "vac", PASSWORD).status_code == 302
    copied = _session_cookie(client)
    assert _replay(app, copied).get("/desk/").status_code == 200
    client.post("/staff/logout")
    assert client.get("/desk/").status_code == 302
    assert _replay(app, copied).get("/desk/").status_code == 302


def test_a_copied_staff_cookie_stops_working_after_api_sign_out(app, client, world):
    headers = {"X-Requested-With": "XMLHttpRequest"}
    assert client.post("/api/kit/v1/staff/session", headers=headers,
                       json={"username": "vac", "password": PASSWORD}).status_code == 200
    copied = _session_cookie(client)
    assert client.delete("/api/kit/v1/staff/session", headers=headers).status_code == 204
    assert _replay(app, copied).get("/api/kit/v1/staff/me").status_code == 401


def test_the_staff_cookie_carries_no_password_hash_material(app, client, db, world):
    import json

    assert _login(client, "vac", PASSWORD).status_code == 302
    cookie = _session_cookie(client)
    content = json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie))
    password_hash = db.session.get(StaffUser, world.staff["vaccinator"].id).password_hash
    salt, digest = password_hash.split("$")[-2:]
    for secret in (salt, digest):
        pieces = {secret[i:i + 6] for i in range(len(secret) - 5)}
        assert not any(piece in content or piece in cookie for piece in pieces)
