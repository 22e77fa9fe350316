"""Priority tiers from the profile's dated phases (issue #21).

Eligibility already follows ``eligibility.phases`` (schedule.py). Where doses are scarce the
same phases order people: a person's tier is the rank of the earliest phase start date among
the phases that admit them on the day (0 first). Health workers admitted since the first phase
come before people 60 and over admitted since the third, and so on; phases starting on the same
day share a tier. A profile without phases puts everyone in tier 0.
"""

from __future__ import annotations

import datetime as dt

from cowin_kit.profiles.labels import pick
from cowin_kit.profiles.model import Profile
from cowin_kit.profiles.schedule import _phase_admits


def phase_starts(profile: Profile) -> list[dt.date]:
    """The distinct start dates of the phases, earliest first (tier i = the i-th date)."""
    return sorted({p.period.start for p in profile.eligibility.phases})


def priority_tier(profile: Profile, person, day: dt.date) -> int:
    """The tier of ``person`` (a schedule.Person) on ``day``; people no phase admits come last."""
    starts = phase_starts(profile)
    if not starts:
        return 0
    rule = profile.eligibility.age_on
    admitting = [p.period.start for p in profile.eligibility.phases
                 if _phase_admits(p, person, day, rule)]
    return starts.index(min(admitting)) if admitting else len(starts)


def tier_label(profile: Profile, tier: int, language: str) -> str:
    """The labels of the phases of a tier, joined (for staff pages)."""
    starts = phase_starts(profile)
    if tier >= len(starts):
        return "—"
    return " / ".join(p.label(language) for p in profile.eligibility.phases
                      if p.period.start == starts[tier])


def group_evidence(profile: Profile, group_id: str, language: str) -> str | None:
    """What staff check at the desk for a priority group (``priority_groups[].evidence``)."""
    for group in (profile.data.get("eligibility") or {}).get("priority_groups") or ():
        if group["id"] == group_id and group.get("evidence"):
            return pick(group["evidence"], language, profile.default_language)
    return None
