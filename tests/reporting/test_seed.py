"""On a seeded dataset the dashboard figures equal counts computed straight from the records."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from cowin_kit.reporting.bands import age_bands, band_of
from cowin_kit.reporting.queries import (CounterSource, RecordSource, counter_figures,
                                         dashboard_figures)


def test_seeded_dashboard_equals_the_records(app, db, world, runner, cli_env):
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility
    from cowin_kit.cli import cli
    from cowin_kit.profiles import get_profile
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.reporting.labels import local_today
    from cowin_kit.vaccination.models import DoseRecord

    db.session.commit()
    result = runner.invoke(cli, ["seed", "--beneficiaries", "1500", "--facilities", "12",
                                 "--days", "200", "--batch", "500"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Seeding beneficiaries" in result.output and "Rolling up" in result.output
    db.session.expire_all()
    today = local_today()
    bands = age_bands(get_profile())
    # Counts by hand from every dose row, to check both the counters and the SQL oracle.
    rows = db.session.execute(
        sa.select(DoseRecord.administered_on, DoseRecord.vaccine, DoseRecord.dose_number,
                  DoseRecord.is_booster, Beneficiary.gender, Beneficiary.birth_year, Area.path)
        .join(Beneficiary, Beneficiary.id == DoseRecord.beneficiary_id)
        .join(Facility, Facility.id == DoseRecord.facility_id)
        .join(Area, Area.id == Facility.area_id)).all()
    assert len(rows) > 1500  # most people got a dose, many a second
    for area in (None, world.areas["S1"], world.areas["S2-D1"]):
        mine = [r for r in rows if area is None or r.path.startswith(area.path)]
        figures = counter_figures(area, today, days=200)
        assert figures == dashboard_figures(CounterSource(area), today, days=200)
        assert figures == dashboard_figures(RecordSource(area, bands), today, days=200)
        assert figures.total == len(mine)
        assert figures.today == sum(r.administered_on == today for r in mine)
        assert figures.by_vaccine == dict(Counter(r.vaccine for r in mine))
        assert figures.by_dose == dict(Counter("booster" if r.is_booster else str(r.dose_number)
                                               for r in mine))
        assert figures.by_band_gender == dict(Counter(
            (band_of(bands, r.administered_on.year - r.birth_year), r.gender) for r in mine))
        since = today - dt.timedelta(days=199)
        assert figures.daily == dict(Counter(r.administered_on for r in mine
                                             if r.administered_on >= since))
    # Vials opened cover every dose given in each session.
    from cowin_kit.booking.models import VaccinationSession

    short = db.session.scalar(sa.select(sa.func.count()).select_from(VaccinationSession).where(
        VaccinationSession.doses_opened < sa.select(sa.func.count(DoseRecord.id)).where(
            DoseRecord.session_id == VaccinationSession.id).scalar_subquery()))
    assert short == 0
    # The wastage report's source: vials opened per facility and day cover the doses given.
    from cowin_kit.stock.models import OpenVial

    opened = Counter(tuple(r) for r in db.session.execute(
        sa.select(OpenVial.facility_id, OpenVial.opened_on)))
    given = Counter(tuple(r) for r in db.session.execute(
        sa.select(DoseRecord.facility_id, DoseRecord.administered_on)))
    assert given and all(opened[key] >= n for key, n in given.items())
    assert sum(opened.values()) > sum(given.values())  # and some were wasted


def test_seed_without_areas_fails_clearly(app, db, runner, cli_env):
    from cowin_kit.cli import cli

    result = runner.invoke(cli, ["seed", "--beneficiaries", "10"], env=cli_env)
    assert result.exit_code == 1 and "areas" in result.output
