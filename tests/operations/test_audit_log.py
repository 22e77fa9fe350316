"""Auditor pages: search by actor, action, object and dates; CSV export; auditors see the staff
of their own area only."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from cowin_kit.core.audit import audit
from cowin_kit.core.models import AuditEntry
from tests.operations.conftest import make_person, make_staff, sign_in


def _seed(app, db, world):
    outsider = make_staff(db, "vaccinator", "vac-b", facility=world.facilities["FB"])
    db.session.commit()
    rows = [(world.staff["vaccinator"], "beneficiary.view", "11112222333344"),
            (world.staff["vaccinator"], "dose.record", "7"),
            (outsider, "beneficiary.view", "99998888777766"),
            (world.staff["area_admin"], "facility.edit", "1")]
    from cowin_kit.core.audit import set_actor

    for user, action, object_id in rows:
        with app.test_request_context("/"):
            set_actor("staff", user.id)
            audit(action, action.split(".")[0], object_id, note="=cmd|' /C calc'!A0")
            db.session.commit()
    return outsider


def test_search_filters(client, app, db, world):
    _seed(app, db, world)
    sign_in(client, world.staff["national_admin"])
    html = client.get("/staff/audit/?actor=vac&action=beneficiary.").get_data(as_text=True)
    assert "11112222333344" in html and "99998888777766" not in html and "dose.record" not in html
    html = client.get("/staff/audit/?object_type=facility&object_id=1").get_data(as_text=True)
    assert "<td>facility.edit</td>" in html and "<td>beneficiary.view</td>" not in html
    assert client.get("/staff/audit/?from=2000-13-01").status_code == 422
    html = client.get("/staff/audit/?from=2000-01-01&to=2000-01-02").get_data(as_text=True)
    assert "Nothing found" in html


def test_auditor_sees_only_staff_of_their_area(client, app, db, world):
    _seed(app, db, world)
    sign_in(client, world.staff["auditor"])
    html = client.get("/staff/audit/?action=beneficiary.view").get_data(as_text=True)
    assert "11112222333344" in html and "99998888777766" not in html


def test_csv_export_is_streamed_and_safe_for_spreadsheets(client, app, db, world):
    _seed(app, db, world)
    sign_in(client, world.staff["national_admin"])
    response = client.get("/staff/audit/export.csv?action=beneficiary.view")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["object_id"] for r in rows} == {"11112222333344", "99998888777766"}
    assert all('"note": "=cmd' in r["details"] for r in rows)  # inside JSON, not a formula cell
    exported = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "audit.export")
                                  ).scalar_one()
    assert exported.actor_id == str(world.staff["national_admin"].id)


def test_csv_export_never_holds_formulas(client, app, db, world):
    """Object ids come from outside (a facility code, a looked-up number): a leading blank
    before = must not get past the guard either."""
    from cowin_kit.core.audit import set_actor
    from cowin_kit.core.spreadsheet import looks_like_formula

    payloads = ["=cmd|' /C calc'!A0", "  =HYPERLINK(\"http://evil.example\")", "\t-2+3"]
    for payload in payloads:
        with app.test_request_context("/"):
            set_actor("staff", world.staff["vaccinator"].id)
            audit("facility.edit", "facility", payload)
            db.session.commit()
    sign_in(client, world.staff["national_admin"])
    text = client.get("/staff/audit/export.csv?action=facility.edit").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert [c for row in rows for c in row if looks_like_formula(c)] == []
    assert sorted(r[6] for r in rows[1:]) == sorted("'" + p for p in payloads)


def test_audit_api(client, app, db, world):
    _seed(app, db, world)
    sign_in(client, world.staff["auditor"])
    rows = client.get("/api/kit/v1/staff/audit?action=beneficiary.view").get_json()
    assert [r["object_id"] for r in rows] == ["11112222333344"]


def test_desk_look_up_by_api_is_audited_per_person(client, db, world):
    person = make_person(db)
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    found = client.post("/api/kit/v1/staff/desk/beneficiaries/search",
                        json={"q": person.reference_id},
                        headers={"X-Requested-With": "XMLHttpRequest"}).get_json()
    assert [p["reference_id"] for p in found] == [person.reference_id]
    assert "id_hash" not in found[0]
    assert db.session.execute(sa.select(AuditEntry.object_id).where(
        AuditEntry.action == "beneficiary.view")).scalar_one() == person.reference_id
