"""Admin areas (state > district > block …), loaded from the profile's areas.csv."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cowin_kit.core.db import db


class Area(db.Model):
    """One area of the country's hierarchy; ``id`` is the integer CoWIN exposes as state/district id."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"), index=True)
    level: Mapped[int] = mapped_column()  # 1 = first level (state, province, oblast…)
    level_key: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))  # official name
    names: Mapped[dict] = mapped_column(default=dict)  # {language: name}
    iso_code: Mapped[str | None] = mapped_column(sa.String(16))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    effective_date: Mapped[dt.date | None] = mapped_column()
    # Materialised path of ancestor ids ("/1/17/203/"): scoping by prefix, no recursive query.
    path: Mapped[str] = mapped_column(sa.String(255), index=True)

    parent: Mapped["Area | None"] = relationship(remote_side=[id])

    def display_name(self, language: str) -> str:
        return self.names.get(language) or self.name
