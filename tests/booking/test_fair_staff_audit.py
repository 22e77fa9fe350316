"""Review of #21: the desk entering a person in a lottery over the staff API reads that person's
request (ticket, priority tier, status, rank, appointment): every such look-up is in the audit
log, also when the person was entered already and when the entry is refused."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_staff, sign_in as staff_sign_in

JSON = {"X-Requested-With": "fetch"}


def _views(db, person):
    from cowin_kit.core.models import AuditEntry

    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "beneficiary.view",
        AuditEntry.object_id == person.reference_id))


def test_staff_lottery_entries_are_audited_look_ups(app, db, make_session, make_beneficiary):
    from cowin_kit.booking import lottery, operations

    session = make_session(capacities={"1": 1})
    lottery.open_round(None, session)
    vaccinator = make_staff(db, "vaccinator", "vac-lottery", facility=session.facility)
    db.session.commit()
    desk = app.test_client()
    staff_sign_in(desk, vaccinator)
    url = f"/api/kit/v1/staff/lottery/{session.id}/requests"
    person = make_beneficiary()
    first = desk.post(url, json={"reference_id": person.reference_id}, headers=JSON)
    assert first.status_code == 201, first.get_json()
    again = desk.post(url, json={"reference_id": person.reference_id}, headers=JSON)
    assert again.status_code == 201 and again.get_json()["ticket"] == first.get_json()["ticket"]
    assert _views(db, person) == 2
    booked = make_beneficiary()
    other = make_session(days=2, capacities={"1": 3})
    operations.book(booked, other.id, other.slots[0])
    refused = desk.post(url, json={"reference_id": booked.reference_id}, headers=JSON)
    assert refused.status_code == 409  # says the person holds a booking: a look-up too
    assert _views(db, booked) == 1
