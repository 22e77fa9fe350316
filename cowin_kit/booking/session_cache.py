"""What a booking reads of a session (centre, vaccine, date, slots, age band, its capacity
rows), kept in the process while the session's generation does not move: a booking then reads
no session row at all, and the claim touches only the counter row.

The key is the token ``full_sessions.token_or_refuse`` already read from Redis for the request
(the session's generation and the global epoch): every committed write to the session, its
facility or its capacity rows other than a claim bumps it (``full_sessions``), so an entry is
never used after an edit, a cancellation of the session or a freed dose. Claims do not bump
it, so the copy's ``booked`` counts only lag behind (they never go down without a bump): a
capacity the copy shows full is full, and one it shows open is decided by the claim. An entry
also lives at most ``ENTRY_SECONDS`` (a bump Redis missed while down). Without Redis there is
no token and every booking reads the session.

Entries are detached copies never added to a database session; a request gets its own
persistent copy with ``Session.merge(load=False)`` (no query), so no ORM object is shared
between threads.
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.booking.models import VaccinationSession
from cowin_kit.core.db import db

#: An entry outlives a missed generation bump by no more than this.
ENTRY_SECONDS = 10
MAX_ENTRIES = 4096

_entries: dict[tuple, tuple[float, bytes, VaccinationSession]] = {}
_lock = threading.Lock()


def _key(session_id) -> tuple:
    return (id(db.engine), str(session_id))


def get(session_id, token: bytes | None) -> VaccinationSession | None:
    """This request's persistent copy of the session as cached at ``token``, or None."""
    if token is None:
        return None
    hit = _entries.get(_key(session_id))
    if hit is None or hit[1] != token or hit[0] < time.monotonic():
        return None
    return db.session.merge(hit[2], load=False)


def put(session: VaccinationSession, token: bytes | None) -> None:
    """Remember a session just read (with its facility and capacities) at the ``token`` read
    before its rows."""
    if token is None:
        return
    copy = _detached(session)
    set_committed_value(copy, "facility", _detached(session.facility))
    capacities = [_detached(c) for c in session.capacities]
    for capacity in capacities:
        set_committed_value(capacity, "session", copy)
    set_committed_value(copy, "capacities", capacities)
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[_key(session.id)] = (time.monotonic() + ENTRY_SECONDS, token, copy)


def forget(session_id) -> None:
    """Drop a session's entry (its capacities were found fuller than the copy says)."""
    _entries.pop(_key(session_id), None)


def _detached(obj):
    """A detached copy of a loaded row: its column values only, never in any session."""
    mapper = sa.inspect(obj).mapper
    copy = mapper.class_manager.new_instance()  # instrumented, without __init__
    for attr in mapper.column_attrs:
        set_committed_value(copy, attr.key, getattr(obj, attr.key))
    make_transient_to_detached(copy)
    return copy
