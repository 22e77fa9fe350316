"""Book appointments; capacity is claimed with one conditional UPDATE. Rescheduling and
cancelling are in :mod:`cowin_kit.booking.changes`, doses allotted by the standby list or a
lottery in :mod:`cowin_kit.booking.allotted`; all three use the checks and claims here.

The claim ``UPDATE session_capacity SET booked = booked + 1 WHERE … AND booked < capacity``
is decided by the database row lock, so no two requests can take the last dose, on PostgreSQL
(READ COMMITTED re-checks the condition after waiting for the lock) and on SQLite (one writer at
a time). Every check runs before the first write, and any failure after it rolls back, so a
refused request changes nothing. A session whose every dose kind was seen full is flagged in
Redis (``full_sessions``): the next attempts are refused before any query, until a change that
frees a dose commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from contextlib import contextmanager

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401 - sa.orm.joinedload
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.booking import errors, full_sessions, session_cache
from cowin_kit.booking.fair_models import CHANNELS
from cowin_kit.booking.messages import appointment_sms
from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession
from cowin_kit.booking.rules import (age_at, area_timezone, bookings_and_history, history_of,
                                     local_now, person_of, slot_end, slot_start)
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.schedule import check_dose
from cowin_kit.registration.models import Beneficiary

capacity_table = SessionCapacity.__table__
appointment_table = Appointment.__table__


def book(beneficiary, session_id, slot: str, *, dose_number: int | None = None,
         idempotency_key: str | None = None, on: dt.datetime | dt.date | None = None,
         channel: str | None = None) -> Appointment:
    """Book the beneficiary's next dose in a session and slot; retries with a key are safe.
    ``channel`` (web, api, walk_in, assisted) is recorded for the equity report."""
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"unknown booking channel {channel!r}")
    profile = get_profile()
    key_hash = idempotency_hash(beneficiary.id, idempotency_key)
    # A session known full is refused before any query, except that a retry of a request
    # that booked (it may have taken the last dose) gets its appointment back.
    token = None if key_hash else full_sessions.token_or_refuse(session_id)
    # One read for all: a retry of this request, the person's active appointments and doses.
    mine, history = bookings_and_history(beneficiary.id, key_hash)
    for found in mine:
        if key_hash and found.idempotency_key == key_hash:
            return db.session.get(Appointment, found.appointment_id)
    if key_hash:
        token = full_sessions.token_or_refuse(session_id)
    # The session's static part and capacity ids as cached at this generation (no query), or
    # read now and remembered.
    session = session_cache.get(session_id, token)
    if session is None:
        session = load_session(session_id)
        session_cache.put(session, token)
    due = _check_bookable(profile, beneficiary, session, slot, on, history=history)
    if dose_number is not None and int(dose_number) != due.dose_number:
        raise errors.WrongDose(due=due.dose_number, asked=dose_number)
    if any(a.status == "booked" and a.dose_number == due.dose_number for a in mine):
        raise errors.AlreadyBooked(dose=due.dose_number)
    mobile = _account_mobile(beneficiary)

    capacity_id = _capacity_of(session, due.dose_kind, token=token)
    try:
        appointment = Appointment(
            id=uuid.uuid4(), beneficiary_id=beneficiary.id, session_id=session.id,
            capacity_id=capacity_id, dose_number=due.dose_number, slot=slot,
            secret_code=f"{secrets.randbelow(10000):04d}", status="booked",
            idempotency_key=key_hash, channel=channel)
        # The slip shows the session and centre just read: no query for them after commit.
        set_committed_value(appointment, "session", session)
        db.session.add(appointment)
        entry = audit("appointment.book", "appointment", appointment.id,
                      session=str(session.id), dose=due.dose_number, dose_kind=due.dose_kind,
                      slot=slot)
        message = _notify(beneficiary, appointment, "booking", mobile, session=session)
        # Insert first (the appointment, its audit entry and its SMS) and claim last: the
        # session's hot capacity row then stays locked only from the claim to the commit,
        # which is what bounds bookings per second.
        try:
            if not _insert_claim_and_commit(capacity_id, [appointment, entry, message]):
                db.session.flush()
                _claim_and_commit(capacity_id)
        except errors.SessionFull:
            session_cache.forget(session.id)  # its copy showed a dose the claim did not find
            _flag_if_all_full(session, token, capacity_id)
            raise
    except IntegrityError:
        db.session.rollback()
        # Lost a race to a retry of the same request, or to a parallel booking of this dose.
        if key_hash and (existing := _by_key(key_hash)) is not None:
            return existing
        raise errors.AlreadyBooked(dose=due.dose_number) from None
    except BaseException:
        db.session.rollback()
        raise
    return appointment


# -- checks -------------------------------------------------------------------------------------

def load_session(session_id) -> VaccinationSession:
    """Return a session by id (a UUID or its text); tampered or unknown ids are not found."""
    try:
        key = session_id if isinstance(session_id, uuid.UUID) else uuid.UUID(str(session_id))
    except (ValueError, TypeError, AttributeError):
        raise errors.SessionNotFound() from None
    session = db.session.get(VaccinationSession, key,
                             options=[sa.orm.joinedload(VaccinationSession.facility),
                                      sa.orm.joinedload(VaccinationSession.capacities)],
                             populate_existing=True)  # capacities as of now
    if session is None:
        raise errors.SessionNotFound()
    return session


def _check_bookable(profile, beneficiary, session: VaccinationSession, slot: str, on, *,
                    allotted: bool = False, history: list | None = None):
    """Run every check a booking needs and return the engine's DueDose for the session.
    A lottery session's doses are only ``allotted`` (a won draw, a standby offer).
    ``history``: the person's doses when already read."""
    if session.status != "open" or not session.facility.active:
        raise errors.SessionClosed()
    if session.allocation == "lottery" and not allotted:
        raise errors.LotteryOnly()
    if not isinstance(slot, str) or slot not in (session.slots or []):
        raise errors.SlotNotOffered()
    now = local_now(profile, on=on, tz=area_timezone(profile, session.facility.area_id))
    if session.date < now.date() or (
            session.date == now.date() and slot_end(session, slot) <= now.time()):
        raise errors.PastDate()
    days_ahead = int(profile.booking.days_ahead)
    if session.date > now.date() + dt.timedelta(days=days_ahead):
        raise errors.TooFarAhead(days=days_ahead)
    person = person_of(beneficiary)
    if history is None:
        history = history_of(beneficiary.id)
    due = check_dose(profile, person, history, session.vaccine, session.date)
    age = age_at(profile, person, session.date)
    if age < session.min_age or (session.max_age is not None and age > session.max_age):
        band = f"{session.min_age}+" if session.max_age is None else \
            f"{session.min_age}–{session.max_age}"
        raise errors.AgeOutOfBand(band=band, age=age)
    return due


