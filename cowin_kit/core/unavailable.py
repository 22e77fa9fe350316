"""Is this exception a dependency being down? The database or Redis unavailable or read-only.

Shared by ``core.errors`` (a 503 instead of a 500), ``core.outage`` (the fallbacks) and the
health checks; it imports nothing of the kit, so the error handlers can use it at import time.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

#: Database errors (SQLSTATE classes/codes) that mean "not now", not "this request is wrong":
#: 08 connection exception, 25006 read-only transaction, 53 insufficient resources (too many
#: connections, disk full), 57P operator intervention (shutdown, cannot connect now), 40001/40P01
#: serialization failure and deadlock are NOT here: the operations retry or report those.
_UNAVAILABLE_SQLSTATES = ("08", "25006", "53", "57P")


def redis_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a Redis client raises when the server is unreachable or refuses work."""
    import redis  # optional: only instances with REDIS_URL install it

    return (redis.exceptions.RedisError,)


def describe_outage(exc: BaseException) -> tuple[str, str] | None:
    """``(dependency, detail)`` when ``exc`` means the database or Redis is unavailable or
    read-only, else None. The detail names the error class and code, never the URL, the
    statement or its parameters (they may hold personal data)."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return "database", "connection pool exhausted"
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        sqlstate = str(getattr(orig, "sqlstate", None) or "")
        name = type(orig).__name__
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATES) or exc.connection_invalidated:
            return "database", f"{name} (SQLSTATE {sqlstate or 'none'})"
        if isinstance(exc, sa_exc.OperationalError):
            # psycopg: connection refused or lost (no SQLSTATE), statement timeout; SQLite:
            # locked, read-only file, I/O error.
            return "database", (f"{name} (SQLSTATE {sqlstate})" if sqlstate
                                else f"{name}: {_first_line(orig)}")
        return None
    if isinstance(exc, redis_errors()):
        return "redis", type(exc).__name__
    return None


def _first_line(orig: BaseException | None) -> str:
    """The driver's own first line (SQLite: "database is locked"); psycopg's connection errors
    carry host and port, so only their class is kept."""
    if orig is None or type(orig).__module__.startswith("psycopg"):
        return "connection failed"
    return str(orig).strip().splitlines()[0][:120] if str(orig).strip() else "no message"
