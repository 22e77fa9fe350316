"""``cowin-kit db upgrade|downgrade|current`` and ``cowin-kit init``."""

from __future__ import annotations

import click

from cowin_kit.cli.common import pass_app
from cowin_kit.core import migrate
from cowin_kit.core.db import db
from cowin_kit.core.dbroles import RoleError, grant_app_role
from cowin_kit.core.migrate import MigrationError


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.option("--app-role", metavar="ROLE", default=None,
              help="PostgreSQL: then grant ROLE what the app needs (see db grant-app-role).")
@pass_app
def db_upgrade(app, revision: str, app_role: str | None) -> None:
    """Upgrade the database schema (default: to the latest revision)."""
    click.echo(f"Upgrading database schema to {revision}…")
    _migrating(migrate.upgrade, revision)
    click.echo("Database schema is up to date.")
    if app_role:
        _grant(app_role)


@db_group.command("grant-app-role")
@click.argument("role")
@pass_app
def db_grant_app_role(app, role: str) -> None:
    """PostgreSQL: create ROLE if missing and let it use the schema, not change it.

    Run as the schema owner (the role that runs migrations), after every upgrade. ROLE gets
    SELECT, INSERT, UPDATE, DELETE on every table but only SELECT, INSERT on audit_log; the
    app then connects as ROLE (COWIN_KIT_DATABASE_URL). See docs/security.md.
    """
    _grant(role)


def _grant(role: str) -> None:
    from sqlalchemy.exc import ProgrammingError

    try:
        with db.engine.begin() as connection:
            done = grant_app_role(connection, role)
    except RoleError as exc:
        raise click.ClickException(str(exc)) from exc
    except ProgrammingError as exc:  # e.g. not the owner, or no CREATEROLE for a new role
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise click.ClickException(
            f"cannot grant {role}: {reason}. Run this as the schema owner (the migration "
            "role); creating the role also needs CREATEROLE, or create it first.") from exc
    for line in done:
        click.echo(line)


@db_group.command("downgrade")
@click.argument("revision")
@pass_app
def db_downgrade(app, revision: str) -> None:
    """Downgrade the database schema to REVISION ('base' removes every table)."""
    click.echo(f"Downgrading database schema to {revision}…")
    _migrating(migrate.downgrade, revision)
    click.echo("Done.")


def _migrating(run, revision: str) -> None:
    """Run a migration, telling the operator about waits and retries; a MigrationError (another
    run, a lock or statement timeout) exits 1 with its message, no traceback."""
    try:
        run(revision, echo=click.echo)
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc


@db_group.command("current")
@pass_app
def db_current(app) -> None:
    """Show the database's schema revision and the latest available."""
    with db.engine.connect() as connection:
        current = sorted(migrate.current_revisions(connection)) or ["(empty)"]
    click.echo(f"current: {', '.join(current)}")
    click.echo(f"head:    {', '.join(sorted(migrate.head_revisions()))}")


commands = [db_group]
