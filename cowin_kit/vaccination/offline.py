"""The offline desk's sync (issue #22): applies the events a device recorded while offline.
The pack the device downloads first is built in ``offline_pack.py`` (``build_pack`` is also
importable from here).

The sync applies each event through the desk's own operations (``operations.record_dose``,
``walk_in``, ``mark_no_show``, ``aefi.report_aefi``): the same checks, audit entries and
certificates as the online desk. Each event carries a UUID the device generated; it is the
primary key of ``desk_sync_event``, so an event is applied once however often and from however
many devices it is sent (a second insert of the same key waits for the first transaction and
then fails: the second sender answers "duplicate").
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError

from cowin_kit.accounts.staff_permissions import require_scope
from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Conflict, KitError, NotFound, ValidationFailed
from cowin_kit.core.inputs import datetime_range, int_range
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination import aefi, operations
from cowin_kit.vaccination.models import AefiReport, DeskSyncEvent, DoseRecord
from cowin_kit.vaccination.offline_pack import build_pack, my_facility

__all__ = ["build_pack", "sync", "apply_event", "SCHEMAS", "MAX_EVENTS"]

MAX_EVENTS = 200


class SessionCancelled(Conflict):
    code = "SESSION_CANCELLED"
    default_message = _l("The session was cancelled before this event reached the server. "
                         "The dose is not on record: ask the facility manager to record it.")


class CapacityExceeded(Conflict):
    code = "CAPACITY_EXCEEDED"
    default_message = _l("The session already has as many doses recorded as its capacity. "
                         "The dose is not on record: ask the facility manager to record it.")


class UnknownPerson(NotFound):
    code = "UNKNOWN_PERSON"
    default_message = _l("No person has this reference ID.")


class DoseNotSynced(Conflict):
    code = "DOSE_NOT_SYNCED"
    default_message = _l("The dose this report is about is not on record (it was not synced, "
                         "or it was refused).")


class EventIdReused(Conflict):
    code = "EVENT_ID_REUSED"
    default_message = _l("Another event with this id, and different content, was already "
                         "synced.")


# Sync events ---------------------------------------------------------------------------------

class _Event(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True)


class DoseEvent(_Event):
    reference_id = fields.String(required=True, validate=validate.Regexp(r"^\d{14}$"))
    appointment_id = fields.UUID(load_default=None)
    session_id = fields.UUID(load_default=None)
    secret_code = fields.String(load_default=None, validate=validate.Length(max=8))
    vaccine = fields.String(required=True, validate=validate.Length(1, 32))
    lot = fields.String(required=True, validate=validate.Length(1, 32))
    dose_number = fields.Integer(required=True, validate=int_range(1, 99))
    administered_at = fields.AwareDateTime(required=True, validate=datetime_range())


class WalkInEvent(_Event):
    session_id = fields.UUID(load_default=None)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    birth_year = fields.Integer(load_default=None, validate=int_range(1900, 2100))
    birth_date = fields.Date(load_default=None)
    gender = fields.String(required=True, validate=validate.Length(1, 1))
    id_doc_type = fields.String(required=True, validate=validate.Length(1, 32))
    id_number = fields.String(required=True, validate=validate.Length(1, 64))
    mobile = fields.String(load_default=None, validate=validate.Length(max=20))
    locale = fields.String(load_default=None, validate=validate.Length(max=16))
    groups = fields.List(fields.String(validate=validate.Length(1, 64)), load_default=list,
                         validate=validate.Length(max=20))
    vaccine = fields.String(required=True, validate=validate.Length(1, 32))
    lot = fields.String(required=True, validate=validate.Length(1, 32))
    administered_at = fields.AwareDateTime(required=True, validate=datetime_range())


class NoShowEvent(_Event):
    appointment_id = fields.UUID(required=True)


class AefiEvent(_Event):
    dose_event = fields.UUID(load_default=None)  # the id of the dose or walk-in event
    reference_id = fields.String(load_default=None, validate=validate.Regexp(r"^\d{14}$"))
    dose_number = fields.Integer(load_default=None, validate=int_range(1, 99))
    onset_at = fields.AwareDateTime(required=True, validate=datetime_range())
    symptoms = fields.List(fields.String(validate=validate.Length(1, 64)), required=True,
                           validate=validate.Length(1, 20))
    severity = fields.String(required=True, validate=validate.Length(1, 16))
    outcome = fields.String(required=True, validate=validate.Length(1, 32))
    notes = fields.String(load_default="", validate=validate.Length(max=4000))


SCHEMAS = {"dose": DoseEvent(), "walk_in": WalkInEvent(), "no_show": NoShowEvent(),
           "aefi": AefiEvent()}


def _digest(event: dict) -> str:
    """SHA-256 of the event as sent, without the secret code (a 4-digit code's hash would
    give it away)."""
    body = {k: v for k, v in event.items() if k != "secret_code"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _result(event_id, status: str, http_status: int, **extra) -> dict:
    return {"id": str(event_id) if event_id is not None else None, "status": status,
            "http_status": http_status, **extra}


def _invalid(event_id, exc: KitError) -> dict:
    return _result(event_id, "invalid", exc.status, **exc.to_dict())


def _validate(raw) -> dict:
    if not isinstance(raw, dict):
        raise ValidationFailed(fields={"event": [_l("Each event is an object.")]})
    kind = raw.get("kind")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ValidationFailed(fields={"kind": [_l("Must be one of: %(kinds)s.",
                                                   kinds=", ".join(SCHEMAS))]})
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise ValidationFailed(fields={k: v if isinstance(v, list) else [str(v)]
                                       for k, v in exc.normalized_messages().items()}) from None


def _person(reference_id: str, lock: bool = False) -> Beneficiary:
    """The person; with ``lock``, their row is locked until the event commits, so that two
    devices syncing a dose for the same person take turns (the second sees the first's dose)."""
    query = sa.select(Beneficiary).where(Beneficiary.reference_id == reference_id)
    person = db.session.scalar(query.with_for_update() if lock else query)
    if person is None:
        raise UnknownPerson()
    return person


def _appointment(appointment_id, person: Beneficiary | None = None) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or (person is not None and appointment.beneficiary_id != person.id):
        raise operations.AppointmentMismatch()
    if appointment.session.status == "cancelled" or (
            appointment.status == "cancelled"
            and appointment.cancelled_reason != "vaccinated_elsewhere"):
        raise SessionCancelled()
    return appointment


def _check_session(session_id) -> None:
    """A dose without an appointment, given in a session of the pack: the session must still be
    open and hold fewer recorded doses than its capacity."""
    if session_id is None:
        return
    # Locked until the event commits: parallel syncs count the doses one after the other.
    session = db.session.get(VaccinationSession, session_id, with_for_update=True,
                             populate_existing=True)
    if session is None:
        raise ValidationFailed(fields={"session_id": [_l("No such session.")]})
    if session.status == "cancelled":
        raise SessionCancelled()
    capacity = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(
        SessionCapacity.capacity), 0)).where(SessionCapacity.session_id == session.id))
    given = db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord).where(
        DoseRecord.session_id == session.id))
    if given >= capacity:
        raise CapacityExceeded()


