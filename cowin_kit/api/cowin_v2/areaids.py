"""CoWIN's own state and district ids, for clients that bundle them.

A profile whose areas file has a ``cowin_id`` column (India: the ids and names CoWIN published
in 2021-22) is served with those ids on /api/v2: the states and districts lists carry them and
``district_id`` / ``state_id`` parameters are read as them. An area the published list lacks (a
district created later, Mumbai Suburban which CoWIN served inside "Mumbai") is numbered
``UNLISTED_OFFSET + its kit id``, so it can never take an id a client has bundled. A profile
without the column keeps the kit's own area ids (other countries, where no client bundles any).

The ids live in the profile's data (read with the profile, as the id types' numeric ids are),
not in the database: the areas file is the one place an integrator edits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from cowin_kit.api.cowin_v2.common import InvalidParameter
from cowin_kit.profiles.areafile import read_areas
from cowin_kit.areas.models import Area
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile

#: Areas without a CoWIN id are exposed as this plus the kit's area id.
UNLISTED_OFFSET = 1_000_000


@dataclass(frozen=True)
class CowinIds:
    """The areas file's ``cowin_id`` / ``cowin_name`` columns, by area code and by id."""

    ids: dict[str, tuple[int, ...]] = field(default_factory=dict)
    names: dict[tuple[str, int], str] = field(default_factory=dict)
    codes: dict[tuple[int, int], str] = field(default_factory=dict)  # (level, id) -> code


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime: float, levels: tuple[str, ...]) -> CowinIds:
    rows, _problems = read_areas(Path(path), list(levels))
    found = CowinIds()
    for row in rows:
        if not row.cowin_ids:
            continue
        found.ids[row.code] = row.cowin_ids
        for index, cowin_id in enumerate(row.cowin_ids):
            found.codes[(row.depth, cowin_id)] = row.code
            if row.cowin_names:
                found.names[(row.code, cowin_id)] = row.cowin_names[index]
    return found


def cowin_ids() -> CowinIds | None:
    """The current profile's CoWIN ids, or None when its areas file has none."""
    profile = get_profile()
    path = profile.areas_csv_path
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    found = _read(str(path), mtime, tuple(level.key for level in profile.admin_levels))
    return found if found.ids else None


def external_ids(area: Area) -> list[tuple[int, str | None]]:
    """The ids (and CoWIN's names, None where it used the area's own) this area is listed
    under: usually one; several where CoWIN listed one area as several (8 and 37)."""
    known = cowin_ids()
    if known is None:
        return [(area.id, None)]
    ids = known.ids.get(area.code)
    if not ids:
        return [(UNLISTED_OFFSET + area.id, None)]
    return [(i, known.names.get((area.code, i))) for i in ids]


def external_id(area: Area) -> int:
    return external_ids(area)[0][0]


class InvalidAreaId(Exception):
    """No area of that level has this id (the caller answers in its own words)."""


def area_id(level: int, value: int) -> int:
    """The kit's area id for a CoWIN id of an area at ``level`` (1 state, 2 district).

    Without CoWIN ids in the profile the value is the kit's id itself, returned unchecked
    (callers check it when they use it). Found ids are remembered per app: an area keeps its
    id once imported (imports upsert by code and never delete)."""
    known = cowin_ids()
    if known is None:
        return value
    memo = current_app.extensions.setdefault("cowin_v2_area_ids", {})
    key = (level, value)
    if key in memo:
        return memo[key]
    code = known.codes.get(key)
    if code is not None:
        found = db.session.execute(sa.select(Area.id).where(Area.code == code,
                                                            Area.level == level)).scalar()
    elif value > UNLISTED_OFFSET:
        area = db.session.get(Area, value - UNLISTED_OFFSET)
        found = area.id if area is not None and area.level == level \
            and area.code not in known.ids else None
    else:
        found = None
    if found is None:
        raise InvalidAreaId(value)
    memo[key] = found
    return found


def district_area_id(value: int) -> int:
    """``district_id`` as the kit's area id, or CoWIN's 400 for an unknown district."""
    try:
        return area_id(2, value)
    except InvalidAreaId:
        raise InvalidParameter(_l("Invalid district_id")) from None
