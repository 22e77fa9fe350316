"""States and districts (the profile's first two admin levels), id types and genders."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify

from cowin_kit.api.cowin_v2.areaids import InvalidAreaId, area_id, external_ids
from cowin_kit.api.cowin_v2.blueprint import bp
from cowin_kit.api.cowin_v2.common import token_required
from cowin_kit.areas.models import Area
from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound
from cowin_kit.core.i18n import current_locale_id
from cowin_kit.profiles import get_profile


def _language() -> str:
    return current_locale_id().split("_")[0]


def _local_names(area: Area, language: str) -> str:
    return area.names.get(language) or area.name


def _base_name(area: Area) -> str:
    """Base name fields are in the profile's default language (English for India, as CoWIN's
    were); the requested language's names go in the extra ``*_l`` fields."""
    return area.names.get(get_profile().default_locale.split("_")[0]) or area.name


def _area_list(rows, kind: str) -> list[dict]:
    """``{kind_id, kind_name[, kind_name_l]}`` items by base name, as CoWIN lists areas: with
    CoWIN's ids and names where the profile has them (areaids), the area's own name in the
    requested language as ``*_l`` where it differs (a district renamed since)."""
    language = _language()
    items = []
    for area in rows:
        local = _local_names(area, language)
        for external, cowin_name in external_ids(area):
            item = {f"{kind}_id": external, f"{kind}_name": cowin_name or _base_name(area)}
            if local != item[f"{kind}_name"]:
                item[f"{kind}_name_l"] = local
            items.append(item)
    return sorted(items, key=lambda item: item[f"{kind}_name"])


@bp.get("/admin/location/states")
def states():
    rows = db.session.scalars(sa.select(Area).where(Area.level == 1)).all()
    return jsonify({"states": _area_list(rows, "state"), "ttl": 24})


@bp.get("/admin/location/districts/<int:state_id>")
def districts(state_id: int):
    try:
        state = db.session.get(Area, area_id(1, state_id))
    except InvalidAreaId:
        state = None
    if state is None or state.level != 1:
        raise NotFound()
    rows = db.session.scalars(sa.select(Area).where(Area.parent_id == state.id)).all()
    return jsonify({"districts": _area_list(rows, "district"), "ttl": 24})


@bp.get("/registration/beneficiary/idTypes")
@token_required
def id_types():
    language = _language()
    profile = get_profile()
    # CoWIN's ids are numbers: the position in the profile's list (stable for a profile).
    return jsonify({"types": [{"type": doc.label(language), "id": index, "code": doc.id}
                              for index, doc in enumerate(profile.id_documents, start=1)],
                    "ttl": 24})


@bp.get("/registration/beneficiary/genders")
@token_required
def genders():
    language = _language()
    profile = get_profile()
    return jsonify({"genders": [{"gender": g.label(language), "id": index, "code": g.code}
                                for index, g in enumerate(profile.genders, start=1)],
                    "ttl": 24})
