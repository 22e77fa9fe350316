"""The authorisation matrix: every route of the app x every kind of caller x in/out of scope.

Who may call each route is written down in ``tests/operations/route_matrix.py``; a route missing
from that table fails here with its name, so a new route cannot ship without a rule.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cowin_kit.accounts.staff_permissions import ROLES, staff_routes
from cowin_kit.core.models import AuditEntry
from tests.factories import PASSWORD
from tests.operations import route_matrix as matrix
from tests.operations.conftest import FAST_ARGON2, sign_in

#: URL arguments that name an object belonging to a place; routes using them must declare a scope.
SCOPED_ARGS = {"facility_id", "session_id", "appointment_id", "dose_id", "aefi_id", "user_id",
               "request_id", "store_id", "shipment_id", "equipment_id", "vial_id",
               "token_id"}
#: Desk look-ups reach anyone by exact identifier (walk-ins come from anywhere), always audited.
UNSCOPED_ARGS = {"reference_id", "lot_id"}  # a lot is national: its stock is filtered by reach
#: Arguments that choose a report or a file format, not an object.
CHOICE_ARGS = {"kind", "fmt"}


@pytest.fixture
def app(make_app):
    """The app as in production (CSRF on), with cheap password hashing and OTP resends."""
    app = make_app(OTP_RESEND_SECONDS=0, **FAST_ARGON2)
    with app.app_context():
        yield app


def test_every_route_has_a_rule_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(matrix.ROUTES))
    assert not missing, ("routes without a rule in tests/operations/route_matrix.py (say who may "
                         f"call them): {missing}")
    stale = sorted(set(matrix.ROUTES) - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"


def test_every_object_route_declares_a_scope(app):
    for rule, endpoint, _methods, spec in staff_routes(app):
        args = set(re.findall(r"<(?:\w+:)?(\w+)>", rule))
        assert args <= SCOPED_ARGS | UNSCOPED_ARGS | CHOICE_ARGS, \
            f"{endpoint}: teach the matrix about {args}"
        if args & SCOPED_ARGS:
            assert spec.scope is not None, f"{endpoint} names an object but declares no scope"


def test_policy_auditors_read_only_and_vaccinators_never_admin(app):
    for rule, endpoint, methods, spec in staff_routes(app):
        if "auditor" in spec.roles and spec.roles != ROLES:
            assert methods == ("GET",), endpoint
        if rule.startswith(("/admin/", "/api/kit/v1/staff/facilities", "/api/kit/v1/staff/sessions")):
            assert "vaccinator" not in spec.roles and "auditor" not in spec.roles, endpoint
        if "audit" in rule:
            assert set(spec.roles) == {"national_admin", "auditor"}, endpoint


#: The callers of the matrix: nobody, a citizen owning the in-scope objects, another citizen
#: (owning the out-of-scope ones), and one staff member per role reaching area A / facility FA.
OWNER, STRANGER = "citizen", "other citizen"
#: CoWIN v2 reports someone else's person or appointment as 400 "not found" (its own shape).
#: CoWIN's "not found" answers (USRAUT0024: "Beneficiary Not Registered" with this mobile).
COWIN_NOT_FOUND = {"USRRES0004", "APPOIN0031", "USRAUT0024"}


def _expected(access: matrix.Access, principal: str | None, variant: str, method: str) -> str:
    if access.kind == "public":
        return "allowed"
    if principal is None:
        return "unauthenticated"
    if principal in ROLES:
        if not access.roles:
            return "unauthenticated"  # a staff session is not a citizen's
        if principal not in access.roles:
            return "forbidden"
        reaches = variant == "in" or principal == matrix.NAT
        scoped = access.scoped is True or method in (access.scoped or ())
        return "allowed" if reaches or not scoped else "forbidden"
    if access.kind != "citizen":
        return "unauthenticated"  # a citizen session is not a staff member's
    return "not_found" if access.owns and principal == STRANGER else "allowed"


def _outcome(response) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (status in (302, 303) and ("/staff/login" in location
                                                   or "/signin" in location)):
        return "unauthenticated"
    if status == 403:
        return "forbidden"
    body = response.get_json(silent=True) if response.is_json else None
    if status == 404 or (status == 400 and isinstance(body, dict)
                         and body.get("errorCode") in COWIN_NOT_FOUND):
        return "not_found"
    return "error" if status >= 500 else "allowed"


def _count(db, *conditions) -> int:
    db.session.rollback()  # see what the request committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*conditions))


@pytest.fixture
def callers(app, db, world):
    """One signed-in test client per caller (through the real sign-in forms), the objects of
    each variant, and ensure certificate keys exist."""
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.profiles import get_profile

    ensure_keys(app, get_profile())
    anonymous = app.test_client()
    clients = {None: (anonymous, matrix.csrf_token(anonymous, "/signin"), None)}
    for role in ROLES:
        clients[role] = (*matrix.signed_in_staff(app, world.staff[role].username, PASSWORD), None)
    accounts, mobiles = {}, {}
    for principal, variant, mobile in ((OWNER, "in", "+919800000001"),
                                       (STRANGER, "out", "+919800000002")):
        clients[principal] = matrix.signed_in_citizen(app, mobile)
        accounts[variant] = db.session.scalar(sa.select(CitizenAccount).where(
            CitizenAccount.mobile == mobile))
        mobiles[principal] = mobile
    return clients, mobiles, matrix.build_objects(db, world, accounts)


def _call(app, callers, access, principal, method, url, values):
    """Make one request as ``principal`` the way the kit requires: CSRF token on form posts,
    ``X-Requested-With`` and the Bearer token (citizens) under /api/; return it and its text."""
    clients, mobiles, _objects = callers
    client, csrf, token = clients[principal]
    headers, kwargs = {}, {}
    if url.startswith("/api/"):
        headers["X-Requested-With"] = "XMLHttpRequest"
        if token and access.ends_token:  # the call revokes its token: spend a fresh one
            token = matrix.api_token(app, mobiles[principal])
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method not in ("GET", "DELETE"):
            kwargs["json"] = matrix.fill(access.body or {}, values)
    elif method != "GET":
        headers["X-CSRFToken"] = csrf
        kwargs["data"] = matrix.fill(access.body or {}, values)
    response = client.open(url, method=method, headers=headers, **kwargs)
    text = response.get_data().decode("utf-8", "replace")  # streams run to the end
    response.close()
    if principal is None and method != "GET":
        # Sign-outs clear the session and its CSRF secret: take a new token.
        clients[None] = (client, matrix.csrf_token(client, "/signin"), None)
    return response, text


def test_authorisation_matrix(app, db, callers):
    """Every route, every caller, in and out of scope: let in or refused as the table says.

    Refusals: 401 or a redirect to sign-in without a session of the right kind; 403 (and an
    audit entry) for staff without the role or the reach; 404 for another citizen's objects.
    Lists show in-scope rows only; look-ups and reads of personal data are audit-logged."""
    objects = callers[2]
    failures: list[str] = []
    calls = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        access = matrix.ROUTES[rule.endpoint]
        variants = (["in", "out"] if access.kind != "public"
                    and matrix.depends_on_variant(rule.rule, access) else ["in"])
        for variant in variants:
            values = objects[variant]
            url = matrix.build_url(rule.rule, access, values)
            # National admins last: what they may create does not hide others' refusals.
            principals = ([None] if access.kind == "public"
                          else [None, STRANGER, OWNER, *reversed(ROLES)])
            if variant == "out":  # citizens are asked about their own objects (in) only
                principals = [p for p in principals if p in ROLES]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for principal in principals:
                    expected = _expected(access, principal, variant, method)
                    audited = access.audited.get(method) if expected == "allowed" else None
                    logs_denial = expected == "forbidden"
                    denied_before = _count(db, AuditEntry.outcome == "denied") if logs_denial else 0
                    audited_before = _count(db, AuditEntry.action == audited) if audited else 0
                    response, text = _call(app, callers, access, principal, method, url, values)
                    calls += 1
                    outcome = _outcome(response)
                    where = f"{method} {url} as {principal or 'anonymous'} ({variant})"
                    if outcome != expected and not (expected == "allowed"
                                                    and response.status_code in access.also_ok):
                        failures.append(f"{where}: {response.status_code}, expected {expected}")
                        continue
                    if logs_denial and _count(db, AuditEntry.outcome == "denied") <= denied_before:
                        failures.append(f"{where}: refused without an audit entry")
                    if outcome != "allowed":
                        continue
                    if audited and _count(db, AuditEntry.action == audited) <= audited_before:
                        failures.append(f"{where}: no '{audited}' audit entry")
                    if access.lists and response.status_code < 300:
                        mine = objects["in"]["markers"][access.lists]
                        theirs = objects["out"]["markers"][access.lists]
                        if mine not in text:
                            failures.append(f"{where}: in-scope row {mine!r} missing")
                        if (theirs in text) != (principal == matrix.NAT):
                            failures.append(f"{where}: out-of-scope row {theirs!r} "
                                            f"{'shown' if theirs in text else 'missing'}")
    assert not failures, f"{len(failures)} of {calls} calls:\n" + "\n".join(failures[:60])
    assert calls > 700  # the walk really covered the app


def test_area_admin_neither_sees_nor_decides_corrections_outside_their_area(app, db, world):
    """Issue #13: an area admin of one state listed and approved certificate corrections for a
    person vaccinated in another. Now the list shows their area only, and deciding elsewhere is
    refused (403, logged) and changes nothing; the operation refuses it too."""
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.certificates import operations
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.certificates.models import Certificate, CorrectionRequest
    from cowin_kit.core.errors import Forbidden
    from cowin_kit.profiles import get_profile
    from cowin_kit.registration.models import Beneficiary

    ensure_keys(app, get_profile())
    accounts = {v: CitizenAccount(mobile=m) for v, m in (("in", "+919800000001"),
                                                          ("out", "+919800000002"))}
    db.session.add_all(accounts.values())
    db.session.flush()
    objects = matrix.build_objects(db, world, accounts)
    mine, elsewhere = objects["in"], objects["out"]
    client, csrf = matrix.signed_in_staff(app, world.staff["area_admin"].username, PASSWORD)
    xhr = {"X-Requested-With": "XMLHttpRequest"}

    page = client.get("/staff/certificates/corrections").get_data(as_text=True)
    assert "Corrected FA" in page and "Corrected FB" not in page
    listed = client.get("/api/kit/v1/certificates/corrections", headers=xhr).get_json()
    assert [row["id"] for row in listed] == [mine["request_id"]]

    denied = _count(db, AuditEntry.outcome == "denied")
    other = elsewhere["request_id"]
    assert client.post(f"/staff/certificates/corrections/{other}", headers={"X-CSRFToken": csrf},
                       data={"decision": "approve"}).status_code == 403
    for decision in ("approve", "reject"):
        assert client.post(f"/api/kit/v1/certificates/corrections/{other}/{decision}",
                           json={"note": "ok"}, headers=xhr).status_code == 403
    assert _count(db, AuditEntry.outcome == "denied") == denied + 3
    with app.test_request_context(), pytest.raises(Forbidden):
        operations.approve_correction(world.staff["area_admin"], other)
    db.session.rollback()
    correction = db.session.get(CorrectionRequest, other)
    assert (correction.status, correction.decided_by) == ("pending", None)
    person = db.session.scalar(sa.select(Beneficiary).where(
        Beneficiary.reference_id == elsewhere["reference_id"]))
    assert person.name == "Person FB"
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.beneficiary_id == person.id)).all()
    assert len(certificates) == 1 and certificates[0].revoked_at is None

    approved = client.post(f"/api/kit/v1/certificates/corrections/{mine['request_id']}/approve",
                           json={"note": "ok"}, headers=xhr)
    assert approved.status_code == 200
    db.session.rollback()
    assert db.session.get(CorrectionRequest, mine["request_id"]).status == "approved"


def test_denied_access_is_audit_logged_with_who_and_what(app, db, world, client):
    sign_in(client, world.staff["vaccinator"])
    fb = world.facilities["FB"]
    assert client.get(f"/admin/facilities/{fb.id}/sessions").status_code == 403
    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.outcome == "denied")
                               ).scalar_one()
    assert entry.actor_id == str(world.staff["vaccinator"].id)
    assert entry.action == "route:booking_admin.sessions"
    assert entry.details["role"] == "vaccinator"


def test_out_of_scope_facility_is_denied_for_area_admin(app, db, world, client):
    sign_in(client, world.staff["area_admin"])
    assert client.get(f"/admin/facilities/{world.facilities['FA'].id}/sessions").status_code == 200
    response = client.get(f"/admin/facilities/{world.facilities['FB'].id}/sessions")
    assert response.status_code == 403
    row = db.session.execute(sa.select(AuditEntry).where(AuditEntry.outcome == "denied")).scalar_one()
    assert row.object_type == "facility" and row.object_id == str(world.facilities["FB"].id)


def test_api_unsafe_call_without_header_is_unauthenticated(app, db, world, client):
    sign_in(client, world.staff["area_admin"])
    response = client.post(f"/api/kit/v1/staff/facilities/{world.facilities['FA'].id}/sessions",
                           json={})
    assert response.status_code == 401


def test_forms_need_a_csrf_token(make_app):
    from cowin_kit.core.db import db as database

    app = make_app()  # CSRF on
    with app.app_context():
        client = app.test_client()
        response = client.post("/staff/login", data={"username": "x", "password": "y"})
        assert response.status_code == 400
        html = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = client.post("/staff/login", data={"username": "x", "password": "y",
                                                     "csrf_token": token})
        assert response.status_code == 401
        database.session.remove()


def test_staff_home_lists_only_reachable_sections(app, world, client):
    for role in ROLES:
        sign_in(client, world.staff[role])
        html = client.get("/staff/").get_data(as_text=True)
        assert ('href="/staff/audit/"' in html) == (role in ("national_admin", "auditor")), role
        assert ('href="/desk/"' in html) == (role in ("vaccinator", "facility_manager")), role
