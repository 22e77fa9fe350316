"""Reporting's own writes: target populations imported from CSV (all rows or none)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.areas.models import Area
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.reporting.bands import age_bands
from cowin_kit.reporting.models import TargetPopulation

REQUIRED = ("area_code", "age_band", "population")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class TargetsRejected(ValidationFailed):
    code = "TARGETS_REJECTED"
    default_message = _l("The file has errors; nothing was imported.")

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(fields={f"line {e.line}": [e.message] for e in errors[:200]})


def read_targets(text: str, profile, allowed_path: str = "") -> list[tuple[int, str, int]]:
    """Parse and check a targets CSV; return [(area_id, band, population)] or raise
    TargetsRejected with every problem (line numbers as a spreadsheet shows them)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise TargetsRejected([RowError(1, _("Missing column(s): %(names)s; expected %(want)s.",
                                             names=", ".join(missing), want=", ".join(REQUIRED)))])
    rows = list(reader)
    codes = {(r.get("area_code") or "").strip() for r in rows}
    areas = {a.code: a for a in db.session.scalars(sa.select(Area).where(Area.code.in_(codes)))}
    bands = {b.label for b in age_bands(profile)} | {"all"}
    errors, parsed, seen = [], [], {}
    for line, raw in enumerate(rows, start=2):
        code = (raw.get("area_code") or "").strip()
        band = (raw.get("age_band") or "").strip()
        area = areas.get(code)
        if area is None:
            errors.append(RowError(line, _("Unknown area code “%(code)s”.", code=code)))
            continue
        if allowed_path and not area.path.startswith(allowed_path):
            errors.append(RowError(line, _("Area “%(code)s” is outside your area.", code=code)))
            continue
        if band not in bands:
            errors.append(RowError(line, _("Unknown age band “%(band)s”; use one of %(bands)s.",
                                           band=band, bands=", ".join(sorted(bands)))))
            continue
        try:
            population = int((raw.get("population") or "").replace(",", "").replace("_", "").strip())
            if population < 0:
                raise ValueError
        except ValueError:
            errors.append(RowError(line, _("Population must be a whole number, 0 or more.")))
            continue
        if (area.id, band) in seen:
            errors.append(RowError(line, _("Repeats line %(other)s.", other=seen[(area.id, band)])))
            continue
        seen[(area.id, band)] = line
        parsed.append((area.id, band, population))
    if errors:
        raise TargetsRejected(errors)
    return parsed


def import_targets(text: str, profile, allowed_path: str = "") -> int:
    """Replace the targets named in the CSV (others stay); return how many rows were saved."""
    parsed = read_targets(text, profile, allowed_path)
    existing = {(t.area_id, t.age_band): t for t in db.session.scalars(
        sa.select(TargetPopulation).where(
            TargetPopulation.area_id.in_({area_id for area_id, _b, _p in parsed})))}
    for area_id, band, population in parsed:
        row = existing.get((area_id, band))
        if row is None:
            db.session.add(TargetPopulation(area_id=area_id, age_band=band, population=population))
        else:
            row.population = population
    audit("report.targets_import", "target_population", None, rows=len(parsed))
    db.session.commit()
    return len(parsed)
