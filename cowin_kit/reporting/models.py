"""Dose counters (pre-aggregated, updated in the dose's own transaction) and target populations."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cowin_kit.core.db import db, utcnow

#: ``DoseCounter.area_id`` of the row that counts the whole country.
NATIONAL = 0
#: Hot rows (today, national) are spread over this many shards so concurrent vaccinators do
#: not queue on one row lock; readers sum over the shards.
SHARDS = 8


class DoseCounter(db.Model):
    """Doses given, per day and area (every level of the hierarchy, 0 = national) and breakdown.

    One dose increments one row per ancestor area of the facility where it was given (plus the
    national row), so every dashboard query reads the rows of exactly one area or its children.
    """

    __tablename__ = "report_dose_counter"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    # No foreign key: 0 stands for the whole country.
    area_id: Mapped[int] = mapped_column(primary_key=True)
    vaccine: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    dose_number: Mapped[int] = mapped_column(primary_key=True)
    is_booster: Mapped[bool] = mapped_column(primary_key=True)
    completes_series: Mapped[bool] = mapped_column(primary_key=True)
    gender: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    age_band: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    doses: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.Index("ix_report_dose_counter_area_day", "area_id", "day"),)


class DoseDayTotal(db.Model):
    """Doses per day and area (every level, 0 = national): the small table behind totals,
    daily series and the by-area breakdown, so they never sum the detailed counters."""

    __tablename__ = "report_dose_day_total"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    doses: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (sa.Index("ix_report_dose_day_total_area_day", "area_id", "day"),)


class TargetPopulation(db.Model):
    """How many people of an age band live in an area (the denominator of coverage)."""

    __tablename__ = "report_target_population"
    __table_args__ = (sa.UniqueConstraint("area_id", "age_band"),
                      sa.CheckConstraint("population >= 0", name="population_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id"), index=True)
    age_band: Mapped[str] = mapped_column(sa.String(8))  # a band label, or "all"
    population: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
