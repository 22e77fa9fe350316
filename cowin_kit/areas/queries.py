"""Reads of the admin hierarchy: look-up by code, children, descendants (by path prefix)."""

from __future__ import annotations

import sqlalchemy as sa

from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound

from .models import Area


def by_code(code: str) -> Area | None:
    """The area with this code, or None."""
    return db.session.execute(sa.select(Area).where(Area.code == code)).scalar_one_or_none()


def get_by_code(code: str) -> Area:
    """The area with this code; raise NotFound (AREA_NOT_FOUND) when there is none."""
    area = by_code(code)
    if area is None:
        raise NotFound(code="AREA_NOT_FOUND")
    return area


def get(area_id: int) -> Area:
    """The area with this id; raise NotFound (AREA_NOT_FOUND) when there is none."""
    area = db.session.get(Area, area_id)
    if area is None:
        raise NotFound(code="AREA_NOT_FOUND")
    return area


def children(parent: Area | int | None = None) -> list[Area]:
    """Areas directly below ``parent`` (the first level when None), by name."""
    parent_id = parent.id if isinstance(parent, Area) else parent
    condition = Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    return list(db.session.execute(sa.select(Area).where(condition)
                                   .order_by(Area.name, Area.id)).scalars())


def first_level() -> list[Area]:
    """The first-level areas (CoWIN's "states"), by name."""
    return children(None)


def second_level(first_level_id: int) -> list[Area]:
    """The areas below a first-level area (CoWIN's "districts"), by name."""
    return children(first_level_id)


def descendants_select(area: Area, include_self: bool = False) -> sa.Select:
    """A select of the areas below ``area`` (materialised path prefix, one indexed query)."""
    condition = sa.and_(Area.path.startswith(area.path), Area.id != area.id)
    if include_self:
        condition = Area.path.startswith(area.path)
    return sa.select(Area).where(condition)


def descendants(area: Area, include_self: bool = False, level: int | None = None) -> list[Area]:
    """All areas below ``area`` (optionally only those at one level), by level then name."""
    stmt = descendants_select(area, include_self)
    if level is not None:
        stmt = stmt.where(Area.level == level)
    return list(db.session.execute(stmt.order_by(Area.level, Area.name, Area.id)).scalars())


def scope_ids(area: Area) -> sa.Select:
    """A select of the ids of ``area`` and everything below it, for ``IN (…)`` filters."""
    return sa.select(Area.id).where(Area.path.startswith(area.path))


def ancestors(area: Area) -> list[Area]:
    """The areas above ``area``, top first."""
    ids = [int(part) for part in area.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    found = {a.id: a for a in db.session.execute(sa.select(Area).where(Area.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


def is_within(area: Area, ancestor: Area) -> bool:
    """Whether ``area`` is ``ancestor`` or below it."""
    return area.path.startswith(ancestor.path)


def count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Area)).scalar_one()
