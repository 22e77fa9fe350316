"""Append-only audit log: every write and every staff view of personal data.

Call ``audit("beneficiary.view", "beneficiary", ref_id)`` inside the unit of work; the entry
is added to the current session and committed with it. ``audit_now`` commits on its own
(for denied access, where the surrounding work is rolled back).

Committed entries are counted by action (``cowin_kit_events_total``; bookings, reschedules and
cancellations also as ``cowin_kit_appointments_total``): a rolled-back booking counts nothing.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request

from cowin_kit.core import metrics
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.models import AuditEntry


def set_actor(actor_type: str, actor_id: str | int | None) -> None:
    """Record who acts in this request (staff, citizen or system)."""
    g.audit_actor = (actor_type, None if actor_id is None else str(actor_id))


def _actor() -> tuple[str, str | None]:
    if has_request_context():
        return g.get("audit_actor", ("anonymous", None))
    return ("system", None)


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def make_entry(action: str, object_type: str | None = None, object_id: Any = None, *,
               outcome: str = "ok", actor: tuple[str, str | None] | None = None,
               **details: Any) -> AuditEntry:
    actor_type, actor_id = actor or _actor()
    return AuditEntry(actor_type=actor_type, actor_id=actor_id, action=action,
                      object_type=object_type,
                      object_id=None if object_id is None else str(object_id),
                      outcome=outcome, ip=_client_ip(), details=details)


def audit(action: str, object_type: str | None = None, object_id: Any = None, **kwargs) -> AuditEntry:
    """Add an audit entry to the current unit of work (committed with it)."""
    entry = make_entry(action, object_type, object_id, **kwargs)
    db.session.add(entry)
    db.session.info.setdefault(PENDING_KEY, []).append((action, entry.outcome))
    return entry


PENDING_KEY = "cowin_kit.audit.pending"


def _count_committed(session) -> None:
    for action, outcome in session.info.pop(PENDING_KEY, ()):
        metrics.EVENTS.labels(action, outcome).inc()
        if action.startswith("appointment.") and action[12:] in metrics.APPOINTMENT_ACTIONS:
            metrics.APPOINTMENTS.labels(action[12:]).inc()


def _forget(session) -> None:
    session.info.pop(PENDING_KEY, None)


def install_counters() -> None:
    """Count audited actions when their transaction commits (idempotent)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _count_committed):
        event.listen(Session, "after_commit", _count_committed)
        event.listen(Session, "after_rollback", _forget)


def audit_now(action: str, object_type: str | None = None, object_id: Any = None, **kwargs) -> None:
    """Write an audit entry in its own transaction (survives a rollback of the request's work)."""
    entry = make_entry(action, object_type, object_id, **kwargs)
    with db.engine.begin() as connection:
        values = {c.name: getattr(entry, c.key) for c in AuditEntry.__table__.columns
                  if c.name != "id" and getattr(entry, c.key) is not None}
        values.setdefault("at", utcnow())
        values.setdefault("details", {})
        connection.execute(AuditEntry.__table__.insert().values(**values))
