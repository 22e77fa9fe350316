"""The authorisation matrix: every staff route x every role x in/out of scope."""

from __future__ import annotations

import re

import sqlalchemy as sa

from cowin_kit.accounts.staff_permissions import NATIONAL_ADMIN, ROLES, staff_routes
from cowin_kit.core.models import AuditEntry
from tests.operations.conftest import (make_appointment, make_dose, make_person, make_session,
                                       make_staff, sign_in)

#: URL arguments that name an object belonging to a place; routes using them must declare a scope.
SCOPED_ARGS = {"facility_id", "session_id", "appointment_id", "dose_id", "aefi_id", "user_id"}
#: Desk look-ups reach anyone by exact identifier (walk-ins come from anywhere), always audited.
UNSCOPED_ARGS = {"reference_id"}
#: Blueprints of the ministry operations domain (other domains' staff routes join the matrix
#: too, with placeholder ids for objects this test does not create).
OWN_BLUEPRINTS = {"staff", "booking_admin", "desk", "aefi", "audit_log", "kit_staff"}
PLACEHOLDER_ID = 999999


def _objects(db, world, facility_code):
    from cowin_kit.core.db import utcnow
    from cowin_kit.vaccination.models import AefiReport

    facility = world.facilities[facility_code]
    person = make_person(db, name=f"Person {facility_code}")
    session = make_session(db, facility)
    appointment = make_appointment(db, session, make_person(db, name="Booked"))
    dose = make_dose(db, person, facility)
    report = AefiReport(dose_record_id=dose.id, onset_at=utcnow(), symptoms=["fever"],
                        severity="mild", outcome="recovered")
    db.session.add(report)
    colleague = make_staff(db, "vaccinator", f"colleague-{facility_code}", facility=facility)
    db.session.flush()
    return {"user_id": colleague.id,"facility_id": facility.id, "session_id": session.id,
            "appointment_id": appointment.id, "dose_id": dose.id, "aefi_id": report.id,
            "reference_id": person.reference_id}


def _url(rule: str, values: dict) -> str:
    def fill(match):
        return str(values.get(match.group(2), PLACEHOLDER_ID))

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)


def test_every_object_route_declares_a_scope(app):
    for rule, endpoint, _methods, spec in staff_routes(app):
        args = set(re.findall(r"<(?:\w+:)?(\w+)>", rule))
        if endpoint.split(".")[0] not in OWN_BLUEPRINTS:
            continue
        assert args <= SCOPED_ARGS | UNSCOPED_ARGS, f"{endpoint}: teach the matrix about {args}"
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


def test_authorisation_matrix(app, db, world, client):
    routes = staff_routes(app)
    assert len(routes) >= 30
    variants = {"in": _objects(db, world, "FA"), "out": _objects(db, world, "FB")}
    db.session.commit()
    principals = [None, *ROLES]
    checked = denied = 0
    failures = []
    for rule, endpoint, methods, spec in routes:
        args = set(re.findall(r"<(?:\w+:)?(\w+)>", rule))
        for method in methods:
            for variant, values in variants.items():
                url = _url(rule, values)
                for role in principals:
                    if role is None:
                        with client.session_transaction() as sess:
                            sess.clear()
                    else:
                        sign_in(client, world.staff[role])
                    api = rule.startswith("/api/")
                    kwargs = {"headers": {"X-Requested-With": "XMLHttpRequest"}} if api else {}
                    if api and method != "GET":
                        kwargs["json"] = {}
                    response = client.open(url, method=method, **kwargs)
                    status = response.status_code
                    reaches = (variant == "in" or role == NATIONAL_ADMIN
                               or not (args & SCOPED_ARGS))
                    expected = role is not None and role in spec.roles and reaches
                    checked += 1
                    if role is None:
                        ok = status in (401, 302) and (
                            status == 401 or "/staff/login" in response.headers["Location"])
                    elif expected:
                        ok = status not in (401, 403) and status < 500
                    else:
                        ok = status == 403
                        denied += 1
                    if not ok:
                        failures.append(f"{method} {url} as {role} ({variant}): {status}")
    assert not failures, "\n".join(failures[:40])
    assert checked > 300
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                               .where(AuditEntry.outcome == "denied"))
    assert logged >= denied  # every refusal left an audit entry


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
