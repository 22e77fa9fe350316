"""The cold chain: equipment (fridges, freezers, cold boxes), temperature excursions typed in or
found in a logger's readings (each flags the lots its store held), and the device tokens a
logger uploads its readings with."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Forbidden, ValidationFailed
from cowin_kit.core.inputs import date_out_of_range
from cowin_kit.stock.models import (EQUIPMENT_KINDS, Equipment, Excursion, ExposedLot, LedgerEntry,
                                    LoggerToken, Store)
from cowin_kit.stock.operations import _field, _note, _writer


def add_equipment(staff, store: Store, *, code: str, kind: str, model: str = "",
                  min_celsius=2.0, max_celsius=8.0) -> Equipment:
    _writer(staff, store, "stock.equipment")
    code = (code or "").strip().upper()
    if not re.match(r"^[A-Z0-9._/-]{1,40}$", code):
        raise _field("code", _l("An equipment code is 1 to 40 letters, digits, . _ / or -."))
    if kind not in EQUIPMENT_KINDS:
        raise _field("kind", _l("Choose the kind of equipment."))
    low, high = _celsius(min_celsius, "min_celsius"), _celsius(max_celsius, "max_celsius")
    if low >= high:
        raise _field("max_celsius", _l("The highest temperature must be above the lowest."))
    if db.session.scalar(sa.select(Equipment.id).where(Equipment.code == code)):
        raise _field("code", _l("This code is already in use."))
    equipment = Equipment(store_id=store.id, code=code, kind=kind, model=_note(model, "model", 120),
                          min_celsius=low, max_celsius=high)
    db.session.add(equipment)
    db.session.flush()
    audit("stock.equipment.add", "stock_equipment", equipment.id, code=code, kind=kind)
    db.session.commit()
    return equipment


def _celsius(value, name: str) -> float:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        raise _field(name, _l("Give a temperature in °C, like 4.5.")) from None
    if not -90.0 <= number <= 80.0 or number != number:
        raise _field(name, _l("Give a temperature between -90 and 80 °C."))
    return number


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment is None:
        raise _field(name, _l("Give a date and time."))
    if moment.tzinfo is None:
        raise _field(name, _l("Give the time with its UTC offset, like 2021-05-01T10:00+05:30."))
    if refusal := date_out_of_range(moment):  # 0001-01-01+12:00 has no UTC datetime
        raise _field(name, refusal)
    if moment > utcnow() + dt.timedelta(minutes=5):
        raise _field(name, _l("This time is in the future."))
    return moment.astimezone(dt.timezone.utc)


def record_excursion(staff, equipment: Equipment, *, started_at: dt.datetime,
                     ended_at: dt.datetime, lowest, highest, source: str = "manual",
                     note: str = "", commit: bool = True,
                     token: LoggerToken | None = None) -> Excursion:
    """Record a temperature excursion and flag every lot the store held at its start (by a
    signed-in store writer, or by the logger ``token`` of this very appliance)."""
    store = db.session.get(Store, equipment.store_id)
    if token is None:
        _writer(staff, store, "stock.excursion")
    elif token.equipment_id != equipment.id:
        raise Forbidden()
    start, end = _aware(started_at, "started_at"), _aware(ended_at, "ended_at")
    if end < start:
        raise _field("ended_at", _l("The end is before the start."))
    low, high = _celsius(lowest, "lowest_celsius"), _celsius(highest, "highest_celsius")
    if low > high:
        raise _field("highest_celsius", _l("The highest temperature is below the lowest."))
    if equipment.min_celsius <= low and high <= equipment.max_celsius:
        raise _field("highest_celsius", _l("These temperatures are within the equipment's "
                                           "range (%(low)s to %(high)s °C).") % {
            "low": equipment.min_celsius, "high": equipment.max_celsius})
    existing = db.session.scalar(sa.select(Excursion).where(
        Excursion.equipment_id == equipment.id, Excursion.started_at == start))
    if existing is not None:  # the same logger file uploaded twice
        return existing
    excursion = Excursion(equipment_id=equipment.id, started_at=start, ended_at=end,
                          lowest_celsius=low, highest_celsius=high, source=source,
                          recorded_by=getattr(staff, "id", None), note=_note(note))
    db.session.add(excursion)
    db.session.flush()
    for lot_id, doses in held_during(store.id, start, end):
        excursion.lots.append(ExposedLot(lot_id=lot_id, doses=doses))
    audit("stock.excursion", "stock_equipment", equipment.id, excursion=excursion.id,
          lowest=low, highest=high, source=source)
    if commit:
        db.session.commit()
    return excursion


def held_during(store_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int]]:
    """(lot id, doses) the store held during [start, end], from the ledger: the balance at the
    start plus what arrived before the end."""
    at_start = sa.func.sum(sa.case((LedgerEntry.at <= start, LedgerEntry.doses), else_=0))
    arrived = sa.func.sum(sa.case((sa.and_(LedgerEntry.at > start, LedgerEntry.doses > 0),
                                   LedgerEntry.doses), else_=0))
    rows = db.session.execute(
        sa.select(LedgerEntry.lot_id, at_start, arrived)
        .where(LedgerEntry.store_id == store_id, LedgerEntry.at <= end)
        .group_by(LedgerEntry.lot_id).order_by(LedgerEntry.lot_id)).all()
    return [(lot_id, int(a or 0) + int(b or 0)) for lot_id, a, b in rows
            if int(a or 0) + int(b or 0) > 0]


def import_readings(staff, rows, *, source: str = "upload",
                    token: LoggerToken | None = None) -> list[Excursion]:
    """Turn a logger's readings (equipment code, time, °C) into excursions: each run of
    consecutive readings outside the equipment's range is one excursion. Every row is checked
    before anything is written; a bad row is reported with its number. With a logger ``token``
    every reading must be of the token's appliance (else 403, nothing recorded)."""
    by_equipment: dict[str, list[tuple[dt.datetime, float]]] = {}
    errors = {}
    for number, row in enumerate(rows, 1):
        try:
            code = row.get("equipment") or ""
            code = code.strip().upper() if isinstance(code, str) else ""
            if not code:
                raise _field("equipment", _l("Give the equipment code."))
            moment = _aware(_timestamp(row.get("time")), "time")
            by_equipment.setdefault(code, []).append(
                (moment, _celsius(row.get("celsius"), "celsius")))
        except ValidationFailed as exc:
            errors[f"row_{number}"] = [_l("Row %(n)s: %(problem)s") % {"n": number,
                                                                        "problem": m}
                                       for ms in exc.fields.values() for m in ms]
        if len(errors) >= 20:
            break
    if errors:
        raise ValidationFailed(_l("Some readings are not valid; nothing was recorded."),
                               fields=errors)
    if not by_equipment:
        raise ValidationFailed(_l("The file has no readings."), code="NO_READINGS")
    if token is not None and set(by_equipment) != {token.equipment.code}:
        raise Forbidden(_l("This token uploads the readings of %(code)s only.") % {
            "code": token.equipment.code}, code="OTHER_EQUIPMENT")
    equipment = {e.code: e for e in db.session.scalars(
        sa.select(Equipment).where(Equipment.code.in_(by_equipment)))}
    unknown = sorted(set(by_equipment) - set(equipment))
    if unknown:
        raise _field("equipment", _l("Unknown equipment: %(codes)s.") % {
            "codes": ", ".join(unknown[:10])})
    made = []
    for code, readings in by_equipment.items():
        item = equipment[code]
        run: list[tuple[dt.datetime, float]] = []
        for moment, celsius in sorted(readings) + [(None, None)]:
            outside = celsius is not None and not (item.min_celsius <= celsius
                                                   <= item.max_celsius)
            if outside:
                run.append((moment, celsius))
                continue
            if run:
                temps = [c for _m, c in run]
                made.append(record_excursion(
                    staff, item, started_at=run[0][0], ended_at=moment or run[-1][0],
                    lowest=min(temps), highest=max(temps), source=source, commit=False,
                    token=token))
                run = []
    db.session.commit()
    return made


