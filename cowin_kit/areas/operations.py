"""Writes to the admin hierarchy: import (idempotent upsert by code) and materialised paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.profiles import Profile, get_profile
from cowin_kit.profiles.yamlsrc import Problem

from cowin_kit.profiles.areafile import AreaRow, read_areas
from .models import Area

FIELDS = ("name", "names", "iso_code", "timezone", "effective_date")


class AreaImportFailed(ValidationFailed):
    """The areas file has problems; nothing was imported."""

    code = "AREAS_INVALID"
    default_message = _l("The areas file has problems; nothing was imported.")

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(fields={"file": [str(p) for p in problems[:50]]})
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def import_areas(source, profile=None, *, dry_run: bool = False) -> ImportResult:
    """Load an areas CSV (or a Profile's own areas file) into the database.

    Rows are matched by ``code``: new codes are created, changed rows updated, the rest left
    alone, so running it again changes nothing. A file may add children to areas already in
    the database. Any problem aborts the whole import (AreaImportFailed lists them by line).
    """
    if isinstance(source, Profile):
        profile, path = source, source.areas_csv_path
    else:
        path = Path(source)
    if profile is None:
        profile = get_profile()
    existing = {a.code: a for a in db.session.execute(sa.select(Area)).scalars()}
    languages = {loc.language for loc in profile.locales} | {"en"}
    rows, problems = read_areas(path, [lv.key for lv in profile.admin_levels], languages,
                                known={code: a.level for code, a in existing.items()})
    if problems:
        raise AreaImportFailed(problems)
    result = ImportResult()
    if dry_run:
        result.created = sum(1 for r in rows if r.code not in existing)
        result.unchanged = len(rows) - result.created
        return result
    moved = _upsert(rows, existing, result)
    _fix_paths(existing, everything=moved)
    db.session.commit()
    return result


def _upsert(rows: list[AreaRow], by_code: dict[str, Area], result: ImportResult) -> bool:
    """Create or update the rows depth by depth (parents get ids first); True if any moved."""
    moved = False
    for depth in sorted({r.depth for r in rows}):
        for row in (r for r in rows if r.depth == depth):
            parent_id = by_code[row.parent_code].id if row.parent_code else None
            values = {"name": row.name, "names": row.names, "iso_code": row.iso_code,
                      "timezone": row.timezone, "effective_date": row.effective_date}
            area = by_code.get(row.code)
            if area is None:
                area = Area(code=row.code, parent_id=parent_id, level=row.depth,
                            level_key=row.level_key, path="", **values)
                db.session.add(area)
                by_code[row.code] = area
                result.created += 1
                continue
            changed = {k: v for k, v in values.items() if getattr(area, k) != v}
            if area.parent_id != parent_id or area.level != row.depth \
                    or area.level_key != row.level_key:
                moved = True
                changed.update(parent_id=parent_id, level=row.depth, level_key=row.level_key)
            for key, value in changed.items():
                setattr(area, key, value)
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
        db.session.flush()
    return moved


def _fix_paths(by_code: dict[str, Area], everything: bool) -> None:
    """Set ``path`` ("/1/17/203/") for new areas, or for all when any area moved."""
    by_id = {a.id: a for a in by_code.values()}
    cache: dict[int, str] = {}

    def path_of(area: Area, depth: int = 0) -> str:
        if area.id in cache:
            return cache[area.id]
        if depth > 64:
            raise ValidationFailed(code="AREA_CYCLE")
        parent = by_id.get(area.parent_id) if area.parent_id else None
        value = (path_of(parent, depth + 1) if parent else "/") + f"{area.id}/"
        cache[area.id] = value
        return value

    for area in by_code.values():
        if everything or not area.path:
            value = path_of(area)
            if area.path != value:
                area.path = value
    db.session.flush()
