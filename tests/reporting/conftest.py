"""A small country for reporting tests: two states, districts, facilities, people, doses."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
import sqlalchemy as sa

from tests.operations.conftest import sign_in  # noqa: F401 - shared with the staff tests

TODAY = dt.date(2021, 9, 17)


class World:
    """Create areas, facilities, people and doses through the ORM (so the counter hook runs)."""

    def __init__(self, db):
        from cowin_kit.areas.models import Area

        self.db = db
        self.seq = itertools.count(1)
        self.areas = {}
        for code, parent, names in [
            ("S1", None, {"en": "North", "hi": "उत्तर"}),
            ("S1-D1", "S1", {"en": "Hill", "hi": "पहाड़"}),
            ("S1-D2", "S1", {"en": "Lake", "hi": "झील"}),
            ("S2", None, {"en": "South", "hi": "दक्षिण"}),
            ("S2-D1", "S2", {"en": "Coast", "hi": "तट"}),
        ]:
            parent_area = self.areas.get(parent)
            area = Area(code=code, parent_id=parent_area.id if parent_area else None,
                        level=2 if parent else 1, level_key="district" if parent else "state",
                        name=names["en"], names=names, path="")
            db.session.add(area)
            db.session.flush()
            area.path = f"{parent_area.path if parent_area else '/'}{area.id}/"
            self.areas[code] = area
        db.session.flush()
        self.facilities = {code: self.facility(code) for code in ("S1-D1", "S1-D2", "S2-D1")}

    def facility(self, area_code: str):
        from cowin_kit.booking.models import Facility

        n = next(self.seq)
        facility = Facility(code=f"F{n}", name=f"Centre {n}", area_id=self.areas[area_code].id)
        self.db.session.add(facility)
        self.db.session.flush()
        return facility

    def person(self, *, birth_year=1980, gender="F", area_code="S1-D1", **extra):
        from cowin_kit.registration.models import Beneficiary

        n = next(self.seq)
        person = Beneficiary(reference_id=f"{n:014d}", name=f"Person {n}", birth_year=birth_year,
                             gender=gender, id_doc_type="aadhaar", id_hash=uuid.uuid4().hex,
                             id_masked="XXXX", area_id=self.areas[area_code].id, **extra)
        self.db.session.add(person)
        self.db.session.flush()
        return person

    def session(self, facility, day, appointments=(), *, doses_opened, capacity):
        """A Comirnaty session with dose-1 appointments, given as ``(person, status)`` pairs."""
        from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession

        session = VaccinationSession(facility_id=facility.id, date=day, vaccine="comirnaty",
                                     doses_opened=doses_opened)
        self.db.session.add(session)
        self.db.session.flush()
        slots = SessionCapacity(session_id=session.id, dose_kind="1", capacity=capacity,
                                booked=len(appointments))
        self.db.session.add(slots)
        self.db.session.flush()
        for person, status in appointments:
            self.db.session.add(Appointment(beneficiary_id=person.id, session_id=session.id,
                                            capacity_id=slots.id, dose_number=1,
                                            slot="09:00-13:00", secret_code="1234",
                                            status=status))
        self.db.session.flush()
        self.vials(facility, day, doses_opened)
        return session

    def vials(self, facility, day, doses):
        """Vials opened at the facility on ``day`` holding ``doses`` doses (the wastage
        report's source), as the seeder records them."""
        from cowin_kit.profiles import get_profile
        from cowin_kit.reporting.seed import seed_lot
        from cowin_kit.reporting.bulk import Loader
        from cowin_kit.stock.seed import seed_vials

        seed_vials(Loader(self.db.session.connection()), get_profile(),
                   [(facility.id, day, "comirnaty", doses)], seed_lot)

    def dose(self, person, *, facility_area="S1-D1", vaccine="covishield", number=1,
             series_total=2, booster=False, day=TODAY, session=None):
        from cowin_kit.vaccination.models import DoseRecord

        record = DoseRecord(beneficiary_id=person.id, facility_id=self.facilities[facility_area].id,
                            vaccine=vaccine, lot="LOT1", dose_number=number,
                            series_total=series_total, is_booster=booster, administered_on=day,
                            session_id=session.id if session else None)
        self.db.session.add(record)
        self.db.session.flush()
        return record


@pytest.fixture
def app(make_app):
    """Peru's profile: a country with two languages and several vaccines."""
    app = make_app(PROFILE="pe")
    with app.app_context():
        from cowin_kit.profiles import get_profile

        get_profile()  # load once outside any request
        yield app


@pytest.fixture
def india(make_app):
    """India's profile: its routine schedule defines the fully immunised child and dropout."""
    app = make_app(PROFILE="in")
    with app.app_context():
        from cowin_kit.profiles import get_profile

        get_profile()
        yield app


@pytest.fixture
def world(db):
    return World(db)


class EquityWorld:
    """Who asked for a dose and who got one, for the equity report and panel: three people of
    30 (men) and two of 70 (women); yesterday's session at S1-D1 with the first two young ones
    booked (one vaccinated) and the first old one cancelled, all booked through the API; a
    lottery round for it, and the second old one waiting on the facility's standby list (web).
    Each test adds its own lottery requests (:meth:`ask`) and walk-in doses, then commits."""

    def __init__(self, db, world):
        from cowin_kit.booking.fair_models import LotteryRound, StandbyEntry
        from cowin_kit.booking.models import Appointment

        self.db = db
        self.yesterday = yesterday = TODAY - dt.timedelta(days=1)
        self.young = young = [world.person(birth_year=TODAY.year - 30, gender="M") for _ in range(3)]
        self.old = old = [world.person(birth_year=TODAY.year - 70, gender="F") for _ in range(2)]
        self.session = session = world.session(
            world.facilities["S1-D1"], yesterday,
            [(young[0], "completed"), (young[1], "booked"), (old[0], "cancelled")],
            doses_opened=10, capacity=10)
        for appointment in db.session.scalars(sa.select(Appointment)):
            appointment.channel = "api"
        start = dt.datetime.combine(TODAY, dt.time(9), dt.timezone.utc) - dt.timedelta(days=5)
        self.lottery = LotteryRound(session_id=session.id, opens_at=start,
                                    closes_at=start + dt.timedelta(days=1), seed_commitment="0" * 64,
                                    seed="1" * 64, ticket_key="2" * 64)
        db.session.add(self.lottery)
        db.session.flush()
        db.session.add(StandbyEntry(beneficiary_id=old[1].id, facility_id=session.facility_id,
                                    date=yesterday, channel="web", status="waiting"))

    def ask(self, person, channel, status="not_drawn"):
        """A dose-1 request of ``person`` in the lottery round."""
        from cowin_kit.booking.fair_models import LotteryRequest

        self.db.session.add(LotteryRequest(round_id=self.lottery.id, beneficiary_id=person.id,
                                           ticket=f"{person.id:064x}", tier=0, dose_kind="1",
                                           dose_number=1, channel=channel, status=status))


@pytest.fixture
def equity_world(db, world):
    return EquityWorld(db, world)


def make_staff(db, role, *, area=None, facility=None):
    from cowin_kit.accounts.models import StaffUser

    user = StaffUser(username=f"{role}-{uuid.uuid4().hex[:6]}", full_name=role, password_hash="x",
                     role=role, area_id=area.id if area else None,
                     facility_id=facility.id if facility else None)
    db.session.add(user)
    db.session.commit()
    return user
