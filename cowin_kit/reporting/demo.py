"""Demo data: counters rebuilt from whatever doses the other domains' demo data recorded."""

from __future__ import annotations


def seed(app, profile, echo) -> None:
    """Rebuild the dashboard counters (idempotent; demo doses may have been bulk-inserted)."""
    from cowin_kit.core.db import db
    from cowin_kit.reporting.bands import age_bands
    from cowin_kit.reporting.rollup import rebuild_counters

    total = rebuild_counters(age_bands(profile))
    db.session.commit()
    echo(f"  reporting: dashboard counters cover {total} doses")
