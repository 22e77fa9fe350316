"""Staff sign-in: argon2 hashes, lockout after 5 failures for 15 minutes, `user create`,
first admin at `init`, demo logins."""

from __future__ import annotations

import datetime as dt

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
    for attempt in range(4):
        assert _login(client, "vac", "wrong").status_code == 401
    locked = _login(client, "vac", "wrong")
    assert locked.status_code == 423
    # Locked: even the right password is refused, with the same answer.
    assert _login(client, "vac", PASSWORD).status_code == 423
    user = db.session.get(StaffUser, world.staff["vaccinator"].id)
    db.session.refresh(user)
    assert user.locked_until - dt.datetime.now(dt.timezone.utc) > dt.timedelta(minutes=14)
    denied = db.session.scalars(sa.select(AuditEntry.details).where(
        AuditEntry.action == "staff.login", AuditEntry.outcome == "denied")).all()
    assert [d["reason"] for d in denied] == ["password"] * 4 + ["locked-now", "locked"]
    # Fifteen minutes later the right password works again.
    user.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
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

    from cowin_kit.accounts.staff_auth import SESSION_SEEN
    from tests.operations.conftest import sign_in

    sign_in(client, world.staff["vaccinator"])
    assert client.get("/desk/").status_code == 200
    with client.session_transaction() as sess:
        sess[SESSION_SEEN] = int(time.time()) - 121 * 60
    assert client.get("/desk/").status_code == 302
    with client.session_transaction() as sess:
        assert "staff_id" not in sess


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
