"""Demo data: a vaccination history at the demo facilities, then counters rebuilt from it."""

from __future__ import annotations

import sqlalchemy as sa

#: How much history the demo shows: enough for charts, quick to create on SQLite.
DEMO_PEOPLE = 1500
DEMO_DAYS = 60


def seed(app, profile, echo) -> None:
    """Give the demo a past (once), then rebuild the dashboard counters (idempotent)."""
    from cowin_kit.booking.models import Facility
    from cowin_kit.core.db import db
    from cowin_kit.reporting.bands import age_bands
    from cowin_kit.reporting.labels import local_today
    from cowin_kit.reporting.rollup import rebuild_counters
    from cowin_kit.reporting.seed import seed as seed_history
    from cowin_kit.vaccination.models import DoseRecord

    doses = db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord))
    if doses < 100:  # no history yet (the demo's own desk doses are a handful)
        facilities = list(db.session.scalars(sa.select(Facility.id).where(Facility.active)))
        if facilities:
            names = [p["name"] for p in (profile.data.get("demo") or {}).get("people") or []]
            made = seed_history(profile, beneficiaries=DEMO_PEOPLE, facilities=0, days=DEMO_DAYS,
                                today=local_today(), facility_ids=facilities,
                                names=names or None)
            db.session.commit()
            echo(f"  reporting: {made['doses']:,} past doses for {DEMO_PEOPLE:,} people over "
                 f"{DEMO_DAYS} days")
    total = rebuild_counters(age_bands(profile))
    db.session.commit()
    echo(f"  reporting: dashboard counters cover {total:,} doses")
