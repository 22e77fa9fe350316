"""Rows and sessions shared by the staff-side tests (operations, certificates): areas, staff
users with a password hashed once per run, people, and a signed-in staff session."""

from __future__ import annotations

import contextlib
import functools
import secrets

PASSWORD = "correct-horse-battery"


@functools.cache
def password_hash() -> str:
    from cowin_kit.accounts.staff_auth import hash_password

    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test run


def make_area(db, code, parent=None, level=1):
    from cowin_kit.areas.models import Area

    area = Area(code=code, parent_id=parent.id if parent else None, level=level,
                level_key="state" if level == 1 else "district", name=code, names={}, path="")
    db.session.add(area)
    db.session.flush()
    area.path = (parent.path if parent else "/") + f"{area.id}/"
    return area


def make_staff(db, role, username, *, area=None, facility=None):
    from cowin_kit.accounts.models import StaffUser

    user = StaffUser(username=username, full_name=username, password_hash=password_hash(),
                     role=role, area_id=area.id if area else None,
                     facility_id=facility.id if facility else None)
    db.session.add(user)
    db.session.flush()
    return user


def _server_session(**subject) -> str:
    """Start a server-side session (committed) and return its id, as a sign-in does."""
    import datetime as dt

    from cowin_kit.accounts.sessions import start_session
    from cowin_kit.core.db import db

    row = start_session(kind="web", lifetime=dt.timedelta(hours=1), **subject)
    db.session.commit()
    return row.id


def sign_in(client, user) -> None:
    """Put a staff session in the test client's cookie (no slow password check)."""
    from cowin_kit.accounts.staff_auth import SESSION_KEY

    session_id = _server_session(staff_user_id=user.id)
    with client.session_transaction() as sess:
        sess.clear()
        sess[SESSION_KEY] = session_id


def citizen_sign_in(client, account) -> None:
    """Sign a citizen in on a test client (what the OTP flow ends with)."""
    from cowin_kit.accounts.citizen import SESSION_KEY

    session_id = _server_session(citizen_account_id=account.id)
    with client.session_transaction() as sess:
        sess[SESSION_KEY] = session_id


def make_person(db, *, birth_year=1980, name="Asha Devi", account=None, locale=None):
    """Add a beneficiary row directly (identity number hashes are random here)."""
    from cowin_kit.registration.models import Beneficiary

    person = Beneficiary(reference_id=str(10 ** 13 + secrets.randbelow(9 * 10 ** 13)),
                         account_id=account.id if account else None, name=name,
                         birth_year=birth_year, gender="F", id_doc_type="aadhaar",
                         id_hash=secrets.token_hex(32), id_masked="XXXX XXXX 1234", groups=[],
                         locale=locale)
    db.session.add(person)
    db.session.flush()
    return person


@contextlib.contextmanager
def national_admin_client(make_app, db, profile: str, language: str | None = None):
    """Inside an app on ``profile`` with its areas imported: a test client signed in as a
    national administrator (in ``language`` when given, as the language switcher does)."""
    from cowin_kit.areas.operations import import_areas
    from cowin_kit.profiles import get_profile

    app = make_app(PROFILE=profile, WTF_CSRF_ENABLED=False)
    with app.app_context():
        import_areas(get_profile())
        admin = make_staff(db, "national_admin", f"nat-{profile}")
        db.session.commit()
        client = app.test_client()
        if language:
            client.get(f"/language/{language}")
        sign_in(client, admin)
        yield client
