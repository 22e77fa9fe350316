"""The audit log helpers record who did what, and denied access survives a rollback."""

from __future__ import annotations

from sqlalchemy import select

from cowin_kit.core.audit import audit, audit_now, set_actor
from cowin_kit.core.models import AuditEntry


def test_audit_is_committed_with_the_work(app, db):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        set_actor("staff", 7)
        audit("beneficiary.view", "beneficiary", "12345678901234", reason="desk")
        db.session.commit()
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert (entry.actor_type, entry.actor_id, entry.ip) == ("staff", "7", "10.1.2.3")
    assert entry.details == {"reason": "desk"} and entry.at.tzinfo is not None


def test_audit_now_survives_rollback(app, db):
    with app.test_request_context("/"):
        set_actor("staff", 9)
        audit("facility.edit", "facility", 1)
        audit_now("beneficiary.view", "beneficiary", "1", outcome="denied")
        db.session.rollback()
    entries = db.session.execute(select(AuditEntry)).scalars().all()
    assert [(e.action, e.outcome, e.actor_id) for e in entries] == [("beneficiary.view", "denied", "9")]
