"""Rebuild the dose counters from the dose records (repair, or after bulk loads)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.bands import AgeBand, band_sql
from cowin_kit.reporting.bulk import Loader
from cowin_kit.reporting.counters import DAY_COLUMNS, KEY_COLUMNS, ancestor_ids, day_totals
from cowin_kit.reporting.models import DoseCounter, DoseDayTotal
from cowin_kit.vaccination.models import DoseRecord


def _day_chunks(first: dt.date, last: dt.date, days: int) -> list[tuple[dt.date, dt.date]]:
    chunks, start = [], first
    while start <= last:
        end = min(start + dt.timedelta(days=days - 1), last)
        chunks.append((start, end))
        start = end + dt.timedelta(days=1)
    return chunks


def rebuild_counters(bands: list[AgeBand], *, chunk_days: int = 7,
                     progress: Callable[[int], None] | None = None) -> int:
    """Replace every counter with totals computed from the records, in one transaction.

    On PostgreSQL the counter table is locked (EXCLUSIVE: readers go on, writers wait), so a
    dose recorded meanwhile is counted exactly once: either it committed before the lock and
    is in the records read here, or its counter update waits for this rebuild to commit.
    Returns the number of doses counted. ``progress(n)`` is called with the days done per chunk.
    """
    session = db.session
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"LOCK TABLE {DoseCounter.__tablename__}, "
                                   f"{DoseDayTotal.__tablename__} IN EXCLUSIVE MODE"))
    connection.execute(sa.delete(DoseCounter))
    connection.execute(sa.delete(DoseDayTotal))
    first, last = connection.execute(
        sa.select(sa.func.min(DoseRecord.administered_on), sa.func.max(DoseRecord.administered_on))
    ).one()
    paths = {area_id: ancestor_ids(path)
             for area_id, path in connection.execute(sa.select(Area.id, Area.path))}
    age = sa.extract("year", DoseRecord.administered_on) - Beneficiary.birth_year
    band = band_sql(bands, age).label("band")
    completes = sa.and_(DoseRecord.dose_number == DoseRecord.series_total,
                        DoseRecord.is_booster.is_(False)).label("completes")
    keys = (DoseRecord.administered_on, Facility.area_id, DoseRecord.vaccine,
            DoseRecord.dose_number, DoseRecord.is_booster, completes, Beneficiary.gender, band)
    loader = Loader(connection)
    total = 0
    for start, end in _day_chunks(first, last, chunk_days) if first else []:
        query = (sa.select(*keys, sa.func.count())
                 .join(Beneficiary, Beneficiary.id == DoseRecord.beneficiary_id)
                 .join(Facility, Facility.id == DoseRecord.facility_id)
                 .where(DoseRecord.administered_on.between(start, end))
                 .group_by(*keys))
        deltas: Counter = Counter()
        for day, area_id, vaccine, dose_number, booster, done, gender, label, n in \
                connection.execute(query):
            total += n
            for ancestor in paths[area_id]:
                deltas[(day, ancestor, vaccine, dose_number, bool(booster), bool(done),
                        gender, label, 0)] += n
        # Chunks cover disjoint days of an emptied table: plain bulk inserts, no upsert needed.
        loader.insert(DoseCounter.__table__, [*KEY_COLUMNS, "doses"],
                      [(*key, n) for key, n in deltas.items() if n])
        loader.insert(DoseDayTotal.__table__, [*DAY_COLUMNS, "doses"],
                      [(*key, n) for key, n in day_totals(deltas).items() if n])
        if progress:
            progress((end - start).days + 1)
    return total


def rollup_span() -> int:
    """Return how many days of records a rebuild walks through (for a progress bar)."""
    first, last = db.session.execute(
        sa.select(sa.func.min(DoseRecord.administered_on), sa.func.max(DoseRecord.administered_on))
    ).one()
    return 0 if first is None else (last - first).days + 1
