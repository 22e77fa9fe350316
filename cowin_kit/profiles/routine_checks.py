"""Validate a profile's routine.yaml: its shape (routine_schema.py) and cross-checks: known
antigens and products, consistent ages and intervals, reported as ``file:line: message``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from .ages import REFERENCE, AgeError, after, longer, parse_age
from .entries import check_known, items, unique
from .routine_schema import ROUTINE
from .yamlsrc import Problem, Source, parse, render_path

ROUTINE_FILE = "routine.yaml"


def _ids(src: Source, entries, what: str) -> dict[str, dict]:
    """The entries by id; a repeated id is a problem (the first one is kept)."""
    unique(src, entries, "id", what)
    found: dict[str, dict] = {}
    for _path, item in entries:
        if isinstance(item.get("id"), str):
            found.setdefault(item["id"], item)
    return found


def _unknown(src: Source, path: tuple, values, known, what: str) -> None:
    check_known(src, path, values if isinstance(values, list) else (), known, what)


def _age(item: dict, key: str):
    try:
        return parse_age(item[key]) if item.get(key) is not None else None
    except AgeError:
        return None


def _order(src: Source, path: tuple, item: dict, pairs) -> None:
    """Each (low, high) pair of ages in ``item``: high must not be before low."""
    for low, high in pairs:
        a, b = _age(item, low), _age(item, high)
        if a is not None and b is not None and longer(a, b):
            src.problem(path + (high,), f"{render_path(path + (high,))}: {item[high]} is "
                        f"before {low} {item[low]}; expected {high} >= {low}")


def _check_doses(src: Source, path: tuple, doses: list[tuple[tuple, dict]],
                 series_max, timeline: bool = True) -> None:
    """Ages in order within each dose, and (``timeline``: doses of one childhood or one
    pregnancy) each recommended age reachable from the one before it by the minimum interval,
    else the schedule contradicts itself."""
    previous = None  # (the previous dose's age as written, parsed)
    for dpath, dose in doses:
        ages = {k: _age(dose, k) for k in ("age", "min_age", "late_age", "max_age",
                                            "min_interval", "interval")}
        top = ages["max_age"] if "max_age" in dose else series_max
        _order(src, dpath, dose, [("min_age", "age"), ("age", "late_age"),
                                  ("min_interval", "interval")])
        if dose.get("if_missed") == "skip" and top is None:
            src.problem(dpath + ("if_missed",), f"{render_path(dpath + ('if_missed',))}: a dose "
                        "skipped when missed needs the age it is missed at; expected a max_age")
        if top is not None and ages["late_age"] is not None and longer(ages["late_age"], top):
            src.problem(dpath + ("late_age",), f"{render_path(dpath + ('late_age',))}: "
                        f"{dose['late_age']} is after max_age {_show(top)}; expected a dose to "
                        "be overdue before it is no longer given")
        if top is not None and ages["age"] is not None and not longer(top, ages["age"]):
            where = dpath + ("max_age",) if "max_age" in dose else path + ("max_age",)
            src.problem(where, f"{render_path(dpath)}: max_age {_show(top)} is not after the "
                        f"recommended age {dose['age']}; expected the dose to be given at "
                        "its age")
        if previous is None and "min_interval" in dose:
            src.problem(dpath + ("min_interval",), f"{render_path(dpath + ('min_interval',))}:"
                        " the first dose of a series has no previous dose; expected no "
                        "min_interval")
        if timeline and previous is not None and ages["age"] is not None:
            gap = ages["interval"] or ages["min_interval"]
            ptext, page = previous
            if page is not None and gap is not None and \
                    after(after(REFERENCE, page), gap) > after(REFERENCE, ages["age"]):
                src.problem(dpath + ("age",), f"{render_path(dpath + ('age',))}: {dose['age']} "
                            f"comes before the previous dose's age ({ptext}) plus "
                            f"the interval {_show(gap)}; expected an age the interval allows")
            elif page is not None and longer(page, ages["age"]):
                src.problem(dpath + ("age",), f"{render_path(dpath + ('age',))}: {dose['age']} "
                            "is before the previous dose's age; expected doses in order")
        previous = (dose.get("age"), ages["age"])


def _show(value) -> str:
    if isinstance(value, dt.timedelta):
        return f"{value.days // 7}w" if value.days and not value.days % 7 else f"{value.days}d"
    parts = [f"{int(value.years)}y" if value.years else "",
             f"{int(value.months)}m" if value.months else "",
             f"{value.tdelta.days}d" if value.tdelta.days else ""]
    return "".join(parts) or "0d"


def check_routine(src: Source) -> None:
    """Cross-checks on a routine.yaml whose shape is known to be right where it matters."""
    antigens = _ids(src, items(src, "antigens"), "antigen id")
    products = _ids(src, items(src, "products"), "product id")
    _ids(src, items(src, "programmes"), "programme id")
    covered = set()
    for path, product in items(src, "products"):
        _unknown(src, path + ("antigens",), product.get("antigens"), antigens, "antigen")
        covered |= set(product.get("antigens") or ())
        _order(src, path, product, [("min_age", "max_age")])
    for path, antigen in items(src, "antigens"):
        if antigen.get("id") in antigens and antigen["id"] not in covered:
            src.problem(path + ("id",), f"{render_path(path + ('id',))}: antigen "
                        f"{antigen['id']!r} is in no product; expected a product listing it")
    for path, prog in items(src, "programmes"):
        _check_programme(src, path, prog, antigens, products)
    _check_report_doses(src)
    _check_live(src)


def _check_live(src: Source) -> None:
    """``live`` products and ``live_spacing`` come together."""
    data = src.data if isinstance(src.data, dict) else {}
    live = [(path, p) for path, p in items(src, "products") if p.get("live") is True]
    if live and "live_spacing" not in data:
        path = live[0][0] + ("live",)
        src.problem(path, f"{render_path(path)}: a live vaccine needs the spacing between "
                    "two live vaccines; expected live_spacing (WHO: 4w) at the top of the file")
    if "live_spacing" in data and not live:
        src.problem(("live_spacing",), "live_spacing: no product is marked live; expected "
                    "live: true on the live vaccines' products (or no live_spacing)")


def _series_lengths(src: Source) -> dict[str, int]:
    """Each antigen's number of doses in the programmes from birth (the longest series)."""
    lengths: dict[str, int] = {}
    for _path, prog in items(src, "programmes"):
        if prog.get("anchor", "birth") != "birth":
            continue
        for series in prog.get("series") or ():
            if isinstance(series, dict) and isinstance(series.get("doses"), list):
                antigen = series.get("antigen")
                lengths[antigen] = max(lengths.get(antigen, 0), len(series["doses"]))
    return lengths


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _check_report_doses(src: Source) -> None:
    """``fully_immunised`` and ``dropout`` name doses the birth programmes have."""
    lengths = _series_lengths(src)
    data = src.data if isinstance(src.data, dict) else {}
    refs = [(("fully_immunised", i), ref)
            for i, ref in enumerate(_list(data.get("fully_immunised")))]
    for path, pair in [(("dropout", i), p) for i, p in enumerate(_list(data.get("dropout")))]:
        if not isinstance(pair, list):
            continue
        if len(pair) > 2:  # fewer: the shape check says so
            src.problem(path, f"{render_path(path)}: {len(pair)} doses; expected two: the "
                        "first dose and the later one")
        refs += [(path + (i,), ref) for i, ref in enumerate(pair or ()) if len(pair) == 2]
    for path, ref in refs:
        if not isinstance(ref, str) or ":" not in ref:
            continue
        antigen, number = ref.split(":")
        if int(number) > lengths.get(antigen, 0):
            src.problem(path, f"{render_path(path)}: {ref!r} is not a dose of a programme from "
                        f"birth; expected one of: "
                        + ", ".join(f"{a}:1..{n}" for a, n in sorted(lengths.items())))
        elif path[0] == "fully_immunised":
            _check_in_time(src, path, ref, _birth_dose(src, antigen, int(number)), data)