def _check_changeable(profile, appointment: Appointment, on) -> None:
    """Refuse changes to inactive appointments and within the profile's cut-off."""
    if appointment.status != "booked":
        raise errors.NotActive()
    session = appointment.session
    now = local_now(profile, on=on, tz=area_timezone(profile, session.facility.area_id))
    starts = dt.datetime.combine(session.date, slot_start(session, appointment.slot),
                                 tzinfo=now.tzinfo)
    cutoff = profile.booking.cancel_cutoff or dt.timedelta(0)
    if now > starts - cutoff:
        raise errors.CancelTooLate()


def _beneficiary(appointment: Appointment):
    return db.session.get(Beneficiary, appointment.beneficiary_id)


# -- writes on capacity -------------------------------------------------------------------------

def _capacity_of(session: VaccinationSession, dose_kind: str, holding: int | None = None, *,
                 token: bytes | None = None) -> int:
    """The id of the session's capacity for a dose kind; a kind it does not offer is full.

    A capacity already seen full is refused here, before any write (on a rush day most
    requests are these), unless the appointment moving already ``holding`` one of its doses;
    one seen with doses left is decided by the atomic claim. A session seen with every kind
    full is flagged (``full_sessions``) at the generation ``token`` read before its rows."""
    for capacity in session.capacities:
        if capacity.dose_kind == dose_kind:
            if capacity.id != holding and capacity.booked >= capacity.capacity:
                _flag_if_all_full(session, token)
                raise errors.SessionFull()
            return capacity.id
    raise errors.SessionFull()


