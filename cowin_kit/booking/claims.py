"""The capacity claim: take one dose of a session with one conditional UPDATE (decided by the
database row lock), or, on PostgreSQL, send a booking's INSERTs, the claim and the COMMIT in one
psycopg pipeline; and give a dose back. Used by :mod:`cowin_kit.booking.operations`,
:mod:`~cowin_kit.booking.changes` and :mod:`~cowin_kit.booking.allotted`.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401 - sa.orm.make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.booking import errors, full_sessions
from cowin_kit.booking.models import SessionCapacity
from cowin_kit.core.db import db

capacity_table = SessionCapacity.__table__


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
