"""Database base class, naming convention and portable column types."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import contextmanager
from collections.abc import Iterator

import sqlalchemy as sa
from flask import g, has_app_context, request
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.sql import util as sql_util
from sqlalchemy.orm import DeclarativeBase, registry

#: Constraint names every migration can rely on (Alembic needs names to drop or alter them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (e.g. utcnow())")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    """Declarative base shared by every domain model."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            dt.datetime: UTCDateTime(),
            uuid.UUID: sa.Uuid(),
            dict: sa.JSON(),
            list: sa.JSON(),
        },
    )


#: The bind key of the read replica's engine (``DATABASE_REPLICA_URL``).
REPLICA = "replica"
#: Tables a public read may take from the replica: what availability and the dashboard show,
#: all public and at most ``PUBLIC_CACHE_SECONDS``/``DASHBOARD_CACHE_SECONDS`` stale anyway.
#: Anything else (accounts, sign-in sessions, rate-limit state…) is read from the primary.
REPLICA_TABLES = frozenset({"area", "facility", "vaccination_session", "session_capacity",
                            "report_dose_counter", "report_dose_day_total"})
#: Endpoints whose reads of those tables go to the replica (public, read-only).
REPLICA_ENDPOINTS = frozenset({
    "cowin_v2.public_find_by_pin", "cowin_v2.public_find_by_district",
    "cowin_v2.public_calendar_by_pin", "cowin_v2.public_calendar_by_district",
    "cowin_v2.public_calendar_by_center", "cowin_v2.find_by_lat_long",
    "booking_api.availability", "booking.find", "reporting.dashboard_page",
})
_READS = "cowin_kit.replica_reads"  # g flag: this request may read from the replica
_WROTE = "cowin_kit.wrote"  # g flag: this request has written: the primary from now on


class RoutingSession(FlaskSession):
    """``db.session``: statements go to the primary, except plain SELECTs of public tables in
    a request that reads from the replica (``use_replica()``) and has not written yet."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        primary = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is not None or not has_app_context() or not g.get(_READS) or g.get(_WROTE):
            return primary
        replica = self._db.engines.get(REPLICA)
        if replica is None:
            return primary
        if self._flushing or not isinstance(clause, sa.Select) \
                or clause._for_update_arg is not None:
            setattr(g, _WROTE, True)  # a write or a lock: this request stays on the primary
            return primary
        tables = {t.name for t in sql_util.find_tables(clause, include_joins=True,
                                                        include_aliases=True)}
        return replica if tables and tables <= REPLICA_TABLES else primary


def use_replica() -> None:
    """Let this request's public reads go to the replica (when one is configured)."""
    setattr(g, _READS, True)


def _route_public_reads() -> None:
    if request.endpoint in REPLICA_ENDPOINTS and request.method in ("GET", "HEAD"):
        use_replica()


def init_replica(app) -> None:
    """Send the public endpoints' reads to ``DATABASE_REPLICA_URL`` when it is set."""
    if app.config.get("DATABASE_REPLICA_URL"):
        app.before_request(_route_public_reads)


db = SQLAlchemy(model_class=Base, disable_autonaming=True,
                session_options={"class_": RoutingSession})


@contextmanager
def committing() -> Iterator[None]:
    """Run the block in the session's transaction: commit at its end, roll back (and re-raise)
    on any exception, so a failed operation never leaves half its writes in the session."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def run_lock(engine: sa.Engine, key: int) -> Iterator[bool]:
    """Yield whether a job run may go ahead: on PostgreSQL whether the session advisory lock
    ``key`` (any 64-bit number) was free, held on a connection of its own until the end; on
    SQLite always (one writer at a time anyway)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar()
        conn.commit()
        try:
            yield bool(got)
        finally:
            if got:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                conn.commit()


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - trivial
    """Make SQLite behave for a multi-threaded web server: WAL, foreign keys, a busy wait."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