def _apply_dose(staff, event: dict, claim) -> None:
    person = _person(event["reference_id"], lock=True)
    # A dose recorded elsewhere first (online, or by another device): this one is not recorded.
    if db.session.scalar(sa.select(DoseRecord.id).where(
            DoseRecord.beneficiary_id == person.id,
            DoseRecord.dose_number == event["dose_number"])) is not None:
        raise operations.AlreadyRecorded()
    appointment = None
    if event["appointment_id"] is not None:
        appointment = _appointment(event["appointment_id"], person)
        # Before claiming: a wrong code is logged in its own transaction, which must not wait
        # for ours (SQLite allows one writer).
        operations.verify_secret_code(staff, appointment, event["secret_code"])
    else:
        _check_session(event["session_id"])
    claim()
    operations.record_dose(staff, person, vaccine=event["vaccine"], lot=event["lot"],
                           dose_number=event["dose_number"], appointment=appointment,
                           administered_at=event["administered_at"])


def _apply_walk_in(staff, event: dict, claim) -> None:
    claim()
    _check_session(event["session_id"])
    person = {k: event[k] for k in ("name", "birth_year", "birth_date", "gender", "id_doc_type",
                                    "id_number", "groups", "locale")}
    operations.walk_in(staff, person=person, vaccine=event["vaccine"], lot=event["lot"],
                       mobile=event["mobile"], administered_at=event["administered_at"])


def _apply_no_show(staff, event: dict, claim) -> None:
    appointment = _appointment(event["appointment_id"])
    # Scope checks before claiming: a denial is logged in its own transaction (see _apply_dose).
    require_scope(staff, appointment.session.facility, "appointment.no_show")
    claim()
    operations.mark_no_show(staff, appointment)


