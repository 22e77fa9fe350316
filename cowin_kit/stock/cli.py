"""``cowin-kit stock``: make the stores, close vials past the open-vial policy."""

from __future__ import annotations

import click

from cowin_kit.cli.common import pass_app
from cowin_kit.core.db import db
from cowin_kit.stock.operations import sync_stores as sync
from cowin_kit.stock.vials import close_due_vials


@click.group("stock")
def stock_group() -> None:
    """Vaccine stores and stock."""


@stock_group.command("sync-stores")
@pass_app
def sync_stores(app) -> None:
    """Make the national store, a store per state and district, and one per facility."""
    with app.app_context():
        click.echo(f"{sync()} stores made")


@stock_group.command("close-vials")
@pass_app
def close_vials(app) -> None:
    """Close every open vial the open-vial policy says to discard by now (run it hourly)."""
    with app.app_context():
        closed = close_due_vials()
        db.session.commit()
        click.echo(f"{closed} vials closed")


commands = [stock_group]
