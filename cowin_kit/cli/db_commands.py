"""``cowin-kit db upgrade|downgrade|current`` and ``cowin-kit init``."""

from __future__ import annotations

import click

from cowin_kit.cli.common import pass_app


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@pass_app
def db_upgrade(app, revision: str) -> None:
    """Upgrade the database schema (default: to the latest revision)."""
    from cowin_kit.core import migrate

    click.echo(f"Upgrading database schema to {revision}…")
    migrate.upgrade(revision)
    click.echo("Database schema is up to date.")


@db_group.command("downgrade")
@click.argument("revision")
@pass_app
def db_downgrade(app, revision: str) -> None:
    """Downgrade the database schema to REVISION ('base' removes every table)."""
    from cowin_kit.core import migrate

    click.echo(f"Downgrading database schema to {revision}…")
    migrate.downgrade(revision)
    click.echo("Done.")


@db_group.command("current")
@pass_app
def db_current(app) -> None:
    """Show the database's schema revision and the latest available."""
    from cowin_kit.core import migrate
    from cowin_kit.core.db import db

    with db.engine.connect() as connection:
        current = sorted(migrate.current_revisions(connection)) or ["(empty)"]
    click.echo(f"current: {', '.join(current)}")
    click.echo(f"head:    {', '.join(sorted(migrate.head_revisions()))}")


commands = [db_group]
