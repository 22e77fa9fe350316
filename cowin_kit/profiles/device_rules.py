"""The profile's rules as plain data for a device that works offline (the offline desk, issue
#22): how to check each identity document number, and the eligibility rules in force on one
day. The device runs generic algorithms keyed by name (luhn, verhoeff, mod11_weighted …) with
the parameters given here; no country is named in its code.

A device check may be weaker than the server's (``complete: false``: a format only, or a check
digit without the extra rules python-stdnum applies) but never stricter: the server validates
again when the device syncs.
"""

from __future__ import annotations

import datetime as dt
import importlib

from .checks import split_spec
from .identity import IdDocument
from .model import Profile

#: Named checks the device runs as they are (same name, same parameters).
SAME_ON_DEVICE = frozenset({"none", "luhn", "verhoeff", "mod11_weighted", "icao_731"})

#: Checks of this kit or python-stdnum modules, as the generic algorithm the device runs on the
#: normalised number. ``skip``: characters before the checked digits; ``exempt_from``: a set
#: in the stdnum module of numbers accepted though their check digit fails.
EQUIVALENTS: dict[str, dict] = {
    "rnokpp": {"algorithm": "mod11_weighted", "weights": [-1, 5, 7, 9, 4, 6, 10, 5, 7],
               "modulus": 11, "complete": False},
    "stdnum:in_.aadhaar": {"algorithm": "verhoeff", "complete": False},
    "stdnum:in_.epic": {"algorithm": "luhn", "skip": 3, "complete": True},
    "stdnum:do.cedula": {"algorithm": "luhn", "exempt_from": "whitelist", "complete": True},
    "stdnum:pe.cui": {"algorithm": "weighted_mod_table", "weights": [3, 2, 7, 6, 5, 4, 3, 2],
                      "modulus": 11, "tables": ["65432110987", "KJIHGFEDCBA"],
                      "complete": True},
}


def id_rule(doc: IdDocument, language: str | None) -> dict:
    """What a device needs to check a number of this document type."""
    name, params = split_spec(doc.check)
    if name in SAME_ON_DEVICE:
        check, complete = {"algorithm": name, **params}, True
    elif name in EQUIVALENTS:
        check = dict(EQUIVALENTS[name])
        complete = check.pop("complete")
        if "exempt_from" in check:
            module = importlib.import_module("stdnum." + name[len("stdnum:"):])
            check["exempt"] = sorted(getattr(module, check.pop("exempt_from")))
    else:  # checked on the server only (the device checks the format)
        check, complete = {"algorithm": "none"}, False
    return {"id": doc.id, "label": doc.label(language), "format": doc.format,
            "remove": doc.remove, "upper": doc.upper, "example": doc.example,
            "min_age": doc.min_age, "check": check, "complete": complete}


def duration(value) -> dict | None:
    """An ISO 8601 duration as {years, months, days} (what a device adds to a date)."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return {"years": 0, "months": 0, "days": value.days}
    return {"years": int(value.years), "months": int(value.months),
            "days": value.tdelta.days}


def day_rules(profile: Profile, day: dt.date) -> dict:
    """The schedule engine's rules in force on ``day`` (the pack's day), as data: the device
    checks a dose given that day as ``schedule.check_dose`` would."""
    phases = profile.eligibility.phases
    schedules = []
    for schedule in profile.schedules:
        rule = next((r for r in schedule.rules if r.period.contains(day)), None)
        intervals = rule.intervals if rule is not None else schedule.intervals
        schedules.append({"vaccine": schedule.vaccine, "doses": schedule.doses,
                          "products": [schedule.vaccine, *schedule.interchangeable_with],
                          "min_intervals": [duration(i.min) for i in intervals]})
    boosters = []
    for booster in profile.boosters:
        terms = next((t for t in booster.rules if t.period.contains(day)), None)
        if terms is None and day >= booster.base.period.start:
            terms = booster.base
        boosters.append({"after": list(booster.after), "count": booster.count, "terms": None
                         if terms is None else {"min_interval": duration(terms.min_interval),
                                                "products": list(terms.products),
                                                "min_age": terms.min_age,
                                                "groups": list(terms.groups)}})
    return {
        "day": day.isoformat(), "age_on": profile.eligibility.age_on,
        "min_age": profile.eligibility.min_age,
        # None: no phases (everyone of age); else the phases open today (none: nobody).
        "phases": None if not phases else [
            {"groups": list(p.groups), "min_age": p.min_age, "max_age": p.max_age}
            for p in phases if p.period.contains(day)],
        "vaccines": [{"id": v.id, "name": v.name, "min_age": v.min_age, "max_age": v.max_age}
                     for v in profile.vaccines if v.available_on(day)],
        "schedules": schedules, "boosters": boosters,
    }
