"""Demo data: the profile's own areas file."""

from __future__ import annotations

from .operations import import_areas


def seed(app, profile, echo) -> None:
    """Import the profile's areas (idempotent: only new or changed rows are written)."""
    result = import_areas(profile)
    echo(f"  areas: {result.total} areas ({result.created} new, {result.updated} updated)")
