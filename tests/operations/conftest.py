"""A small two-area world for ministry operations tests: areas A (with district A1) and B,
facility FA in A1 and FB in B, one staff user per role reaching A/FA, and helpers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest

from tests.factories import PASSWORD, make_area as _area, make_person, make_staff, sign_in  # noqa: F401

#: Cheap argon2 settings for tests (production keeps argon2-cffi's defaults).
FAST_ARGON2 = {"STAFF_ARGON2_TIME_COST": 1, "STAFF_ARGON2_MEMORY_KIB": 1024}


@pytest.fixture
def app(make_app):
    """The app with CSRF off (one test checks it on); context pushed."""
    app = make_app(WTF_CSRF_ENABLED=False, **FAST_ARGON2)
    with app.app_context():
        yield app


@dataclass
class World:
    areas: dict = field(default_factory=dict)
    facilities: dict = field(default_factory=dict)
    staff: dict = field(default_factory=dict)


@pytest.fixture
def world(app, db):
    from cowin_kit.booking.models import Facility

    w = World()
    a = _area(db, "T-A")
    a1 = _area(db, "T-A-1", a, 2)
    b = _area(db, "T-B")
    w.areas = {"A": a, "A1": a1, "B": b}
    for code, area in (("FA", a1), ("FB", b)):
        facility = Facility(code=code, name=f"Centre {code}", area_id=area.id, fee_type="Free")
        db.session.add(facility)
        w.facilities[code] = facility
    db.session.flush()
    w.staff = {
        "national_admin": make_staff(db, "national_admin", "nat"),
        "area_admin": make_staff(db, "area_admin", "aa", area=a),
        "facility_manager": make_staff(db, "facility_manager", "fm", facility=w.facilities["FA"]),
        "vaccinator": make_staff(db, "vaccinator", "vac", facility=w.facilities["FA"]),
        "auditor": make_staff(db, "auditor", "aud", area=a),
        "store_manager": make_staff(db, "store_manager", "sm", area=a),
    }
    db.session.commit()
    return w


#: A slot of today that stays bookable all day (a slot that has ended can no longer be booked:
#: tests that book today, whatever the time of day they run at, use it).
ALL_DAY = ["00:00-23:59"]


def make_session(db, facility, day=None, *, vaccine="covishield", caps=None, slots=None):
    from cowin_kit.booking.admin_operations import facility_today
    from cowin_kit.booking.models import SessionCapacity, VaccinationSession

    session = VaccinationSession(facility_id=facility.id, date=day or facility_today(facility),
                                 vaccine=vaccine, min_age=18,
                                 slots=slots or ["09:00-11:00", "11:00-13:00"])
    session.capacities = [SessionCapacity(dose_kind=k, capacity=v, booked=0)
                          for k, v in (caps or {"1": 10, "2": 10}).items()]
    db.session.add(session)
    db.session.flush()
    return session


def make_appointment(db, session, person, *, dose_number=1, code="4821"):
    from cowin_kit.booking.models import Appointment

    kind = "1" if dose_number == 1 else "2"
    capacity = next(c for c in session.capacities if c.dose_kind == kind)
    capacity.booked += 1
    appointment = Appointment(id=uuid.uuid4(), beneficiary_id=person.id, session_id=session.id,
                              capacity_id=capacity.id, dose_number=dose_number,
                              slot=session.slots[0], secret_code=code, status="booked")
    db.session.add(appointment)
    db.session.flush()
    return appointment


def make_dose(db, person, facility, *, dose_number=1, days_ago=0, vaccinator=None,
              vaccine="covishield"):
    from cowin_kit.core.db import utcnow
    from cowin_kit.vaccination.models import DoseRecord

    when = utcnow() - dt.timedelta(days=days_ago)
    dose = DoseRecord(beneficiary_id=person.id, facility_id=facility.id,
                      vaccinator_id=vaccinator.id if vaccinator else None, vaccine=vaccine,
                      lot="LOT-1", dose_number=dose_number, series_total=2, is_booster=False,
                      administered_on=when.date(), administered_at=when, recorded_at=when)
    db.session.add(dose)
    db.session.flush()
    return dose
