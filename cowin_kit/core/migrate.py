"""Run and inspect Alembic migrations on the app's database.

On PostgreSQL a run is made safe to start while the country is using the kit (docs/deploy.md,
"Upgrades"):

* **One at a time.** A session advisory lock (:data:`ADVISORY_LOCK_ID`) is held for the whole
  run: a second migration Job waits for the first (up to ``MIGRATION_WAIT_SECONDS``, then exits
  saying so) and then finds nothing left to do.
* **One transaction per migration**, so a migration may leave its transaction for work that
  cannot run in one (``CREATE INDEX CONCURRENTLY`` in ``op.get_context().autocommit_block()``,
  see :func:`create_index_concurrently`), and a failure keeps the migrations before it.
* **Never queue in front of the citizens.** An ``ALTER TABLE`` waiting for a lock makes every
  later ``SELECT`` on that table wait behind it. ``lock_timeout`` (``MIGRATION_LOCK_TIMEOUT``
  seconds) makes the migration give up instead, roll back and try again after a pause that
  doubles each time up to a minute (``MIGRATION_LOCK_RETRIES`` more tries), and say which
  lock it could not get.
* **Bounded.** ``statement_timeout`` (``MIGRATION_STATEMENT_TIMEOUT`` seconds) stops a
  statement that runs away.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cowin_kit.core.db import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: pg_advisory_lock key of a migration run (any 64-bit number no other code uses).
ADVISORY_LOCK_ID = 0x636F77696E6D6967  # "cowinmig"
#: The longest pause between two tries of a migration that could not get its lock (seconds).
MAX_RETRY_PAUSE = 60
#: SQLSTATEs of "could not get the lock in time" and "the statement ran too long".
LOCK_NOT_AVAILABLE, QUERY_CANCELED = "55P03", "57014"


class MigrationError(RuntimeError):
    """A migration run stopped; the message says why and what the operator can do."""


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _setting(name: str) -> float:
    """A MIGRATION_* setting (cowin_kit.config.DEFAULTS), in seconds or a count."""
    try:
        value = float(current_app.config[name])
    except (TypeError, ValueError):
        raise MigrationError(f"COWIN_KIT_{name} is {current_app.config[name]!r}: set a "
                             "number") from None
    if value < 0:
        raise MigrationError(f"COWIN_KIT_{name} is {value:g}: set 0 or more")
    return value


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _run(fn, *args, cfg: Config | None = None, echo: Callable[[str], None] | None = None) -> None:
    cfg = cfg or alembic_config()
    echo = echo or (lambda _message: None)
    with db.engine.connect() as connection:
        # Not inside a transaction: Alembic begins one per migration (env.py).
        cfg.attributes["connection"] = connection
        if connection.dialect.name != "postgresql":
            fn(cfg, *args)
            return
        _take_advisory_lock(connection, echo)
        try:
            _set_timeouts(connection)
            _with_lock_retries(connection, lambda: fn(cfg, *args), echo)
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
            connection.commit()


def _take_advisory_lock(connection, echo) -> None:
    """Hold the migration lock on this connection, waiting for another run to finish."""
    locked = connection.execute(text("SELECT pg_try_advisory_lock(:id)"),
                                {"id": ADVISORY_LOCK_ID}).scalar()
    if not locked:
        wait = _setting("MIGRATION_WAIT_SECONDS")
        holder = connection.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND (classid::bigint << 32) + objid::bigint = :id"),
            {"id": ADVISORY_LOCK_ID}).scalar()
        if wait <= 0:
            raise MigrationError(f"another migration is running (PostgreSQL backend {holder}); "
                                 "not waiting for it (MIGRATION_WAIT_SECONDS is 0)")
        echo(f"Another migration is running (PostgreSQL backend {holder}); waiting up to "
             f"{wait:g} s for it to finish…")
        # Only this wait bounds it (not a statement_timeout the role may have by default).
        connection.execute(text("SELECT set_config('lock_timeout', :ms, false), "
                                "set_config('statement_timeout', '0', false)"),
                           {"ms": f"{int(wait * 1000)}"})
        try:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
        except DBAPIError as exc:
            if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
                raise
            connection.rollback()
            raise MigrationError(
                f"another migration (PostgreSQL backend {holder}) was still running after "
                f"{wait:g} s; check it (`kubectl logs job/...-migrate`, pg_stat_activity) and "
                "run the upgrade again, or raise COWIN_KIT_MIGRATION_WAIT_SECONDS") from None
    connection.commit()  # a session lock: it outlives this transaction


def _set_timeouts(connection) -> None:
    """Session settings of every migration transaction on this connection."""
    for name, setting in (("lock_timeout", "MIGRATION_LOCK_TIMEOUT"),
                          ("statement_timeout", "MIGRATION_STATEMENT_TIMEOUT")):
        connection.execute(text("SELECT set_config(:name, :ms, false)"),
                           {"name": name, "ms": f"{int(_setting(setting) * 1000)}"})
    connection.commit()


def _with_lock_retries(connection, run: Callable[[], None], echo) -> None:
    """Run the migrations; when one gives up waiting for a lock, pause and run again (the
    migrations already done are committed, the one that gave up was rolled back)."""
    retries = int(_setting("MIGRATION_LOCK_RETRIES"))
    delay = _setting("MIGRATION_RETRY_DELAY")
    lock_timeout = _setting("MIGRATION_LOCK_TIMEOUT")
    for attempt in range(retries + 1):
        try:
            run()
            return
        except DBAPIError as exc:
            connection.rollback()
            state = _sqlstate(exc)
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            if state == QUERY_CANCELED:
                raise MigrationError(
                    f"a migration statement ran longer than COWIN_KIT_MIGRATION_STATEMENT_TIMEOUT "
                    f"({_setting('MIGRATION_STATEMENT_TIMEOUT'):g} s) and was stopped ({detail}); "
                    "the migrations before it are kept. Raise the setting (and the Job's "
                    "migration.activeDeadlineSeconds) and run the upgrade again") from exc
            if state != LOCK_NOT_AVAILABLE:
                raise
            if attempt == retries:
                raise MigrationError(
                    f"a migration could not get its lock within {lock_timeout:g} s, "
                    f"{retries + 1} times ({detail}): long transactions are holding the table "
                    "(look for old 'idle in transaction' or long queries in pg_stat_activity). "
                    "The migrations before it are kept and nobody was blocked for long; run the "
                    "upgrade again at a quieter time, or raise COWIN_KIT_MIGRATION_LOCK_TIMEOUT / "
                    "COWIN_KIT_MIGRATION_LOCK_RETRIES") from exc
            pause = min(delay * 2 ** attempt, MAX_RETRY_PAUSE) * random.uniform(0.5, 1.0)
            echo(f"A migration waited {lock_timeout:g} s for a lock and gave up ({detail}); "
                 f"trying again in {pause:.1f} s (try {attempt + 2} of {retries + 1})…")
            time.sleep(pause)


def upgrade(revision: str = "head", *, cfg: Config | None = None,
            echo: Callable[[str], None] | None = None) -> None:
    """Upgrade the current app's database (needs an app context)."""
    _run(command.upgrade, revision, cfg=cfg, echo=echo)


def downgrade(revision: str, *, cfg: Config | None = None,
              echo: Callable[[str], None] | None = None) -> None:
    _run(command.downgrade, revision, cfg=cfg, echo=echo)


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def at_head(connection) -> bool:
    return current_revisions(connection) == head_revisions()


def schema_usable(connection) -> bool:
    """True when the schema is at this code's head, or ahead of it.

    Ahead means a newer release has already migrated (its revisions are unknown here): during
    a rolling upgrade the old pods keep serving on the expanded schema, so they stay ready.
    """
    current = current_revisions(connection)
    if not current or current == head_revisions():
        return bool(current)
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    return not current & known
