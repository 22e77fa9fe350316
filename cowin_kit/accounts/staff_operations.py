"""Writes on staff accounts: create a user with a role and its area or facility."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts import places
from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_auth import hash_password, verify_password
from cowin_kit.accounts.staff_permissions import AREA_ROLES, FACILITY_ROLES, ROLES, in_scope
from cowin_kit.areas.models import Area
from cowin_kit.core.audit import audit, audit_now
from cowin_kit.core.db import db
from cowin_kit.core.errors import Conflict, Forbidden, ValidationFailed

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
MIN_PASSWORD = 10


def create_staff_user(*, role: str, username: str, password: str, full_name: str = "",
                      area_code: str | None = None, facility_code: str | None = None,
                      created_by: StaffUser | None = None, commit: bool = True) -> StaffUser:
    """Create a staff account; area roles need an area, facility roles a facility."""
    errors: dict[str, list] = {}
    if role not in ROLES:
        errors["role"] = [_l("Unknown role; use one of: %(roles)s", roles=", ".join(ROLES))]
    if not USERNAME_RE.match(username or ""):
        errors["username"] = [_l("3 to 64 letters, digits, dots, dashes or underscores.")]
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = [_l("At least %(n)s characters.", n=MIN_PASSWORD)]
    area = facility = None
    if area_code:
        area = db.session.execute(sa.select(Area).where(Area.code == area_code)).scalar_one_or_none()
        if area is None:
            errors["area"] = [_l("No area with this code.")]
    if facility_code:
        facility = places.facility_by_code(facility_code)
        if facility is None:
            errors["facility"] = [_l("No facility with this code.")]
    if role == "area_admin" and area is None and "area" not in errors:
        errors["area"] = [_l("An area admin needs an area.")]
    if role in FACILITY_ROLES and facility is None and "facility" not in errors:
        errors["facility"] = [_l("This role needs a facility.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if created_by is not None:
        target = facility if role in FACILITY_ROLES else area
        if created_by.role not in ("national_admin", "area_admin") or (
                target is None and created_by.role != "national_admin") or (
                target is not None and not in_scope(created_by, target)) or (
                role == "national_admin" and created_by.role != "national_admin"):
            audit_now("staff.create", "staff_user", None, outcome="denied", role=role,
                      username=username, area=area_code, facility=facility_code)
            raise Forbidden()
    exists = db.session.execute(
        sa.select(StaffUser.id).where(StaffUser.username == username)).first()
    if exists:
        raise Conflict(_l("This username is taken."), code="USERNAME_TAKEN")
    user = StaffUser(username=username, full_name=full_name or username,
                     password_hash=hash_password(password), role=role,
                     area_id=area.id if area is not None and role in AREA_ROLES else None,
                     facility_id=facility.id if facility is not None and role in FACILITY_ROLES else None)
    db.session.add(user)
    db.session.flush()
    audit("staff.create", "staff_user", user.id, role=role, username=username,
          area=area_code, facility=facility_code)
    if commit:
        db.session.commit()
    return user


def change_password(user: StaffUser, current: str, new: str) -> None:
    """Change a staff user's own password (the current one must be given)."""
    errors: dict[str, list] = {}
    if not verify_password(user.password_hash, current or ""):
        errors["current"] = [_l("This is not your current password.")]
    if len(new or "") < MIN_PASSWORD:
        errors["new"] = [_l("At least %(n)s characters.", n=MIN_PASSWORD)]
    elif new == current:
        errors["new"] = [_l("Choose a password different from the current one.")]
    if errors:
        raise ValidationFailed(fields=errors)
    user.password_hash = hash_password(new)
    audit("staff.password", "staff_user", user.id)
    db.session.commit()
