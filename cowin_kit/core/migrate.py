"""Run and inspect Alembic migrations on the app's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cowin_kit.core.db import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


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


def _run(fn, *args) -> None:
    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        fn(cfg, *args)


def upgrade(revision: str = "head") -> None:
    """Upgrade the current app's database (needs an app context)."""
    _run(command.upgrade, revision)


def downgrade(revision: str) -> None:
    _run(command.downgrade, revision)


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
