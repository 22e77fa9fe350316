"""``cowin-kit user create``: staff accounts from the command line."""

from __future__ import annotations

import click

from cowin_kit.accounts.staff_operations import create_staff_user
from cowin_kit.accounts.staff_permissions import ROLES
from cowin_kit.cli.common import pass_app
from cowin_kit.core.errors import KitError


def describe(exc) -> str:
    """One line for a refused KitError: the message and each field's problems."""
    details = "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in exc.fields.items())
    return f"{exc.text()} {details}".strip()


@click.group("user")
def user_group() -> None:
    """Manage staff accounts."""


@user_group.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--username", required=True)
@click.option("--area", "area_code", default=None, metavar="CODE",
              help="Area code (area_admin; optional for auditor: nationwide without it).")
@click.option("--facility", "facility_code", default=None, metavar="CODE",
              help="Facility code (facility_manager, vaccinator).")
@click.option("--full-name", default="")
@click.option("--password", default=None, envvar="COWIN_KIT_USER_PASSWORD",
              help="Asked for when not given (or set COWIN_KIT_USER_PASSWORD).")
@pass_app
def create_user(app, role, username, area_code, facility_code, full_name, password) -> None:
    """Create a staff account with a role and its area or facility."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_staff_user(role=role, username=username, password=password,
                                 full_name=full_name, area_code=area_code,
                                 facility_code=facility_code)
    except KitError as exc:
        raise click.ClickException(describe(exc)) from None
    click.echo(f"Created {user.role} '{user.username}' (id {user.id}).")


commands = [user_group]