def _birth_dose(src: Source, antigen: str, number: int) -> dict:
    """The ``number``-th dose of the first series from birth that has it (as the reports)."""
    for _path, prog in items(src, "programmes"):
        for series in prog.get("series") or () if prog.get("anchor", "birth") == "birth" else ():
            doses = series.get("doses") if isinstance(series, dict) else None
            if series.get("antigen") == antigen and isinstance(doses, list) \
                    and number <= len(doses) and isinstance(doses[number - 1], dict):
                return doses[number - 1]
    return {}


def _check_in_time(src: Source, path: tuple, ref: str, dose: dict, data: dict) -> None:
    """A FIC dose recommended at or after ``fully_immunised_by`` could never count."""
    age, by = _age(dose, "age"), _age(data, "fully_immunised_by") or parse_age("1y")
    if age is not None and not longer(by, age):
        src.problem(path, f"{render_path(path)}: {ref!r} ({dose.get('name')}) is recommended "
                    f"at {dose['age']}, not before fully_immunised_by {_show(by)}; expected "
                    "fully_immunised_by after it (2y where the first measles dose is at 12m)")


def _offered(src: Source, path: tuple, offered, antigen: str, products: dict) -> None:
    """A series' or a dose's products: known, and each containing the antigen."""
    _unknown(src, path + ("products",), offered, products, "product")
    for index, pid in enumerate(offered if isinstance(offered, list) else ()):
        if pid in products and antigen not in (products[pid].get("antigens") or ()):
            src.problem(path + ("products", index), f"{render_path(path)}.products[{index}]: "
                        f"product {pid!r} does not contain {antigen!r}; expected a product "
                        "whose antigens include it")


