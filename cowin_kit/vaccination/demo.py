"""Demo staff logins, one per role, on the demo areas and facilities (idempotent)."""

from __future__ import annotations

import sqlalchemy as sa

from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_operations import create_staff_user
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DoseRecord
from cowin_kit.vaccination.operations import record_dose


def seed(app, profile, echo) -> None:
    """Create one staff login per role with a printed password."""
    facility = db.session.execute(sa.select(Facility).where(Facility.active.is_(True))
                                  .order_by(Facility.id).limit(1)).scalar_one_or_none()
    area = None
    if facility is not None:
        # The facility's top-level area: the area admin and auditor reach the facility.
        area = db.session.get(Area, facility.area_id)
        while area.parent_id is not None:
            area = db.session.get(Area, area.parent_id)
    else:
        area = db.session.execute(sa.select(Area).where(Area.parent_id.is_(None))
                                  .order_by(Area.code).limit(1)).scalar_one_or_none()
    logins = [("national_admin", "admin", None, None),
              ("area_admin", "area-admin", area, None),
              ("facility_manager", "manager", None, facility),
              ("vaccinator", "vaccinator", None, facility),
              ("auditor", "auditor", area, None)]
    echo("  staff logins (username / password):")
    for role, username, in_area, at_facility in logins:
        password = f"demo-{username}"
        if role in ("area_admin",) and in_area is None or (
                role in ("facility_manager", "vaccinator") and at_facility is None):
            echo(f"    {username}: skipped (no demo area/facility)")
            continue
        exists = db.session.execute(sa.select(StaffUser.id).where(
            StaffUser.username == username)).first()
        if not exists:
            create_staff_user(role=role, username=username, password=password,
                              full_name=username.replace("-", " ").title(),
                              area_code=in_area.code if in_area else None,
                              facility_code=at_facility.code if at_facility else None)
        language = profile.default_locale.split("_")[0]
        where = at_facility.name if at_facility else (
            in_area.display_name(language) if in_area else "")
        echo(f"    {username} / {password}  ({role}{', ' + where if where else ''})")
    echo("  staff sign-in: /staff/login")
    _first_dose_for_a_demo_citizen(profile, echo)


def _first_dose_for_a_demo_citizen(profile, echo) -> None:
    """Give the first demo citizen's first person a dose in the past (once), so the demo shows
    a certificate to download and a second dose coming due."""
    import datetime as dt

    person = db.session.scalars(sa.select(Beneficiary).where(Beneficiary.account_id.is_not(None))
                                .order_by(Beneficiary.id).limit(1)).first()
    vaccinator = db.session.scalars(sa.select(StaffUser).where(
        StaffUser.username == "vaccinator")).first()
    if person is None or vaccinator is None or db.session.scalar(
            sa.select(DoseRecord.id).where(DoseRecord.beneficiary_id == person.id).limit(1)):
        return
    when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=90)
    for vaccine in profile.vaccines:
        try:
            record_dose(vaccinator, person, vaccine=vaccine.id, lot="DEMO-001",
                        administered_at=when)
        except KitError:
            db.session.rollback()
            continue
        echo(f"  vaccination: {person.name} ({person.reference_id}) had a first dose of "
             f"{vaccine.name} 90 days ago")
        return
