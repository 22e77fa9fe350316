"""Facility admin: every write staff make on facilities (create, edit, open or close, import).

Each function checks the staff user's reach (``require_scope``) before writing, so the API, the
pages and scripts share one rule. A refused request changes nothing. Session planning is in
``booking.admin_operations``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import in_scope, require_scope
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed

FEE_TYPES = ("Free", "Paid")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
FACILITY_FIELDS = ("code", "name", "area_code", "address", "postal_code", "lat", "lon",
                   "fee_type", "opens", "closes")


class ImportFailed(ValidationFailed):
    """A CSV import refused as a whole; ``rows`` lists every problem by line and column.

    In JSON the problems are ``fields`` keyed ``"<line>.<column>"`` (e.g. ``"3.area_code"``).
    """

    code = "IMPORT_FAILED"
    default_message = _l("The file has %(count)s errors; nothing was imported.")

    def __init__(self, rows: list[dict]):
        fields: dict[str, list] = {}
        for row in rows:
            fields.setdefault(f"{row['line']}.{row['field'] or 'row'}", []).append(row["message"])
        super().__init__(fields=fields, count=len(rows))
        self.rows = rows


def _area_by_code(code: str):
    return db.session.execute(sa.select(Area).where(Area.code == code)).scalar_one_or_none()


def _time(value, default: dt.time) -> dt.time:
    if value in (None, ""):
        return default
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value).strip())


def clean_facility(data: dict, *, partial: bool = False) -> tuple[dict, dict[str, list]]:
    """Check facility fields; return the clean values and errors per field (nothing written)."""
    clean: dict = {}
    errors: dict[str, list] = {}

    def given(key):
        return key in data and data[key] is not None and str(data[key]).strip() != ""

    if given("code") or not partial:
        code = str(data.get("code") or "").strip()
        if not CODE_RE.match(code):
            errors["code"] = [_l("1 to 32 letters, digits, dashes or underscores.")]
        clean["code"] = code
    if given("name") or not partial:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 200:
            errors["name"] = [_l("A name of up to 200 characters is required.")]
        clean["name"] = name
    if given("area_code") or not partial:
        area = _area_by_code(str(data.get("area_code") or "").strip())
        if area is None:
            errors["area_code"] = [_l("Unknown area code.")]
        clean["area"] = area
    for key, limit in (("address", 300), ("postal_code", 16)):
        if key in data or not partial:
            value = str(data.get(key) or "").strip()
            if len(value) > limit:
                errors[key] = [_l("At most %(n)s characters.", n=limit)]
            clean[key] = value or (None if key == "postal_code" else "")
    if "lat" in data or "lon" in data or not partial:
        try:
            lat = float(data["lat"]) if given("lat") else None
            lon = float(data["lon"]) if given("lon") else None
            if (lat is None) != (lon is None) or (lat is not None and not (
                    -90 <= lat <= 90 and -180 <= lon <= 180)):
                raise ValueError
            clean["lat"], clean["lon"] = lat, lon
        except (TypeError, ValueError):
            errors["lat"] = [_l("Latitude -90..90 and longitude -180..180, both or neither.")]
    if given("fee_type") or not partial:
        fee_type = str(data.get("fee_type") or "Free").strip().capitalize()
        if fee_type not in FEE_TYPES:
            errors["fee_type"] = [_l("Fee type must be Free or Paid.")]
        clean["fee_type"] = fee_type
    if given("opens") or given("closes") or not partial:
        try:
            opens = _time(data.get("opens"), dt.time(9, 0))
            closes = _time(data.get("closes"), dt.time(17, 0))
            if opens >= closes:
                raise ValueError
            clean["opens"], clean["closes"] = opens, closes
        except ValueError:
            errors["opens"] = [_l("Opening and closing times as HH:MM, opening first.")]
    return clean, errors


def _apply(facility: Facility, clean: dict) -> None:
    for key, value in clean.items():
        if key == "area":
            facility.area_id = value.id
        else:
            setattr(facility, key, value)


def _code_taken(code: str, except_id: int | None = None) -> bool:
    query = sa.select(Facility.id).where(Facility.code == code)
    if except_id is not None:
        query = query.where(Facility.id != except_id)
    return db.session.execute(query).first() is not None


def create_facility(staff, data: dict) -> Facility:
    """Create a facility in an area the staff user reaches."""
    clean, errors = clean_facility(data)
    if not errors and _code_taken(clean["code"]):
        errors["code"] = [_l("A facility with this code exists.")]
    if errors:
        raise ValidationFailed(fields=errors)
    require_scope(staff, clean["area"], "facility.create")
    facility = Facility(active=True)
    _apply(facility, clean)
    db.session.add(facility)
    db.session.flush()
    audit("facility.create", "facility", facility.id, code=facility.code)
    db.session.commit()
    return facility


def _snapshot(facility: Facility) -> dict:
    return {key: (str(value) if isinstance(value, dt.time) else value)
            for key in ("code", "name", "area_id", "address", "postal_code", "lat", "lon",
                        "fee_type", "opens", "closes", "active")
            for value in [getattr(facility, key)]}


def edit_facility(staff, facility: Facility, data: dict) -> Facility:
    """Change a facility's details (moving it needs reach over the new area too)."""
    require_scope(staff, facility, "facility.edit")
    clean, errors = clean_facility(data, partial=True)
    if "code" in clean and not errors and _code_taken(clean["code"], facility.id):
        errors["code"] = [_l("A facility with this code exists.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if "area" in clean:
        require_scope(staff, clean["area"], "facility.edit")
    before = _snapshot(facility)
    _apply(facility, clean)
    after = _snapshot(facility)
    changed = {k for k in after if after[k] != before[k]}
    audit("facility.edit", "facility", facility.id,
          before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    db.session.commit()
    return facility


def set_facility_active(staff, facility: Facility, active: bool) -> Facility:
    """Activate or deactivate a facility (deactivated ones are hidden from booking)."""
    require_scope(staff, facility, "facility.activate")
    if facility.active != active:
        facility.active = active
        audit("facility.activate" if active else "facility.deactivate", "facility", facility.id)
        db.session.commit()
    return facility


def import_facilities(staff, text: str) -> list[Facility]:
    """Import facilities from CSV text; any bad row fails the whole file with a per-row report."""
    rows_errors: list[dict] = []
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFailed([{"line": 1, "field": None, "message": str(exc)}]) from None
    missing = [f for f in ("code", "name", "area_code") if f not in header]
    if missing:
        raise ImportFailed([{"line": 1, "field": f, "message": _l("Missing column.")}
                            for f in missing])
    seen: dict[str, int] = {}
    pending: list[dict] = []
    try:
        for row in reader:
            line = reader.line_num
            data = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
            clean, errors = clean_facility(data)
            code = clean.get("code")
            if code and "code" not in errors:
                if code in seen:
                    errors["code"] = [_l("Code repeated in the file (first on line %(line)s).",
                                         line=seen[code])]
                elif _code_taken(code):
                    errors["code"] = [_l("A facility with this code exists.")]
                seen.setdefault(code, line)
            if not errors and not in_scope(staff, clean["area"]):
                errors["area_code"] = [_l("This area is outside your responsibility.")]
            for field, messages in errors.items():
                for message in messages:
                    rows_errors.append({"line": line, "field": field, "message": message})
            pending.append(clean)
    except csv.Error as exc:
        rows_errors.append({"line": reader.line_num, "field": None, "message": str(exc)})
    if not pending and not rows_errors:
        rows_errors.append({"line": 2, "field": None, "message": _l("The file has no rows.")})
    if rows_errors:
        raise ImportFailed(rows_errors)
    created = []
    for clean in pending:
        facility = Facility(active=True)
        _apply(facility, clean)
        db.session.add(facility)
        created.append(facility)
    db.session.flush()
    audit("facility.import", "facility", None, count=len(created),
          codes=[f.code for f in created][:500])
    db.session.commit()
    return created