def _apply_aefi(staff, event: dict, claim) -> None:
    dose = None
    if event["dose_event"] is not None:
        synced = db.session.get(DeskSyncEvent, event["dose_event"])
        if synced is not None and synced.dose_record_id is not None:
            dose = db.session.get(DoseRecord, synced.dose_record_id)
    elif event["reference_id"] and event["dose_number"]:
        dose = db.session.scalar(sa.select(DoseRecord).where(
            DoseRecord.beneficiary_id == _person(event["reference_id"]).id,
            DoseRecord.dose_number == event["dose_number"]))
    else:
        raise ValidationFailed(fields={"dose_event": [_l("Name the dose: its event id, or the "
                                                         "reference ID and dose number.")]})
    if dose is None:
        raise DoseNotSynced()
    require_scope(staff, dose.facility, "aefi.report")
    claim()
    aefi.report_aefi(staff, dose, onset_at=event["onset_at"], symptoms=event["symptoms"],
                     severity=event["severity"], outcome=event["outcome"], notes=event["notes"])


APPLY = {"dose": _apply_dose, "walk_in": _apply_walk_in, "no_show": _apply_no_show,
         "aefi": _apply_aefi}


def _refusal_message(code: str | None) -> str | None:
    """The message of the refusal with this code (a conflict is kept by its code only)."""
    found, todo = None, list(KitError.__subclasses__())
    while todo and found is None:
        cls = todo.pop()
        found = cls if cls.code == code else None
        todo.extend(cls.__subclasses__())
    return str(found.default_message) if found else None


def _duplicate(row: DeskSyncEvent, digest: str) -> dict:
    if row.digest != digest:
        exc = EventIdReused()
        return _result(row.id, "conflict", exc.status, **exc.to_dict())
    # A refused event sent again (its first answer lost): say again why, the device shows it.
    refused = _refusal_message(row.code) if row.status == "conflict" else None
    return _result(row.id, "duplicate", 200, original=row.status, code=row.code,
                   dose_id=row.dose_record_id, aefi_id=row.aefi_report_id,
                   message=refused or _("This event was synced before; nothing was recorded "
                                        "twice."))


class _Claimed(Exception):
    """Another sync inserted this event first."""


def _existing(event_id) -> DeskSyncEvent | None:
    db.session.rollback()
    return db.session.get(DeskSyncEvent, event_id)


def apply_event(staff, device_id: str, raw) -> dict:
    """Apply one event the device sent; return its result (never raises for the event's own
    problems: they are the result)."""
    event_id = raw.get("id") if isinstance(raw, dict) else None
    event_id = event_id if isinstance(event_id, str) else None  # echoed back only as sent
    try:
        event = _validate(raw)
    except KitError as exc:
        return _invalid(event_id, exc)
    event_id, digest = event["id"], _digest(raw)
    existing = db.session.get(DeskSyncEvent, event_id)
    if existing is not None:
        return _duplicate(existing, digest)

    row = DeskSyncEvent(id=event_id, kind=event["kind"], staff_id=staff.id, device_id=device_id,
                        digest=digest, status="applied", received_at=utcnow())

    def claim() -> None:
        """Insert the event's row (committed with the records it makes). A parallel sync of
        the same event waits here for ours to commit, then fails: a duplicate."""
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            raise _Claimed() from None

    def link(session, _context, _instances) -> None:
        # The operation's own commit writes the row's link to the dose or report it made, so a
        # parallel duplicate never sees the row without it.
        for obj in list(session.new):
            if isinstance(obj, DoseRecord):
                row.dose_record = obj
            elif isinstance(obj, AefiReport):
                row.aefi_report = obj

    session = db.session()
    sa.event.listen(session, "before_flush", link)
    try:
        APPLY[event["kind"]](staff, event, claim)  # commits the row with its records
    except _Claimed:
        return _duplicate(_existing(event_id), digest)
    except KitError as exc:
        db.session.rollback()
        db.session.add(DeskSyncEvent(id=event_id, kind=event["kind"], staff_id=staff.id,
                                     device_id=device_id, digest=digest, status="conflict",
                                     code=exc.code[:40], received_at=utcnow()))
        try:
            db.session.commit()
        except IntegrityError:
            return _duplicate(_existing(event_id), digest)
        return _result(event_id, "conflict", exc.status, **exc.to_dict())
    finally:
        sa.event.remove(session, "before_flush", link)
    row = db.session.get(DeskSyncEvent, event_id)
    return _result(event_id, "applied", 201, dose_id=row.dose_record_id,
                   aefi_id=row.aefi_report_id)


def sync(staff, device_id: str, events: list) -> list[dict]:
    """Apply a device's batch, in order (a dose before the AEFI report about it)."""
    my_facility(staff)
    results = [apply_event(staff, device_id, raw) for raw in events]
    audit("desk.sync", None, None, device=device_id,
          outcomes={s: sum(1 for r in results if r["status"] == s)
                    for s in ("applied", "duplicate", "conflict", "invalid")})
    db.session.commit()
    return results