def _timestamp(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise _field("time", _l("Give the time as ISO 8601, like 2021-05-01T10:00:00+05:30.")) \
            from None


# -- logger tokens ----------------------------------------------------------------------------

#: Every logger token starts with this, so a leaked one is recognisable (secret scanners).
TOKEN_PREFIX = "ckl_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_logger_token(staff, equipment: Equipment, label: str = "") -> tuple[LoggerToken, str]:
    """A new device token for one appliance's logger; returns the row and the token itself,
    which is shown once and never stored."""
    _writer(staff, db.session.get(Store, equipment.store_id), "stock.logger_token.create")
    label = _note(label, "label", 80)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = LoggerToken(equipment_id=equipment.id, label=label, token_hash=_token_hash(secret),
                      prefix=secret[:12], created_by=staff.id)
    db.session.add(row)
    db.session.flush()
    audit("stock.logger_token.create", "stock_equipment", equipment.id, token=row.id,
          prefix=row.prefix)
    db.session.commit()
    return row, secret


def revoke_logger_token(staff, token: LoggerToken) -> None:
    """Revoke a logger token: its next upload is refused (401)."""
    _writer(staff, db.session.get(Store, token.equipment.store_id), "stock.logger_token.revoke")
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = utcnow(), staff.id
        audit("stock.logger_token.revoke", "stock_equipment", token.equipment_id,
              token=token.id, prefix=token.prefix)
    db.session.commit()


def logger_token(secret: str) -> LoggerToken | None:
    """The live token row of a presented token (None: unknown, revoked, or its appliance
    retired); records when it was last used (committed with the upload)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    row = db.session.scalar(sa.select(LoggerToken).where(
        LoggerToken.token_hash == _token_hash(secret), LoggerToken.revoked_at.is_(None)))
    if row is None or not row.equipment.active:
        return None
    row.last_used_at = utcnow()
    return row
