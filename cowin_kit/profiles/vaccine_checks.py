"""The vaccines' primary series and boosters in a profile: known vaccines and groups, one
interval between each pair of doses, minimum before maximum, dated rules that do not overlap,
and no vaccine left out of every schedule and booster."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .durations import DurationError, add, parse_duration
from .entries import check_known, items, unique
from .yamlsrc import Source, render_path


def _periods(src: Source, rules, what: str) -> None:
    spans = []
    for path, rule in rules:
        start, until = rule.get("from"), rule.get("until")
        if isinstance(start, dt.date) and isinstance(until, dt.date) and until < start:
            src.problem(path + ("until",), f"{render_path(path + ('until',))}: {until} is before "
                        f"from ({start}); expected until on or after from")
        if isinstance(start, dt.date):
            spans.append((start, until if isinstance(until, dt.date) else dt.date.max, path))
    spans.sort(key=lambda s: s[0])
    for (_s1, e1, p1), (s2, _e2, p2) in zip(spans, spans[1:]):
        if s2 <= e1:
            src.problem(p2 + ("from",), f"{render_path(p2 + ('from',))}: {what} rule from {s2} "
                        f"overlaps the rule at line {src.line(p1)}; expected dated rules not "
                        "to overlap")


def check_unused_vaccines(src: Source, vaccines: set) -> None:
    used = set()
    for _p, sched in items(src, "schedules"):
        used |= {sched.get("vaccine"), *(sched.get("interchangeable_with") or ())}
    for path, booster in items(src, "boosters"):
        used |= set(booster.get("products") or ())
        used |= {v for _rp, rule in items(src, *path, "rules") for v in rule.get("products") or ()}
    for path, vac in items(src, "vaccines"):
        if vac.get("id") in vaccines and vac["id"] not in used:
            src.problem(path + ("id",), f"{render_path(path + ('id',))}: vaccine {vac['id']!r} "
                        "is in no schedule or booster; expected a schedules entry or a booster "
                        "listing it (or remove it)")


def check_schedules(src: Source, vaccines: set) -> set:
    """Check the primary series; return the vaccine ids that have one."""
    entries = items(src, "schedules")
    scheduled = unique(src, entries, "vaccine", "schedule for vaccine")
    for path, sched in entries:
        vac = sched.get("vaccine")
        if isinstance(vac, str) and vac not in vaccines:
            src.problem(path + ("vaccine",), f"{render_path(path + ('vaccine',))}: unknown "
                        f"vaccine {vac!r}; expected one of: {', '.join(sorted(vaccines))}")
        check_known(src, path + ("interchangeable_with",), sched.get("interchangeable_with"),
               vaccines, "vaccine")
        doses = sched.get("doses")
        if not isinstance(doses, int):
            continue
        for key_path, intervals in [(path + ("intervals",), sched.get("intervals") or [])] + [
                (rp + ("intervals",), rule.get("intervals") or [])
                for rp, rule in items(src, *path, "rules")]:
            if isinstance(intervals, list) and len(intervals) != doses - 1:
                src.problem(key_path, f"{render_path(key_path)}: {len(intervals)} interval(s) "
                            f"for {doses} doses; expected {doses - 1} (one between each pair)")
            for index, interval in enumerate(intervals if isinstance(intervals, list) else []):
                _min_max(src, key_path + (index,), interval, "min", "max")
        _periods(src, items(src, *path, "rules"), "schedule")
    return scheduled


def _min_max(src: Source, path: tuple, item: Any, low_key: str, high_key: str) -> None:
    if not isinstance(item, dict):
        return
    try:
        low, high = parse_duration(item.get(low_key)), parse_duration(item.get(high_key))
    except DurationError:
        return
    day = dt.date(2001, 1, 1)
    if add(day, high) < add(day, low):
        src.problem(path + (high_key,), f"{render_path(path + (high_key,))}: "
                    f"{item[high_key]} is shorter than {low_key} {item[low_key]}; "
                    f"expected {high_key} >= {low_key}")


def check_boosters(src: Source, vaccines: set, groups: set, scheduled: set) -> None:
    for path, booster in items(src, "boosters"):
        check_known(src, path + ("after",), booster.get("after"), scheduled & vaccines,
               "vaccine with a primary schedule")
        check_known(src, path + ("products",), booster.get("products"), vaccines, "vaccine")
        check_known(src, path + ("groups",), booster.get("groups"), groups, "priority group")
        _min_max(src, path, booster, "min_interval", "max_interval")
        for rp, rule in items(src, *path, "rules"):
            check_known(src, rp + ("products",), rule.get("products"), vaccines, "vaccine")
            check_known(src, rp + ("groups",), rule.get("groups"), groups, "priority group")
            _min_max(src, rp, {"min_interval": booster.get("min_interval"), **rule},
                     "min_interval", "max_interval")
        _periods(src, items(src, *path, "rules"), "booster")

