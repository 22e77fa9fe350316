"""``cowin-kit areas import CSV`` and ``cowin-kit areas list``."""

from __future__ import annotations

import os
import sys

import click

from cowin_kit.cli.common import pass_app
from cowin_kit.core.errors import NotFound
from cowin_kit.profiles import get_profile

from . import queries
from .operations import AreaImportFailed, import_areas


@click.group("areas")
def areas_group() -> None:
    """Load and inspect the admin hierarchy (states, districts, blocks …)."""


@areas_group.command("import")
@click.argument("csv_file", required=False, type=click.Path(dir_okay=False))
@click.option("--profile", "profile", default=None, metavar="CC",
              help="Country profile whose admin levels the file uses (default: "
                   "COWIN_KIT_PROFILE).")
@click.option("--dry-run", is_flag=True, help="Check the file and count; write nothing.")
def import_command(csv_file, profile, dry_run) -> None:
    """Import or refresh areas from CSV_FILE (default: the profile's own areas file).

    Rows are matched by code, so running it again changes nothing; a file may add children
    to areas already imported. Any problem aborts the import and is printed as file:line.
    """
    if profile:
        os.environ["COWIN_KIT_PROFILE"] = profile

    @pass_app
    def run(app):
        loaded = get_profile()
        source = csv_file or loaded
        try:
            result = import_areas(source, loaded, dry_run=dry_run)
        except AreaImportFailed as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s); nothing was imported.", err=True)
            sys.exit(1)
        verb = "would import" if dry_run else "imported"
        click.echo(f"{verb} {result.total} areas: {result.created} new, {result.updated} "
                   f"updated, {result.unchanged} unchanged")

    run()


@areas_group.command("list")
@click.option("--parent", default=None, metavar="CODE", help="List the areas below CODE.")
def list_command(parent) -> None:
    """List the first-level areas, or the children of --parent."""
    @pass_app
    def run(app):
        language = get_profile().default_locale.split("_")[0]
        try:
            rows = queries.children(queries.get_by_code(parent) if parent else None)
        except NotFound:
            raise click.ClickException(f"no area with code {parent!r}") from None
        for area in rows:
            click.echo(f"{area.id}\t{area.code}\t{area.level_key}\t{area.display_name(language)}")

    run()


commands = [areas_group]