def _flag_if_all_full(session: VaccinationSession, token: bytes | None,
                      claimed_full: int | None = None) -> None:
    if token is not None and all(c.id == claimed_full or c.booked >= c.capacity
                                 for c in session.capacities):
        full_sessions.mark_full(session.id, token)


def _claim(capacity_id: int) -> None:
    """Take one dose, or raise SessionFull: the row lock decides between racing requests."""
    claimed = db.session.execute(
        capacity_table.update()
        .where(capacity_table.c.id == capacity_id,
               capacity_table.c.booked < capacity_table.c.capacity)
        .values(booked=capacity_table.c.booked + 1)
        .returning(capacity_table.c.id),
        execution_options={full_sessions.CLAIM: True}).scalar_one_or_none()
    if claimed is None:
        raise errors.SessionFull()


def _claim_and_commit(capacity_id: int) -> None:
    """Take one dose and commit, or raise SessionFull (the caller rolls back).

    On PostgreSQL the claim and the COMMIT travel together (a psycopg pipeline): the session's
    hot row stays locked for the server's own work only, never across a round trip to this
    process or its wait for the GIL (with many threads, that wait was most of a booking's lock
    time). The dose that is not there is refused by the CHECK constraint ``within_capacity``
    (``booked <= capacity``), which aborts the transaction and the appointment inserted in it.
    Elsewhere: the conditional UPDATE, then the commit."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or not _pipelines(raw):
        _claim(capacity_id)
        with _keep_loaded():
            db.session.commit()
        return
    import psycopg

    try:
        with raw.pipeline():
            raw.execute(_PIPELINED_CLAIM, (capacity_id,))
            raw.commit()
    except psycopg.errors.CheckViolation:
        raise errors.SessionFull() from None
    except psycopg.Error as exc:  # as SQLAlchemy would raise it (outages are told apart)
        raise sa.exc.DBAPIError.instance(_PIPELINED_CLAIM, (capacity_id,), exc,
                                         psycopg.Error) from exc
    with _keep_loaded():
        db.session.commit()  # committed already: the session's after-commit work (texts) runs


def _insert_claim_and_commit(capacity_id: int, rows: list) -> bool:
    """On PostgreSQL, send the INSERTs of a booking's new rows, the claim and the COMMIT in
    one psycopg pipeline: one round trip for the whole write, and no ORM flush (Core-style
    INSERTs built from the objects' columns, Python-side defaults applied as a flush would).
    The rows then join the session as persistent, so the after-commit work (the SMS's
    delivery, the audit counters) runs as after a flush. Returns False where pipelines are
    not available (SQLite, another driver): the caller flushes and claims as before."""
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or not _pipelines(raw):
        return False
    import psycopg

    session = db.session()
    rows = [row for row in rows if row is not None]
    for row in rows:
        session.expunge(row)
    if session.new or session.dirty or session.deleted:
        session.flush()  # anything else of this unit of work goes first, in the transaction
    inserts = [_insert_of(row, connection.dialect) for row in rows]
    statements = [*((sql, params) for sql, params, _ in inserts),
                  (_PIPELINED_CLAIM, (capacity_id,))]
    if connection.dispatch.before_cursor_execute:  # statement counters, tracing, tests
        for sql, params in statements:
            connection.dispatch.before_cursor_execute(connection, None, sql, params, None,
                                                      False)
    try:
        with raw.pipeline():
            cursors = [raw.execute(sql, params) for sql, params in statements]
            raw.commit()
    except psycopg.errors.CheckViolation:
        raise errors.SessionFull() from None
    except psycopg.Error as exc:  # as SQLAlchemy would raise it (IntegrityError, outages)
        raise sa.exc.DBAPIError.instance(inserts[0][0], inserts[0][1], exc,
                                         psycopg.Error) from exc
    for row, cursor, (_, _, generated) in zip(rows, cursors, inserts):
        if generated is not None:
            setattr(row, generated, cursor.fetchone()[0])
        sa.orm.make_transient_to_detached(row)
        session.add(row)
    with _keep_loaded():
        db.session.commit()  # committed already: the session's after-commit work runs
    return True


_INSERT_SQL: dict = {}


def _insert_of(row, dialect) -> tuple[str, list, str | None]:
    """The INSERT of a pending ORM object as SQL, parameters, and the attribute the database
    generates (its autoincrement key, returned), if any. Columns the object leaves unset take
    their Python-side default, which is also set on the object (nothing is left to reload)."""
    state = sa.inspect(row)
    mapper = state.mapper
    names, params, generated = [], [], None
    for column in mapper.local_table.columns:
        key = mapper.get_property_by_column(column).key
        if key in state.dict:
            value = state.dict[key]
        elif column.default is not None and column.default.is_scalar:
            value = column.default.arg
        elif column.default is not None and column.default.is_callable:
            value = column.default.arg(None)
        elif column.primary_key and column.autoincrement in (True, "auto"):
            generated = key
            continue
        else:
            value = None
        set_committed_value(row, key, value)
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        names.append(column.name)
        params.append(processor(value) if processor and value is not None else value)
    shape = (mapper.local_table.name, tuple(names), generated)
    sql = _INSERT_SQL.get(shape)
    if sql is None:
        quote = dialect.identifier_preparer.quote
        returning = "" if generated is None else \
            f" RETURNING {quote(mapper.get_property(generated).columns[0].name)}"
        sql = _INSERT_SQL[shape] = (
            f"INSERT INTO {dialect.identifier_preparer.format_table(mapper.local_table)} "
            f"({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))}){returning}")
    return sql, params, generated


_PIPELINED_CLAIM = (f"UPDATE {capacity_table.name} SET booked = booked + 1 "  # noqa: S608
                    "WHERE id = %s")


def _pipelines(raw) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(raw, psycopg.Connection) and psycopg.Pipeline.is_supported()


def release_dose(capacity_id: int) -> None:
    """Give one dose back to a session's capacity (in the caller's transaction)."""
    _release(capacity_id)


def _release(capacity_id: int) -> None:
    db.session.execute(
        capacity_table.update()
        .where(capacity_table.c.id == capacity_id, capacity_table.c.booked > 0)
        .values(booked=capacity_table.c.booked - 1))


# -- lookups ------------------------------------------------------------------------------------

def idempotency_hash(beneficiary_id: int, key: str | None) -> str | None:
    """Scope a client's Idempotency-Key to the beneficiary (keys of others never collide)."""
    if not key:
        return None
    return hashlib.sha256(f"{beneficiary_id}:{key}".encode()).hexdigest()


