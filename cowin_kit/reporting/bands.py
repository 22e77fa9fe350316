"""Age bands of the reports: from the profile (``reporting.age_bands``) or CoWIN's defaults."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

#: CoWIN's dashboard bands; a profile may replace them with ``reporting: {age_bands: [[0, 11], …]}``
#: (the last band's upper bound may be null: "and over").
DEFAULT_BANDS = ((0, 11), (12, 14), (15, 17), (18, 44), (45, 59), (60, None))


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int | None

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"

    def contains(self, age: int) -> bool:
        return age >= self.low and (self.high is None or age <= self.high)


def age_bands(profile) -> list[AgeBand]:
    """Return the profile's age bands, youngest first."""
    data = getattr(profile, "data", {}) or {}
    raw = (data.get("reporting") or {}).get("age_bands") or DEFAULT_BANDS
    return [AgeBand(int(low), None if high is None else int(high)) for low, high in raw]


def band_of(bands: list[AgeBand], age: int) -> str:
    """Return the label of the band an age falls in ("?" outside every band)."""
    for band in bands:
        if band.contains(age):
            return band.label
    return "?"


def band_sql(bands: list[AgeBand], age: sa.ColumnElement) -> sa.ColumnElement:
    """The same banding as a SQL CASE expression, for roll-ups computed by the database."""
    whens = []
    for band in bands:
        cond = age >= band.low if band.high is None else sa.and_(age >= band.low, age <= band.high)
        whens.append((cond, band.label))
    return sa.case(*whens, else_="?")
