"""``cowin-kit init``: create the first national admin."""

from __future__ import annotations

import click
import sqlalchemy as sa

from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_operations import create_staff_user
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.vaccination.cli import describe


def init_instance(app, profile, echo, options) -> None:
    """Create the first national admin unless one exists."""
    username = options.get("admin_username") or "admin"
    if db.session.execute(sa.select(StaffUser.id).where(
            StaffUser.role == "national_admin")).first():
        echo("  a national admin exists already; none created")
        return
    password = options.get("admin_password")
    if not password:
        raise click.UsageError("no password for the first national admin: pass "
                               "--admin-password or set COWIN_KIT_ADMIN_PASSWORD")
    try:
        create_staff_user(role="national_admin", username=username, password=password,
                          full_name="National administrator")
    except KitError as exc:
        raise click.UsageError(f"first national admin: {describe(exc)}") from None
    echo(f"  national admin '{username}' created")