def _by_key(key_hash: str) -> Appointment | None:
    return db.session.execute(
        sa.select(Appointment).where(Appointment.idempotency_key == key_hash)).scalar_one_or_none()


def _retry_or_active(beneficiary_id: int, key_hash: str | None) -> list[Appointment]:
    cond = sa.and_(Appointment.beneficiary_id == beneficiary_id, Appointment.status == "booked")
    if key_hash:
        cond = sa.or_(cond, Appointment.idempotency_key == key_hash)
    return list(db.session.execute(sa.select(Appointment).where(cond)).scalars())


def _account_mobile(beneficiary) -> str | None:
    """The mobile of the beneficiary's account (usually already loaded by sign-in)."""
    if beneficiary is None or beneficiary.account_id is None:
        return None  # walk-ins registered at the desk have no mobile to text
    account = db.session.get(CitizenAccount, beneficiary.account_id)
    return account.mobile if account else None


@contextmanager
def _keep_loaded():
    """Commit without expiring what this unit of work just wrote and still needs to show.

    The rows were written by this transaction, so their loaded state is what was committed;
    re-reading them would only add round trips to the hottest path of the kit."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = previous


# -- messages -----------------------------------------------------------------------------------

def _notify(beneficiary, appointment: Appointment, purpose: str, mobile: str | None,
            **where):
    """Queue the localised SMS to the beneficiary's account mobile in the current transaction:
    it is sent if and only if the change commits, and never delays the change (delivery to a
    remote gateway happens after the commit, off the request thread). Returns the queued
    message, if any."""
    if not mobile:
        return None

    return appointment_sms(beneficiary, appointment, purpose, mobile, **where)
