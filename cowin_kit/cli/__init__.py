"""The ``cowin-kit`` command line. Domains add commands in ``cowin_kit/<domain>/cli.py``
by listing click commands or groups in a module-level ``commands`` list."""

from __future__ import annotations

import functools

import click

from cowin_kit import __version__
from cowin_kit.app import domain_modules
from cowin_kit.cli import db_commands, demo
from cowin_kit.cli.common import AppContextError, pass_app  # noqa: F401 - re-exported


class _KitGroup(click.Group):
    """The root group: the domains' commands are added the first time a command is looked up,
    not when this package is imported (a domain's cli.py imports ``cowin_kit.cli.common``, which
    runs this package first; loading the domains here then would import that cli.py half-done)."""

    def list_commands(self, ctx):
        _load_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        _load_commands()
        return super().get_command(ctx, cmd_name)


@click.group(cls=_KitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cowin-kit")
def cli() -> None:
    """cowin-kit: run a national vaccination platform.

    Settings come from COWIN_KIT_* environment variables (see docs/configuration.md).
    """


@functools.cache
def _load_commands() -> None:
    for command in (*db_commands.commands, *demo.commands):
        cli.add_command(command)
    for module in domain_modules("cli"):
        for command in getattr(module, "commands", []):
            cli.add_command(command)
