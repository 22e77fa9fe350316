"""Declarative staff permissions: each staff route names its roles and the scope it touches.

``@staff_required(roles=..., scope=lambda **kw: <Area | Facility | None>)`` wraps a view. The
scope function receives the view's URL arguments and returns the area or facility the object
belongs to (None: the route touches no particular place; lists then filter by ``area_filter``).
``in_scope`` is the single place that decides whether a staff user reaches a place.

Facilities, sessions, doses… belong to domains above accounts: they register how their objects
map to a place in ``cowin_kit.accounts.places`` (from their ``setup.init_app``), and build
their routes' scope resolvers with ``object_scope`` — this module imports none of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from flask import Flask, redirect, request, url_for

from cowin_kit.accounts import places
from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.areas.models import Area
from cowin_kit.core.audit import audit_now
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden, Unauthorized
from cowin_kit.core.security import session_usable_for_api

NATIONAL_ADMIN = "national_admin"
AREA_ADMIN = "area_admin"
FACILITY_MANAGER = "facility_manager"
VACCINATOR = "vaccinator"
AUDITOR = "auditor"
STORE_MANAGER = "store_manager"  # runs the vaccine stores of an area (stock, #20)
ROLES = (NATIONAL_ADMIN, AREA_ADMIN, FACILITY_MANAGER, VACCINATOR, AUDITOR, STORE_MANAGER)
#: Roles whose reach is an area (and everything under it), and roles tied to one facility.
AREA_ROLES = (AREA_ADMIN, AUDITOR, STORE_MANAGER)
FACILITY_ROLES = (FACILITY_MANAGER, VACCINATOR)
ADMINS = (NATIONAL_ADMIN, AREA_ADMIN)
MANAGERS = (NATIONAL_ADMIN, AREA_ADMIN, FACILITY_MANAGER)
DESK = (FACILITY_MANAGER, VACCINATOR)
#: Who moves vaccine stock: store managers in their area, facility managers in their facility.
STOCK_WRITERS = (NATIONAL_ADMIN, STORE_MANAGER, FACILITY_MANAGER)
#: Who moves vaccine stock: store managers in their area, facility managers in their facility.
STOCK_WRITERS = (NATIONAL_ADMIN, STORE_MANAGER, FACILITY_MANAGER)


class _Nationwide:
    """Scope of things that belong to no area (e.g. a national admin's account)."""

    __tablename__ = "country"
    id = None

    def __repr__(self) -> str:
        return "NATIONWIDE"


NATIONWIDE = _Nationwide()


@dataclass(frozen=True)
class RouteSpec:
    """What a staff route needs: the roles allowed and how to find the place it touches."""

    roles: tuple[str, ...]
    scope: Callable[..., Any] | None = None
    writes: bool = False


def staff_area_path(staff: StaffUser) -> str | None:
    """Return the area path a staff user reaches ("" for the whole country)."""
    if staff.role == NATIONAL_ADMIN or (staff.role == AUDITOR and staff.area_id is None):
        return ""
    if staff.role in AREA_ROLES:
        area = db.session.get(Area, staff.area_id) if staff.area_id else None
        return area.path if area else None
    facility = places.facility(staff.facility_id)
    return places.area_path(facility) if facility else None


def in_scope(staff: StaffUser, target) -> bool:
    """Decide whether a staff user reaches an Area or facility (None: no particular place)."""
    if target is None or staff.role == NATIONAL_ADMIN:
        return True
    if target is NATIONWIDE:
        return staff_area_path(staff) == ""
    if staff.role in FACILITY_ROLES:
        return places.is_facility(target) and target.id == staff.facility_id
    reach = staff_area_path(staff)
    path = places.area_path(target)
    return reach is not None and path is not None and path.startswith(reach)


def area_filter(staff: StaffUser, facility_column=None):
    """Return a SQL condition limiting facilities to the staff user's reach (None: no limit)."""
    column = facility_column if facility_column is not None else places.facility_model().id
    if staff.role in FACILITY_ROLES:
        return column == (staff.facility_id or -1)
    reach = staff_area_path(staff)
    if reach == "":
        return None
    if reach is None:
        return sa.false()
    return column.in_(places.facilities_under(reach))


def require_scope(staff: StaffUser, target, action: str = "scope") -> None:
    """Raise Forbidden (and log the denial) when ``target`` is outside the staff user's reach."""
    if not in_scope(staff, target):
        _deny(staff, action, target)


def require_any_scope(staff: StaffUser, targets: Iterable, action: str = "scope") -> None:
    """Raise Forbidden (and log the denial) unless the staff user reaches one of ``targets``
    (an object tied to several places, such as a person vaccinated in two facilities)."""
    targets = [t for t in targets if t is not None]
    if staff.role != NATIONAL_ADMIN and not any(in_scope(staff, t) for t in targets):
        _deny(staff, action, targets[0] if targets else None)


def _deny(staff: StaffUser | None, action: str, target=None) -> None:
    audit_now(action, type(target).__tablename__ if target is not None else None,
              getattr(target, "id", None), outcome="denied",
              role=staff.role if staff else None, path=request.path if request else None,
              method=request.method if request else None)
    raise Forbidden()


def staff_required(roles: Iterable[str], scope: Callable[..., Any] | None = None, *,
                   writes: bool | None = None):
    """Allow a view only to signed-in staff with one of ``roles`` reaching its ``scope``."""
    roles = tuple(roles)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown staff roles: {sorted(unknown)}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is not None and request.path.startswith("/api/"):
                # Unsafe API calls must prove they are not a cross-site form post.
                if not session_usable_for_api():
                    staff = None
            if staff is None:
                if request.path.startswith("/api/") or request.method != "GET":
                    raise Unauthorized()
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            action = f"route:{request.endpoint}"
            if staff.role not in roles:
                _deny(staff, action)
            if scope is not None and staff.role != NATIONAL_ADMIN:
                target = scope(**kwargs)
                if not in_scope(staff, target):
                    _deny(staff, action, target)
            return view(*args, **kwargs)

        wrapper.staff_spec = RouteSpec(roles, scope, bool(writes))
        return wrapper

    return decorator


def staff_routes(app: Flask) -> list[tuple[str, str, tuple[str, ...], RouteSpec]]:
    """List every staff route of an app: (rule, endpoint, methods, spec)."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec = _find_spec(view)
        if spec is not None:
            methods = tuple(sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")))
            found.append((rule.rule, rule.endpoint, methods, spec))
    return found


def _find_spec(view) -> RouteSpec | None:
    # flask-smorest MethodViews keep the decorated methods on the view class.
    spec = getattr(view, "staff_spec", None)
    if spec is not None or view is None:
        return spec
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return None
    specs = [getattr(getattr(view_class, m, None), "staff_spec", None)
             for m in ("get", "post", "put", "patch", "delete")]
    specs = [s for s in specs if s is not None]
    return specs[0] if specs else None


# Scope resolvers used by routes: turn URL arguments into the place the object belongs to.

def object_scope(model: type, argument: str) -> Callable[..., Any]:
    """A scope resolver for routes naming a ``model`` row by the URL argument ``argument``:
    returns the row's place (registered in ``places``; 404 when the row does not exist).
    Domains build theirs with it (``booking.scopes.session_scope``…)."""

    def scope(**kwargs):
        return places.place_of(db.get_or_404(model, kwargs[argument]))

    scope.__name__ = scope.__qualname__ = f"{model.__name__.lower()}_scope"
    return scope


def facility_scope(facility_id: int, **_ignored):
    """Return the facility named in the URL (404 when unknown)."""
    return db.get_or_404(places.facility_model(), facility_id)


def staff_user_scope(user_id: int, **_ignored):
    """Return the place a staff account belongs to (its facility, its area, or nationwide)."""
    user = db.get_or_404(StaffUser, user_id)
    if user.facility_id:
        return places.facility(user.facility_id)
    if user.area_id:
        return db.session.get(Area, user.area_id)
    return NATIONWIDE
