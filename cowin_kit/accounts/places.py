"""Where an object is: the registry that maps each domain's objects to a place staff can reach.

Staff permissions decide whether a staff user reaches a *place*: an area (and everything under
it) or one facility. The objects that have a place belong to domains above accounts —
facilities and sessions to booking, doses and AEFI reports to vaccination — so accounts does
not import them. Instead each domain registers its own from its ``setup.init_app``:

- ``register_facility(Facility)``: the model of the facilities staff are posted to (a table
  with ``id``, ``code`` and ``area_id``); facility-bound roles reach exactly one row of it;
- ``register_place(Model, place)``: ``place(obj)`` returns the Area or facility an object
  belongs to (``VaccinationSession`` → its facility, ``DoseRecord`` → where it was given).

Areas are known here already (areas is below accounts). Registering twice (several apps in one
process) replaces the entry with the same one.
"""

from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa

from cowin_kit.areas.models import Area
from cowin_kit.core.db import db

_places: dict[type, Callable[[Any], Any]] = {}
_facility_model: type | None = None


def register_facility(model: type) -> None:
    """Register the facility model: rows with ``id`` and ``area_id`` that staff are posted to."""
    global _facility_model
    _facility_model = model


def register_place(model: type, place: Callable[[Any], Any]) -> None:
    """Register how an object of ``model`` finds its place (an Area or a facility)."""
    _places[model] = place


def facility_model() -> type:
    """The registered facility model (RuntimeError when no domain registered one)."""
    if _facility_model is None:
        raise RuntimeError("no domain registered a facility model "
                           "(cowin_kit.accounts.places.register_facility)")
    return _facility_model


def is_facility(obj) -> bool:
    return _facility_model is not None and isinstance(obj, _facility_model)


def facility(facility_id: int | None):
    """The facility with this id, or None."""
    return db.session.get(facility_model(), facility_id) if facility_id else None


def facility_by_code(code: str):
    """The facility with this code, or None."""
    model = facility_model()
    return db.session.execute(sa.select(model).where(model.code == code)).scalar_one_or_none()


def place_of(obj):
    """The Area or facility ``obj`` belongs to: itself for an area or a facility."""
    if obj is None or isinstance(obj, Area) or is_facility(obj):
        return obj
    for model, place in _places.items():
        if isinstance(obj, model):
            return place(obj)
    raise TypeError(f"scope must be an Area, a facility or a registered object, "
                    f"not {type(obj).__name__}")


def area_path(obj) -> str | None:
    """The materialised area path of an object's place (None when it has none)."""
    obj = place_of(obj)
    if obj is None:
        return None
    if isinstance(obj, Area):
        return obj.path
    area = db.session.get(Area, obj.area_id)
    return area.path if area else None


def facilities_under(path: str) -> sa.Select:
    """SELECT of the ids of the facilities whose area is ``path`` or under it."""
    model = facility_model()
    return (sa.select(model.id).join(Area, Area.id == model.area_id)
            .where(Area.path.startswith(path)))
