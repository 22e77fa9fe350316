"""``cowin-kit i18n extract|update|compile|check``: the translation catalog workflow."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cowin_kit.config import DEFAULTS, SOURCE_ROOT
from cowin_kit.core.i18n_tools import check, compile_catalogs, extract, update


def _dirs(locales_dir: str | None, profiles_dir: str | None) -> tuple[Path, Path]:
    import os

    locales = Path(locales_dir or os.environ.get("COWIN_KIT_LOCALES_DIR") or DEFAULTS["LOCALES_DIR"])
    profiles = Path(profiles_dir or os.environ.get("COWIN_KIT_PROFILES_DIR")
                    or DEFAULTS["PROFILES_DIR"])
    return locales, profiles


locales_option = click.option("--locales-dir", default=None, help="Catalog folder (default: locales/).")


@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogs (Babel): extract, update, compile, check."""


@i18n_group.command("extract")
@locales_option
def extract_command(locales_dir) -> None:
    """Extract translatable messages from the code and templates into locales/messages.pot."""
    locales, _ = _dirs(locales_dir, None)
    extract(SOURCE_ROOT, locales, echo=click.echo)


@i18n_group.command("update")
@locales_option
@click.option("--add", "languages", multiple=True, metavar="LANG",
              help="Create a catalog for a new language (e.g. --add sw).")
@click.option("--only", "only", multiple=True, metavar="LANG",
              help="Update (or create) only this language's catalog; repeatable.")
def update_command(locales_dir, languages, only) -> None:
    """Merge messages.pot into every catalog (new messages appear untranslated)."""
    locales, _ = _dirs(locales_dir, None)
    if not (locales / "messages.pot").exists():
        raise click.ClickException("no locales/messages.pot yet: run 'cowin-kit i18n extract' first")
    update(locales, list(languages), echo=click.echo, only=list(only) or None)


@i18n_group.command("compile")
@locales_option
@click.option("--force", is_flag=True, help="Recompile even when up to date.")
@click.option("--profiles-dir", default=None, help="Profiles whose own catalogs are compiled too.")
def compile_command(locales_dir, force, profiles_dir) -> None:
    """Compile the catalogs (.po) into the binary form the app reads (.mo), the shared ones and
    each profile's own (country_profiles/<cc>/locales/)."""
    locales, profiles = _dirs(locales_dir, profiles_dir)
    count = compile_catalogs(locales, echo=click.echo, force=force, profiles_dir=profiles)
    click.echo(f"{count} catalog(s) compiled")


@i18n_group.command("check")
@locales_option
@click.option("--profiles-dir", default=None, help="Profiles whose languages need catalogs.")
@click.option("--languages", default=None, metavar="LANG,LANG",
              help="Check only these languages (e.g. en,hi,ar); default: every catalog and "
                   "every language a profile lists.")
def check_command(locales_dir, profiles_dir, languages) -> None:
    """Fail on missing, fuzzy or stale translations, placeholder or plural mismatches,
    and profile languages without a catalog (shared and per-country catalogs)."""
    locales, profiles = _dirs(locales_dir, profiles_dir)
    chosen = [lang.strip() for lang in languages.split(",") if lang.strip()] if languages else None
    problems = check(locales, profiles, chosen)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("all catalogs complete")


commands = [i18n_group]
