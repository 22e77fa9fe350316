"""Sessions known to be full: a booking attempt for one is refused before any database work.

On a rush day most attempts are for sessions already full (2,000 people for 500 doses: 1,500
refusals). A refused claim that finds every dose kind of its session full flags the session in
Redis with the session's *generation*; the next attempts read the flag and the generation in one
``MGET`` and, when they match, answer SESSION_FULL without a query.

Every committed change that could free a dose bumps the session's generation after its commit,
which voids the flag at once: a cancellation, a reschedule away, a raised or added capacity, a
removed beneficiary, a dose given elsewhere — any write to ``session_capacity`` other than a
claim; an edit of the session or its centre bumps it too (``session_cache`` keys its copies of
sessions by it). They are found by SQLAlchemy events on the ORM session (statements and flushes), not by
each caller, so a new writer cannot forget it; a write whose sessions cannot be told bumps a
global epoch, voiding every flag. A flag also expires after ``FLAG_SECONDS``.

The flag is read before the session's rows and written with the generation read then, so a
dose freed after the rows were read always voids it (its bump comes after). The conditional
UPDATE of ``claims._claim`` stays the source of truth: the flag only spares refusals their
queries. Without Redis, or while it is down, there is no flag and every attempt takes the
database path.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators, visitors

from cowin_kit.booking.errors import SessionFull
from cowin_kit.booking.models import Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.cache import DEFAULT_PREFIX, get_cache
from cowin_kit.core.outage import redis_errors

#: A flag outlives no writer that forgot to say it freed a dose by more than this.
FLAG_SECONDS = 10
#: Generations of sessions without a change for this long are dropped (sessions end).
GENERATION_SECONDS = 2 * 86400
#: Execution option that marks the booking claim (the one write that never frees a dose).
CLAIM = "cowin_capacity_claim"
_INFO = "cowin_capacity_changes"
#: Environ key set when a request was refused by its session's flag (``refusals``).
REFUSED = "cowin_kit.session_full_refused"
_TABLE = "session_capacity"
#: Writes to these also move the generation: the per-process copy of what a booking reads of a
#: session (``session_cache``) is keyed by it. Inserts of new sessions or centres change none.
_SESSION_TABLES = {"vaccination_session": "id", "facility": None}


def _on_redis(what: str, work):
    """``work(client, prefix)`` on the app's cache Redis when it is configured and up; None
    without Redis, while it is down, or when the call fails (which opens the circuit, logged
    with ``what``)."""
    if not has_app_context():
        return None

    backend = get_cache().backend
    circuit = getattr(backend, "circuit", None)
    if circuit is None or circuit.open:
        return None
    try:
        return work(backend.primary.client, backend.prefix + "booking:")
    except redis_errors() as exc:
        circuit.failed(what, exc)
        return None


def token_or_refuse(session_id) -> bytes | None:
    """Raise SessionFull when the session is flagged full at its current generation; else
    return the token to flag it with later (None without Redis). Read once per request."""
    known = request.environ if has_request_context() else {}
    token, full = read(session_id, known)
    if full:
        known[REFUSED] = True  # ``refusals`` may replay this answer before the app
        raise SessionFull()
    return token


def read(session_id, environ: dict) -> tuple[bytes | None, bool]:
    """The session's token and whether it is flagged full at it, read from Redis once per
    request (kept in ``environ``, the WSGI environ of the request); (None, False) for what is
    not a session id and without Redis. Needs an app context."""
    try:
        key = str(uuid.UUID(str(session_id)))
    except (ValueError, TypeError, AttributeError):
        return None, False  # not a session id: the database path says it is not found
    known = environ.setdefault(_INFO, {})
    if key not in known:
        found = _on_redis("full sessions", lambda client, prefix: client.mget(
            prefix + "full:" + key, prefix + "gen:" + key, prefix + "epoch"))
        if found is None:
            return None, False
        full, generation, epoch = found
        token = known[key] = b"%s:%s" % (generation or b"0", epoch or b"0")
        known[key + ":full"] = full == token
    return known[key], known[key + ":full"]


def mark_full(session_id, token: bytes | None) -> None:
    """Flag the session full at the generation read before its rows were (``token``)."""
    if token is not None:
        _on_redis("full sessions", lambda client, prefix: client.set(
            prefix + "full:" + str(session_id), token, ex=FLAG_SECONDS))


# -- what a transaction changed ----------------------------------------------------------------

def _changes(session: Session) -> dict:
    return session.info.setdefault(_INFO, {"sessions": set(), "capacities": set(), "all": False})


def _ids(where, column: str, table: str = _TABLE) -> set | None:
    """Values compared with ``<table>.<column>`` by = or IN in a WHERE clause."""
    found: set = set()
    for element in visitors.iterate(where) if where is not None else ():
        if (isinstance(element, sa.sql.elements.BinaryExpression)
                and getattr(element.left, "key", None) == column
                and getattr(getattr(element.left, "table", None), "name", None) == table
                and element.operator in (operators.eq, operators.in_op)
                and isinstance(element.right, sa.sql.elements.BindParameter)):
            value = element.right.value
            found.update(value if isinstance(value, (list, tuple, set)) else [value])
    return found or None


@sa.event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    statement = state.statement
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(statement, "table", None), "name", None)
    where = getattr(statement, "whereclause", None)
    if table in _SESSION_TABLES and not state.is_insert:
        column = _SESSION_TABLES[table]
        sessions = _ids(where, column, table) if column else None
        changes = _changes(state.session)
        if sessions:
            changes["sessions"].update(str(s) for s in sessions)
        else:
            changes["all"] = True
        return
    if table != _TABLE or state.execution_options.get(CLAIM):
        return
    changes = _changes(state.session)
    sessions, capacities = _ids(where, "session_id"), _ids(where, "id")
    if sessions:
        changes["sessions"].update(str(s) for s in sessions)
    elif capacities:
        changes["capacities"].update(capacities)
    else:
        changes["all"] = True


@sa.event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, (VaccinationSession, Facility)) and (
                obj in session.deleted or session.is_modified(obj, include_collections=False)):
            if isinstance(obj, VaccinationSession):
                _changes(session)["sessions"].add(str(obj.id))
            else:
                _changes(session)["all"] = True
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, SessionCapacity):
            if obj.session_id is None:
                _changes(session)["all"] = True
            else:
                _changes(session)["sessions"].add(str(obj.session_id))


@sa.event.listens_for(Session, "before_commit")
def _resolve(session: Session) -> None:
    """Name the sessions of changed capacity rows while the transaction can still read."""
    changes = session.info.get(_INFO)
    if not changes or not changes["capacities"]:
        return

    ids = changes["capacities"]
    changes["capacities"] = set()
    rows = session.execute(sa.select(SessionCapacity.session_id).where(
        SessionCapacity.id.in_(ids))).scalars()
    changes["sessions"].update(str(s) for s in rows)


@sa.event.listens_for(Session, "after_commit")
def _bump(session: Session) -> None:
    changes = session.info.pop(_INFO, None)
    if not changes or not (changes["sessions"] or changes["all"]):
        return

    def bump(client, prefix):
        with client.pipeline(transaction=False) as pipe:
            for key in changes["sessions"]:
                pipe.incr(prefix + "gen:" + key).expire(prefix + "gen:" + key, GENERATION_SECONDS)
            if changes["all"]:
                pipe.incr(prefix + "epoch")
            pipe.execute()

    # On failure the flags of these sessions expire within FLAG_SECONDS by themselves.
    _on_redis(f"full-session flags not voided, they expire within {FLAG_SECONDS}s", bump)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_INFO, None)


def app_prefix() -> str:
    """The Redis key prefix of this app's flags (tests)."""
    return (current_app.config.get("CACHE_PREFIX") or DEFAULT_PREFIX) + "booking:"
