"""Demo data: the profile's own areas file."""

from __future__ import annotations

import csv

import click
import sqlalchemy as sa

from cowin_kit.areas.models import Area
from cowin_kit.core.db import db

from .operations import import_areas


def seed(app, profile, echo) -> None:
    """Import the profile's areas (idempotent: only new or changed rows are written)."""
    _refuse_another_country(profile)
    result = import_areas(profile)
    echo(f"  areas: {result.total} areas ({result.created} new, {result.updated} updated)")


def _refuse_another_country(profile) -> None:
    """One demo database holds one country: refuse one whose top areas are not this profile's
    (e.g. a shared COWIN_KIT_DATABASE_URL already seeded with another profile)."""
    with profile.areas_csv_path.open(encoding="utf-8") as handle:
        own = {row["code"] for row in csv.DictReader(handle)}
    foreign = db.session.scalars(sa.select(Area.code).where(
        Area.parent_id.is_(None), Area.code.not_in(own)).order_by(Area.code).limit(3)).all()
    if foreign:
        raise click.ClickException(
            f"the database already holds areas of another country ({', '.join(foreign)}, …), "
            f"not of profile '{profile.code}': one demo holds one country. Use an empty "
            "database (or another --instance-dir with the built-in SQLite).")