def _check_programme(src: Source, path: tuple, prog: dict, antigens: dict,
                     products: dict) -> None:
    start, until = prog.get("from"), prog.get("until")
    if prog.get("kind") == "campaign" and "from" not in prog:
        src.problem(path, f"{render_path(path)}: a campaign needs the day it starts; expected "
                    "from: YYYY-MM-DD")
    for key in ("from", "until"):
        if key in prog and prog.get("kind") != "campaign":
            src.problem(path + (key,), f"{render_path(path + (key,))}: only a campaign runs "
                        "between dates; expected kind: campaign (or no dates)")
    if isinstance(start, dt.date) and isinstance(until, dt.date) and until < start:
        src.problem(path + ("until",), f"{render_path(path + ('until',))}: {until} is before "
                    f"from ({start}); expected until on or after from")
    if prog.get("counts_earlier_doses") and prog.get("anchor") != "pregnancy":
        src.problem(path + ("counts_earlier_doses",), f"{render_path(path)}."
                    "counts_earlier_doses: only pregnancy programmes count doses from before "
                    "the pregnancy; expected anchor: pregnancy")
    seen: dict[str, tuple] = {}
    for spath, series in items(src, *path, "series"):
        antigen = series.get("antigen")
        if isinstance(antigen, str) and antigen not in antigens:
            src.problem(spath + ("antigen",), f"{render_path(spath + ('antigen',))}: unknown "
                        f"antigen {antigen!r}; expected one of: {', '.join(sorted(antigens))}")
            continue
        if antigen in seen:
            src.problem(spath + ("antigen",), f"{render_path(spath + ('antigen',))}: antigen "
                        f"{antigen!r} has a series already (line {src.line(seen[antigen])}); "
                        "expected one series per antigen in a programme")
        seen[antigen] = spath
        listed = series.get("products")
        for ppath, offered in [(spath, listed)] + [
                (dp, dose.get("products")) for part in (("doses",), ("if_recent", "doses"))
                for dp, dose in items(src, *spath, *part) if "products" in dose]:
            _offered(src, ppath, offered, antigen, products)
        if listed is None and not any(antigen in (p.get("antigens") or ())
                                      and p.get("in_programme", True)
                                      for p in products.values()):
            src.problem(spath + ("antigen",), f"{render_path(spath + ('antigen',))}: no "
                        f"product of this programme gives {antigen!r}; expected a product "
                        "with it (in_programme not false)")
        if series.get("if_recent") and prog.get("anchor") != "pregnancy":
            src.problem(spath + ("if_recent",), f"{render_path(spath + ('if_recent',))}: only "
                        "pregnancy programmes count recent doses; expected anchor: pregnancy")
        if series.get("catch_up") and prog.get("anchor", "birth") != "birth":
            src.problem(spath + ("catch_up",), f"{render_path(spath + ('catch_up',))}: only "
                        "programmes from birth start late; expected anchor: birth")
        top = _age(series, "max_age")
        timeline = not prog.get("counts_earlier_doses")
        _check_doses(src, spath, items(src, *spath, "doses"), top, timeline)
        for cpath, _catch in items(src, *spath, "catch_up"):
            _check_doses(src, cpath, items(src, *cpath, "doses"), top, timeline)
        _check_doses(src, spath, items(src, *spath, "if_recent", "doses"), top, timeline)


def validate_routine(folder: Path) -> tuple[Source | None, list[Problem]]:
    """Validate ``folder/routine.yaml`` if the profile has one (it is optional)."""
    path = folder / ROUTINE_FILE
    if not path.is_file():
        return None, []
    src = parse(path)
    if src.data is None and not src.problems:
        src.problem((), "the file is empty; expected a routine schedule mapping")
    if src.problems or src.data is None:
        return src, list(src.problems)
    ROUTINE.check(src.data, (), src)
    if isinstance(src.data, dict):
        try:
            check_routine(src)
        except Exception:  # noqa: BLE001 - shape problems already explain what is wrong
            if not src.problems:
                raise
    return src, list(src.problems)
