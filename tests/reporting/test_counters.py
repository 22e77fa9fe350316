"""Counters change in the dose's own transaction and always equal counts from the records."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cowin_kit.reporting.bands import age_bands
from cowin_kit.reporting.models import NATIONAL, DoseCounter, DoseDayTotal
from cowin_kit.reporting.queries import (CounterSource, RecordSource, counter_figures,
                                         dashboard_figures)
from cowin_kit.reporting.rollup import rebuild_counters
from tests.reporting.conftest import TODAY


def counted(db, **where) -> int:
    stmt = sa.select(sa.func.coalesce(sa.func.sum(DoseCounter.doses), 0))
    for name, value in where.items():
        stmt = stmt.where(getattr(DoseCounter, name) == value)
    return int(db.session.execute(stmt).scalar())


def snapshot(db) -> dict:
    rows = db.session.execute(sa.select(DoseCounter)).scalars()
    totals: dict = {}
    for r in rows:
        key = (r.day, r.area_id, r.vaccine, r.dose_number, r.is_booster, r.completes_series,
               r.gender, r.age_band)
        totals[key] = totals.get(key, 0) + r.doses
    days: dict = {}
    for r in db.session.execute(sa.select(DoseDayTotal)).scalars():
        days[(r.day, r.area_id)] = days.get((r.day, r.area_id), 0) + r.doses
    # The day totals always equal the detailed counters summed per day and area.
    summed: dict = {}
    for key, n in totals.items():
        summed[key[:2]] = summed.get(key[:2], 0) + n
    assert {k: v for k, v in days.items() if v} == {k: v for k, v in summed.items() if v}
    return {k: v for k, v in totals.items() if v}


def test_dose_counts_at_every_level_of_its_facility(db, world):
    person = world.person(birth_year=1950, gender="M")
    world.dose(person, facility_area="S1-D2")
    db.session.commit()
    s1, d2 = world.areas["S1"].id, world.areas["S1-D2"].id
    for area_id in (NATIONAL, s1, d2):
        assert counted(db, area_id=area_id, day=TODAY, gender="M", age_band="60+",
                       dose_number=1, vaccine="covishield") == 1
    assert counted(db, area_id=world.areas["S1-D1"].id) == 0
    assert counted(db, area_id=world.areas["S2"].id) == 0


def test_rollback_leaves_counters_unchanged(db, world):
    person = world.person()
    world.dose(person)
    db.session.commit()
    before = snapshot(db)
    world.dose(person, number=2, day=TODAY + dt.timedelta(days=1))
    assert counted(db, dose_number=2) == 3  # visible inside the transaction (3 levels)
    db.session.rollback()
    assert snapshot(db) == before


def test_correction_and_deletion_move_the_counts(db, world):
    person = world.person(birth_year=2000)
    record = world.dose(person, facility_area="S1-D1")
    db.session.commit()
    record.facility_id = world.facilities["S2-D1"].id
    record.vaccine = "covaxin"
    db.session.commit()
    assert counted(db, area_id=world.areas["S1"].id) == 0
    assert counted(db, area_id=world.areas["S2"].id, vaccine="covaxin") == 1
    assert counted(db, area_id=NATIONAL) == 1
    db.session.delete(record)
    db.session.commit()
    assert counted(db) == 0


def test_corrected_gender_and_birth_year_move_past_doses(app, db, world):
    person = world.person(birth_year=2000, gender="F")
    other = world.person(birth_year=2000, gender="F")
    world.dose(person, facility_area="S1-D1", day=TODAY - dt.timedelta(days=60))
    world.dose(person, facility_area="S1-D1", number=2)
    world.dose(other, facility_area="S1-D1")
    db.session.commit()
    assert counted(db, area_id=NATIONAL, gender="F", age_band="18-44") == 3
    person.gender, person.birth_year = "M", 1950
    world.dose(person, facility_area="S1-D1", number=3, booster=True)  # same flush
    db.session.commit()
    assert counted(db, area_id=NATIONAL, gender="F", age_band="18-44") == 1
    assert counted(db, area_id=NATIONAL, gender="M", age_band="60+") == 3
    by_hook = snapshot(db)
    rebuild_counters(age_bands(None))
    assert snapshot(db) == by_hook
    person.birth_year = 1951  # gender untouched; one attribute is enough
    db.session.flush()
    db.session.rollback()
    assert snapshot(db) == by_hook


def test_rollup_rebuilds_exactly_what_the_hook_built(app, db, world):
    day = TODAY - dt.timedelta(days=30)
    for i, (area, year, gender) in enumerate([("S1-D1", 1990, "F"), ("S1-D2", 1960, "M"),
                                              ("S2-D1", 2008, "O"), ("S2-D1", 1975, "F")]):
        person = world.person(birth_year=year, gender=gender)
        world.dose(person, facility_area=area, day=day + dt.timedelta(days=i))
        world.dose(person, facility_area=area, number=2, day=TODAY)
        if i == 0:
            world.dose(person, facility_area=area, number=3, booster=True, day=TODAY)
    db.session.commit()
    built_by_hook = snapshot(db)
    db.session.execute(sa.update(DoseCounter).values(doses=DoseCounter.doses + 5))  # damage
    db.session.execute(sa.delete(DoseDayTotal))
    total = rebuild_counters(age_bands(None))
    db.session.commit()
    assert total == 9
    assert snapshot(db) == built_by_hook


def test_dashboard_figures_from_counters_equal_the_records(app, db, world):
    people = [world.person(birth_year=y, gender=g) for y, g in
              [(1950, "M"), (1985, "F"), (2007, "F"), (1999, "O")]]
    for i, person in enumerate(people):
        area = ["S1-D1", "S1-D2", "S2-D1", "S1-D1"][i]
        world.dose(person, facility_area=area, day=TODAY - dt.timedelta(days=40 + i),
                   vaccine=["covishield", "covaxin"][i % 2])
        if i < 3:
            world.dose(person, facility_area=area, number=2, day=TODAY - dt.timedelta(days=i))
    db.session.commit()
    bands = age_bands(None)
    for area in (None, world.areas["S1"], world.areas["S1-D1"], world.areas["S2"]):
        from_counters = dashboard_figures(CounterSource(area), TODAY)
        from_records = dashboard_figures(RecordSource(area, bands), TODAY)
        assert from_counters == from_records == counter_figures(area, TODAY)
    national = dashboard_figures(CounterSource(None), TODAY)
    assert national.total == 7 and national.today == 1
    assert national.by_dose == {"1": 4, "2": 3}
    assert national.by_child == {world.areas["S1"].id: 5, world.areas["S2"].id: 2}


@pytest.mark.postgres
def test_concurrent_vaccinators_keep_counters_exact(app, db, world):
    """Threads record doses at once (same hot national row): no deadlock, no lost update."""
    import threading

    from cowin_kit.vaccination.models import DoseRecord

    people = [world.person(birth_year=1960 + i % 40, gender="MFO"[i % 3]) for i in range(48)]
    db.session.commit()
    ids = [p.id for p in people]
    facility_ids = [world.facilities[c].id for c in ("S1-D1", "S1-D2", "S2-D1")]
    errors = []

    def vaccinate(chunk):
        with app.app_context():
            try:
                for n, person_id in enumerate(chunk):
                    db.session.add(DoseRecord(beneficiary_id=person_id,
                                              facility_id=facility_ids[n % 3], vaccine="comirnaty",
                                              lot="L", dose_number=1, series_total=2,
                                              administered_on=TODAY))
                    db.session.commit()
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vaccinate, args=(ids[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    db.session.expire_all()
    assert counted(db, area_id=NATIONAL, day=TODAY) == 48
    snapshot(db)  # day totals agree with the detailed counters
    bands = age_bands(None)
    for area in (None, world.areas["S1"], world.areas["S2-D1"]):
        assert counter_figures(area, TODAY) == dashboard_figures(RecordSource(area, bands), TODAY)
