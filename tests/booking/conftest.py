"""Factories for booking tests: areas, facilities, sessions, beneficiaries, dose records."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

_counter = itertools.count(1)


@pytest.fixture
def today(app):
    from cowin_kit.booking.rules import local_now
    from cowin_kit.profiles import get_profile

    return local_now(get_profile()).date()


@pytest.fixture
def vaccine(app):
    """The first vaccine of the profile with a two-dose primary series."""
    from cowin_kit.profiles import get_profile

    profile = get_profile()
    for schedule in profile.schedules:
        if schedule.doses >= 2:
            return schedule.vaccine
    return profile.vaccines[0].id


@pytest.fixture
def areas(db):
    """A three-level tree: state > district > two blocks."""
    from cowin_kit.areas.models import Area

    def make(code, parent, level, key):
        area = Area(code=code, parent_id=parent.id if parent else None, level=level,
                    level_key=key, name=code, names={"en": f"{code} en"}, path="")
        db.session.add(area)
        db.session.flush()
        area.path = (parent.path if parent else "/") + f"{area.id}/"
        return area

    state = make("T-ST", None, 1, "state")
    district = make("T-ST-D1", state, 2, "district")
    block_a = make("T-ST-D1-A", district, 3, "block")
    block_b = make("T-ST-D1-B", district, 3, "block")
    other = make("T-ST-D2", state, 2, "district")
    block_c = make("T-ST-D2-C", other, 3, "block")
    db.session.commit()
    return {"state": state, "district": district, "a": block_a, "b": block_b,
            "other": other, "c": block_c}


@pytest.fixture
def make_facility(db, areas):
    from cowin_kit.booking.facilities import add_facility

    def factory(area=None, **kw):
        n = next(_counter)
        kw.setdefault("postal_code", "411001")
        facility = add_facility(code=f"F{n}", name=kw.pop("name", f"Centre {n}"),
                                area_id=(area or areas["a"]).id, **kw)
        db.session.commit()
        return facility

    return factory


@pytest.fixture
def make_session(db, make_facility, vaccine, today):
    from cowin_kit.booking.facilities import add_session

    def factory(facility=None, *, days=1, capacities=None, **kw):
        facility = facility or make_facility()
        kw.setdefault("vaccine", vaccine)
        session = add_session(facility.id, today + dt.timedelta(days=days), kw.pop("vaccine"),
                              capacities or {"1": 5, "2": 5, "booster": 5}, **kw)
        db.session.commit()
        return session

    return factory


@pytest.fixture
def make_beneficiary(db, today):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.registration.models import Beneficiary

    def factory(*, age=30, account=None, with_account=True, name=None):
        n = next(_counter)
        if account is None and with_account:
            account = CitizenAccount(mobile=f"+9198765{n:05d}")
            db.session.add(account)
            db.session.flush()
        person = Beneficiary(reference_id=f"{n:014d}", account_id=account.id if account else None,
                             name=name or f"Person {n}", birth_year=today.year - age,
                             gender="F", id_doc_type="test", id_hash=f"{n:064x}",
                             id_masked="XXXX0000", groups=[])
        db.session.add(person)
        db.session.commit()
        return person

    return factory


@pytest.fixture
def give_dose(db):
    from cowin_kit.vaccination.models import DoseRecord

    def give(beneficiary, session, dose_number, on, *, series_total=2, is_booster=False):
        record = DoseRecord(beneficiary_id=beneficiary.id, facility_id=session.facility_id,
                            vaccine=session.vaccine, lot="LOT1", dose_number=dose_number,
                            series_total=series_total, is_booster=is_booster,
                            administered_on=on)
        db.session.add(record)
        db.session.commit()
        return record

    return give


@pytest.fixture
def counts(db):
    """Snapshot of what booking writes: capacity counters and row counts."""
    import sqlalchemy as sa

    from cowin_kit.booking.models import Appointment, SessionCapacity
    from cowin_kit.core.models import SmsMessage

    def snapshot():
        db.session.expire_all()
        caps = dict(db.session.execute(sa.select(SessionCapacity.id, SessionCapacity.booked)).all())
        return {"capacity": caps,
                "appointments": db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)),
                "sms": db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)),
                "booked": db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)
                                            .where(Appointment.status == "booked"))}

    return snapshot


def sign_in(client, account) -> None:
    """Sign a citizen in on a test client (what the OTP flow ends with)."""
    from tests.factories import citizen_sign_in

    citizen_sign_in(client, account)


@pytest.fixture
def flagging_app(make_app, redis_url):
    """An app on the test database whose full-session flags live in the test Redis (a fresh
    prefix)."""
    app = make_app(REDIS_URL=redis_url, CACHE_PREFIX=f"cowin-kit-test:{uuid.uuid4().hex}:")
    yield app
    with app.app_context():
        from cowin_kit.core.cache import get_cache

        get_cache().clear()
