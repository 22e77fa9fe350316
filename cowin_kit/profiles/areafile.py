"""Read and check an areas CSV (code, parent_code, level, name, name_<lang>, iso_code, timezone,
effective_date, cowin_id, cowin_name); problems carry the CSV line number.

``cowin_id`` is the integer a published CoWIN client knows the area by (India's state and
district ids as CoWIN served them); several ids, space-separated, where CoWIN listed one area
as several (``8 37``). ``cowin_name`` is CoWIN's name where it differs from the English one
(``|``-separated, one per id). The /api/v2 surface uses them (cowin_kit.api.cowin_v2.areaids).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from cowin_kit.core.inputs import known_timezones

from .yamlsrc import Problem

REQUIRED = ("code", "parent_code", "level", "name")
OPTIONAL = ("iso_code", "timezone", "effective_date", "cowin_id", "cowin_name")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
ISO_3166_2 = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
NAME_COLUMN = re.compile(r"name_([a-z]{2,3}(?:_[A-Z][a-z]{3})?)")


@dataclass
class AreaRow:
    line: int
    code: str
    parent_code: str | None
    level_key: str
    depth: int
    name: str
    names: dict[str, str] = field(default_factory=dict)
    iso_code: str | None = None
    timezone: str | None = None
    effective_date: dt.date | None = None
    cowin_ids: tuple[int, ...] = ()
    cowin_names: tuple[str, ...] = ()


def read_areas(path: Path, level_keys: list[str], languages: set[str] | None = None,
               known: dict[str, int] | None = None) -> tuple[list[AreaRow], list[Problem]]:
    """Parse an areas CSV; ``known`` maps codes already in the database to their depth, so a
    file may add children to existing areas. Returns the good rows and the problems."""
    file = str(path)
    depth_of = {key: i for i, key in enumerate(level_keys, start=1)}
    known = dict(known or {})
    rows: list[AreaRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    cowin_seen: dict[tuple[int, int], int] = {}  # (depth, cowin id) -> line

    def problem(line: int, message: str) -> None:
        problems.append(Problem(file, line, message))

    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        return [], [Problem(file, 1, f"cannot read file: {exc}")]
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            problem(1, f"header: missing column(s) {', '.join(missing)}; expected "
                       f"{','.join(REQUIRED)}[,name_<lang>…][,{','.join(OPTIONAL)}]")
            return [], problems
        for column in header:
            match = NAME_COLUMN.fullmatch(column or "")
            if column in REQUIRED or column in OPTIONAL:
                continue
            if not match:
                problem(1, f"header: unknown column {column!r}; expected {', '.join(REQUIRED)}, "
                           f"name_<lang>, {', '.join(OPTIONAL)}")
            elif languages is not None and match.group(1).split("_")[0] not in languages:
                problem(1, f"header: column {column!r} is for a language the profile does not "
                           f"support; expected name_ plus one of: {', '.join(sorted(languages))}")
        line = 1
        for record in reader:
            line = reader.line_num
            row = _row(record, line, depth_of, known, seen, problem)
            if row is not None:
                for cowin_id in row.cowin_ids:
                    first = cowin_seen.setdefault((row.depth, cowin_id), line)
                    if first != line:
                        problem(line, f"cowin_id: {cowin_id} already given on line {first} at "
                                      f"level {row.level_key!r}; expected each id once per level")
                rows.append(row)
                seen[row.code] = line
                known[row.code] = row.depth
    return rows, problems


def _row(record: dict, line: int, depth_of: dict[str, int], known: dict[str, int],
         seen: dict[str, int], problem) -> AreaRow | None:
    if None in record:
        problem(line, f"row has {len(record) - 1 + len(record[None])} fields; expected "
                      f"{len(record) - 1} like the header")
        return None
    values = {k: (v or "").strip() for k, v in record.items()}
    code, parent, level, name = (values["code"], values["parent_code"], values["level"],
                                 values["name"])
    ok = True
    if not CODE.fullmatch(code):
        problem(line, f"code: {code!r} is not a valid area code; expected up to 32 letters, "
                      "digits, '-', '_' or '.'")
        ok = False
    elif code in seen:
        problem(line, f"code: duplicate code {code!r} (first on line {seen[code]}); expected "
                      "each code once")
        ok = False
    if level not in depth_of:
        problem(line, f"level: unknown level {level!r}; expected one of: "
                      f"{', '.join(depth_of)}")
        return None
    depth = depth_of[level]
    if not parent and depth != 1:
        problem(line, f"parent_code: empty for {code!r} at level {level!r}; expected the code of "
                      f"its {list(depth_of)[depth - 2]!r}")
        ok = False
    elif parent and depth == 1:
        problem(line, f"parent_code: {parent!r} given for first-level area {code!r}; expected "
                      "it empty")
        ok = False
    elif parent and parent not in known:
        problem(line, f"parent_code: unknown parent {parent!r} for {code!r}; expected the code "
                      "of an area listed earlier in the file (or already imported)")
        ok = False
    elif parent and known[parent] != depth - 1:
        names = list(depth_of)
        problem(line, f"level: {code!r} is a {level!r} but its parent {parent!r} is a "
                      f"{names[known[parent] - 1]!r}; expected level "
                      f"{names[known[parent]] if known[parent] < len(names) else '(none)'!r}")
        ok = False
    if not name:
        problem(line, f"name: empty for {code!r}; expected the official name")
        ok = False
    iso = values.get("iso_code") or None
    if iso and not ISO_3166_2.fullmatch(iso):
        problem(line, f"iso_code: {iso!r} is not an ISO 3166-2 code; expected e.g. IN-MH")
        ok = False
    tz = values.get("timezone") or None
    if tz and tz not in known_timezones():
        problem(line, f"timezone: unknown time zone {tz!r}; expected an IANA name")
        ok = False
    effective = None
    if values.get("effective_date"):
        try:
            effective = dt.date.fromisoformat(values["effective_date"])
        except ValueError:
            problem(line, f"effective_date: {values['effective_date']!r} is not a date; expected "
                          "YYYY-MM-DD")
            ok = False
    cowin_ids, cowin_names = _cowin(values, problem, line)
    if cowin_ids is None:
        ok = False
    if not ok:
        return None
    names = {key[5:]: value for key, value in values.items()
             if key.startswith("name_") and value}
    return AreaRow(line, code, parent or None, level, depth, name, names, iso, tz, effective,
                   cowin_ids, cowin_names)


def _cowin(values: dict, problem, line: int) -> tuple[tuple[int, ...] | None, tuple[str, ...]]:
    """The row's CoWIN ids and names (see the module); (None, ()) after reporting a problem."""
    raw = values.get("cowin_id") or ""
    names = tuple(n.strip() for n in values["cowin_name"].split("|")) \
        if values.get("cowin_name") else ()
    if not raw:
        if names:
            problem(line, "cowin_name: given without cowin_id; expected the id it names")
            return None, ()
        return (), ()
    if not re.fullmatch(r"[1-9][0-9]{0,8}( [1-9][0-9]{0,8})*", raw):
        problem(line, f"cowin_id: {raw!r} is not a list of positive integers; expected e.g. 391 "
                      "or 8 37")
        return None, ()
    ids = tuple(int(p) for p in raw.split())
    if names and (len(names) != len(ids) or not all(names)):
        problem(line, f"cowin_name: {len(names)} name(s) for {len(ids)} id(s); expected one "
                      "non-empty name per id, separated by |")
        return None, ()
    return ids, names
