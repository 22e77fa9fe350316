"""Every write to vaccine stock: stores, lots, receipts, shipments and their confirmation,
wastage, counts, vials opened at the desk, recalls, cold-chain equipment and excursions.

Every change of a balance goes through :func:`_move`, which changes the balance and appends
the ledger entry in the same transaction. A draw is one conditional statement,
``UPDATE stock_balance SET doses = doses - :n WHERE … AND doses >= :n``: the row lock makes
parallel draws wait for each other and each re-checks the balance it finds, so the balance can
never go below zero (a CHECK constraint stands behind it). Checks come first; a refused
operation changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import NATIONWIDE, STOCK_WRITERS, require_scope
from cowin_kit.areas.models import Area
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Facility
from cowin_kit.booking.rules import local_now
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Conflict, Forbidden, KitError, NotFound, ValidationFailed
from cowin_kit.core.inputs import date_out_of_range
from cowin_kit.profiles import get_profile
from cowin_kit.stock.models import (EQUIPMENT_KINDS, VIAL_CLOSE_REASONS, WASTAGE_REASONS, Equipment,
                                    Excursion, ExposedLot, LedgerEntry, LoggerToken, Lot, OpenVial,
                                    Shipment, StockBalance, Store)
from cowin_kit.vaccination.operations import clean_lot, facility_local

GTIN_RE = re.compile(r"^[0-9]{8}$|^[0-9]{12,14}$")
MAX_DOSES = 10_000_000  # one movement; more is a typing mistake


class InsufficientStock(Conflict):
    code = "INSUFFICIENT_STOCK"
    default_message = _l("Only %(available)s doses of lot %(lot)s are left in this store.")


class LotExpired(Conflict):
    code = "LOT_EXPIRED"
    default_message = _l("Lot %(lot)s expired on %(expiry)s. Do not use it: set its vials aside "
                         "and record them as wastage.")


class LotRecalled(Conflict):
    code = "LOT_RECALLED"
    default_message = _l("Lot %(lot)s has been recalled. Do not use it: set its vials aside "
                         "for collection.")


class ShipmentClosed(Conflict):
    code = "SHIPMENT_CLOSED"
    default_message = _l("This shipment has already been received or rejected.")


def _field(name: str, message) -> ValidationFailed:
    return ValidationFailed(fields={name: [message]})


def _doses(value, name: str = "doses") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _field(name, _l("Give a whole number of doses.")) from None
    if not 0 < number <= MAX_DOSES:
        raise _field(name, _l("Give a number of doses between 1 and %(max)s.") % {
            "max": MAX_DOSES})
    return number


def _note(value, name: str = "note", limit: int = 500) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise _field(name, _l("At most %(n)s characters.") % {"n": limit})
    return text


# -- stores -----------------------------------------------------------------------------------

def scope_of(store: Store):
    """The place a store belongs to, for ``staff_permissions.in_scope``."""
    if store.facility_id is not None:
        return db.session.get(Facility, store.facility_id)
    if store.area_id is not None:
        return db.session.get(Area, store.area_id)
    return NATIONWIDE


def require_store(staff, store: Store, action: str) -> None:
    require_scope(staff, scope_of(store), action)


def national_store() -> Store:
    store = db.session.scalar(sa.select(Store).where(Store.kind == "national"))
    if store is None:
        profile = get_profile()
        store = Store(code="NATIONAL", kind="national",
                      name=str(_l("National vaccine store")) + f" ({profile.code.upper()})")
        db.session.add(store)
        db.session.flush()
    return store


def area_store(area: Area) -> Store:
    """The store of an area (made on first use), supplied by the nearest ancestor's store."""
    store = db.session.scalar(sa.select(Store).where(Store.area_id == area.id,
                                                     Store.kind == "area"))
    if store is None:
        parent = area_store(area.parent) if area.parent_id else national_store()
        store = Store(code=f"A-{area.code}"[:40], kind="area", area_id=area.id,
                      name=area.name, parent_id=parent.id)
        db.session.add(store)
        db.session.flush()
    return store


def supplying_store(area: Area | None, store_levels: int) -> Store:
    """The store that supplies a place in ``area``: its nearest ancestor area of a stocked level
    (levels 1..store_levels keep stores, e.g. state and district), else the national store."""
    while area is not None and area.level > store_levels:
        area = area.parent
    return area_store(area) if area is not None else national_store()


def store_levels() -> int:
    levels = len(get_profile().admin_levels)
    return min(2, levels)  # national → state → district → facility, as eVIN


def facility_store(facility: Facility) -> Store:
    """The facility's own store (made on first use, supplied by its district's)."""
    store = db.session.scalar(sa.select(Store).where(Store.facility_id == facility.id))
    if store is None:
        parent = supplying_store(db.session.get(Area, facility.area_id), store_levels())
        store = Store(code=f"F-{facility.code}"[:40], kind="facility", facility_id=facility.id,
                      area_id=facility.area_id, name=facility.name, parent_id=parent.id)
        db.session.add(store)
        db.session.flush()
    return store


def sync_stores() -> int:
    """Make the national store and a store for every area of the stocked levels and every
    active facility; return how many were made."""
    before = db.session.scalar(sa.select(sa.func.count(Store.id)))
    national_store()
    levels = store_levels()
    for area in db.session.scalars(sa.select(Area).where(Area.level <= levels)
                                   .order_by(Area.level, Area.code)):
        area_store(area)
    for facility in db.session.scalars(sa.select(Facility).where(Facility.active)
                                       .order_by(Facility.code)):
        facility_store(facility)
    made = db.session.scalar(sa.select(sa.func.count(Store.id))) - before
    db.session.commit()
    return made


# -- lots -------------------------------------------------------------------------------------

def clean_lot_number(value) -> str:
    """The lot number as the desk records it (vaccination.operations.clean_lot's format)."""
    return clean_lot(value)


def register_lot(staff, *, vaccine: str, lot_number: str, expiry: dt.date | None,
                 manufacturer: str = "", gtin: str | None = None,
                 doses_per_vial: int | None = None) -> Lot:
    """Return the lot (made when new); a known lot's expiry must match what is declared."""
    try:
        product = get_profile().vaccine(vaccine)
    except KitError:
        raise _field("vaccine", _l("This vaccine is not in the country profile.")) from None
    number = clean_lot_number(lot_number)
    gtin = (gtin or "").strip() or None
    if gtin is not None and not GTIN_RE.match(gtin):
        raise _field("gtin", _l("A GTIN is 8, 12, 13 or 14 digits."))
    if gtin is not None:
        gtin = gtin.zfill(14)
    if expiry is None:
        raise _field("expiry", _l("Give the lot's expiry date."))
    lot = db.session.scalar(sa.select(Lot).where(Lot.vaccine == vaccine,
                                                 Lot.lot_number == number))
    if lot is not None:
        if lot.expiry != expiry:
            raise _field("expiry", _l("Lot %(lot)s is known with expiry %(expiry)s.") % {
                "lot": number, "expiry": lot.expiry.isoformat()})
        if gtin and not lot.gtin:
            lot.gtin = gtin
        return lot
    per_vial = doses_per_vial or product.doses_per_vial
    if not per_vial or not 1 <= int(per_vial) <= 100:
        raise _field("doses_per_vial", _l("Give the doses per vial (1 to 100)."))
    lot = Lot(vaccine=vaccine, lot_number=number, expiry=expiry, gtin=gtin,
              manufacturer=_note(manufacturer or product.manufacturer, "manufacturer", 200),
              doses_per_vial=int(per_vial))
    db.session.add(lot)
    db.session.flush()
    audit("stock.lot.register", "stock_lot", lot.id, vaccine=vaccine, lot=number,
          expiry=expiry.isoformat(), gtin=gtin)
    return lot


def usable(lot: Lot, on: dt.date) -> None:
    """Raise LOT_RECALLED or LOT_EXPIRED when the lot may not be used on ``on``."""
    if lot.recalled_at is not None:
        raise LotRecalled(lot=lot.lot_number)
    if lot.expiry < on:
        raise LotExpired(lot=lot.lot_number, expiry=_day(lot.expiry))


def _day(day: dt.date) -> str:
    from flask_babel import format_date

    return format_date(day, "medium")


def check_lot_for_dose(vaccine: str, lot_number: str, on: dt.date) -> None:
    """Refuse a dose from a lot the stock knows as expired (on the day) or recalled. Lots the
    stock does not know pass (an instance that does not track stock)."""
    lot = db.session.scalar(sa.select(Lot).where(Lot.vaccine == vaccine,
                                                 Lot.lot_number == lot_number))
    if lot is not None:
        usable(lot, on)


def recall_lot(staff, lot: Lot, reason: str) -> Lot:
    """Recall a lot: desks refuse it from now on; who received it is in ``queries``."""
    reason = _note(reason, "reason")
    if not reason:
        raise _field("reason", _l("Say why the lot is recalled."))
    if lot.recalled_at is not None:
        raise Conflict(_l("This lot is already recalled."), code="ALREADY_RECALLED")
    lot.recalled_at, lot.recall_reason = utcnow(), reason
    audit("stock.lot.recall", "stock_lot", lot.id, lot=lot.lot_number, reason=reason)
    db.session.commit()
    return lot


# -- the ledger -------------------------------------------------------------------------------

def _move(store: Store, lot: Lot, delta: int, kind: str, staff=None, **fields) -> LedgerEntry:
    """Change one balance by ``delta`` and append its ledger entry (same transaction)."""
    table = StockBalance.__table__
    now = utcnow()
    if delta < 0:
        after = db.session.execute(
            table.update().where(table.c.store_id == store.id, table.c.lot_id == lot.id,
                                 table.c.doses >= -delta)
            .values(doses=table.c.doses + delta, updated_at=now)
            .returning(table.c.doses)).scalar()
        if after is None:
            available = db.session.scalar(sa.select(StockBalance.doses).where(
                StockBalance.store_id == store.id, StockBalance.lot_id == lot.id)) or 0
            db.session.rollback()
            raise InsufficientStock(available=available, lot=lot.lot_number)
    else:
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table).values(store_id=store.id, lot_id=lot.id, doses=delta,
                                         updated_at=now)
        after = db.session.execute(statement.on_conflict_do_update(
            index_elements=["store_id", "lot_id"],
            set_={"doses": table.c.doses + delta, "updated_at": now})
            .returning(table.c.doses)).scalar()
    entry = LedgerEntry(store_id=store.id, lot_id=lot.id, kind=kind, doses=delta,
                        balance_after=after, staff_id=getattr(staff, "id", None), at=now,
                        **fields)
    db.session.add(entry)
    db.session.flush()
    return entry


def _writer(staff, store: Store, action: str) -> None:
    if staff.role not in STOCK_WRITERS:
        raise Forbidden()
    require_store(staff, store, action)


def receive(staff, store: Store, lot: Lot, doses, *, reference: str = "",
            note: str = "") -> LedgerEntry:
    """Doses of a lot arriving from the manufacturer or supplier (with their document)."""
    _writer(staff, store, "stock.receive")
    doses = _doses(doses)
    reference = _note(reference, "reference", 64)
    if lot.recalled_at is not None:
        raise LotRecalled(lot=lot.lot_number)
    entry = _move(store, lot, doses, "receipt", staff, reference=reference,
                  note=_note(note))
    audit("stock.receive", "stock_store", store.id, lot=lot.lot_number, doses=doses,
          reference=reference)
    db.session.commit()
    return entry


def send(staff, from_store: Store, to_store: Store, lot: Lot, doses, *,
         note: str = "") -> Shipment:
    """Dispatch doses to another store: they leave the sender now and wait, in transit, for
    the receiver to confirm. Down the hierarchy it is an issue, otherwise a transfer."""
    _writer(staff, from_store, "stock.send")
    doses = _doses(doses)
    if to_store.id == from_store.id or not to_store.active:
        raise _field("to_store", _l("Choose another active store."))

    today = local_now(get_profile()).date()  # the country's day
    if from_store.facility_id:
        today = facility_today(db.session.get(Facility, from_store.facility_id))
    usable(lot, today)
    kind = "issue" if to_store.parent_id == from_store.id else "transfer"
    shipment = Shipment(kind=kind, from_store_id=from_store.id, to_store_id=to_store.id,
                        lot_id=lot.id, doses=doses, sent_by=staff.id, note=_note(note))
    db.session.add(shipment)
    db.session.flush()
    _move(from_store, lot, -doses, "shipment_out", staff, shipment_id=shipment.id)
    audit("stock.send", "stock_shipment", shipment.id, kind=kind, lot=lot.lot_number,
          doses=doses, to_store=to_store.id)
    db.session.commit()
    return shipment


def confirm_shipment(staff, shipment: Shipment, *, accept: bool, note: str = "") -> Shipment:
    """The receiving store confirms a shipment (its doses join its stock) or rejects it (they
    go back to the sender's stock)."""
    to_store = db.session.get(Store, shipment.to_store_id)
    _writer(staff, to_store, "stock.confirm")
    note = _note(note)
    # Lock the shipment: a double click or two clerks confirm it once.
    locked = db.session.execute(sa.select(Shipment.status).where(Shipment.id == shipment.id)
                                .with_for_update()).scalar()
    if locked != "in_transit":
        raise ShipmentClosed()
    lot = db.session.get(Lot, shipment.lot_id)
    if accept:
        _move(to_store, lot, shipment.doses, "shipment_in", staff, shipment_id=shipment.id,
              note=note)
    else:
        if not note:
            raise _field("note", _l("Say why the shipment is rejected."))
        _move(db.session.get(Store, shipment.from_store_id), lot, shipment.doses,
              "shipment_returned", staff, shipment_id=shipment.id, note=note)
    shipment.status = "received" if accept else "rejected"
    shipment.received_at, shipment.received_by = utcnow(), staff.id
    audit("stock.confirm", "stock_shipment", shipment.id, accepted=accept, doses=shipment.doses)
    db.session.commit()
    return shipment


def record_wastage(staff, store: Store, lot: Lot, doses, *, reason: str,
                   note: str = "") -> LedgerEntry:
    """Closed vials discarded (expired, broken, exposed to heat or cold, recalled)."""
    _writer(staff, store, "stock.wastage")
    doses = _doses(doses)
    if reason not in WASTAGE_REASONS:
        raise _field("reason", _l("Choose why the doses were discarded."))
    note = _note(note)
    if reason == "other" and not note:
        raise _field("note", _l("Say what happened."))
    entry = _move(store, lot, -doses, "wastage", staff, reason=reason, note=note)
    audit("stock.wastage", "stock_store", store.id, lot=lot.lot_number, doses=doses,
          reason=reason)
    db.session.commit()
    return entry


def adjust_count(staff, store: Store, lot: Lot, counted, *, note: str) -> LedgerEntry | None:
    """A physical count differs from the balance: an adjustment entry (with why) makes the
    balance the count. Returns None when they already agree."""
    _writer(staff, store, "stock.count")
    try:
        counted = int(counted)
    except (TypeError, ValueError):
        raise _field("counted", _l("Give a whole number of doses.")) from None
    if not 0 <= counted <= MAX_DOSES:
        raise _field("counted", _l("Give a number of doses between 0 and %(max)s.") % {
            "max": MAX_DOSES})
    note = _note(note)
    if not note:
        raise _field("note", _l("Say why the count differs."))
    current = db.session.execute(
        sa.select(StockBalance.doses).where(StockBalance.store_id == store.id,
                                            StockBalance.lot_id == lot.id)
        .with_for_update()).scalar() or 0
    if counted == current:
        return None
    entry = _move(store, lot, counted - current, "count_adjustment", staff, note=note)
    audit("stock.count", "stock_store", store.id, lot=lot.lot_number, before=current,
          after=counted)
    db.session.commit()
    return entry


# -- at the desk: vials -----------------------------------------------------------------------

def parse_gs1(text: str) -> dict:
    """Read a GS1 DataMatrix string (as a scanner types it): GTIN (01), expiry (17), lot (10).

    Scanners send the FNC1 separator as the GS character (ASCII 29); some are set to send
    ``]d2`` first (the symbology identifier). biip handles both."""
    from biip import ParseError, parse

    value = (text or "").strip()
    if not value or len(value) > 200:
        raise _field("scan", _l("Scan the vial's 2D code, or choose its lot."))
    try:
        result = parse(value.replace("\\x1d", "\x1d").replace("<GS>", "\x1d"))
    except ParseError:
        result = None
    message = result.gs1_message if result is not None else None
    if message is None:
        raise _field("scan", _l("This is not a GS1 code with the vial's GTIN, lot and expiry."))
    found = {}
    for element in message.element_strings:
        if element.ai.ai == "01" and element.gtin is not None:
            found["gtin"] = element.gtin.value.zfill(14)
        elif element.ai.ai == "17" and element.date is not None:
            found["expiry"] = element.date
        elif element.ai.ai == "10":
            found["lot"] = element.value.strip().upper()
    if "lot" not in found:
        raise _field("scan", _l("The code does not carry a lot number (10)."))
    return found


def lot_from_scan(text: str) -> Lot:
    """The known lot a scanned vial belongs to (GTIN and lot, checked against the expiry)."""
    found = parse_gs1(text)
    query = sa.select(Lot).where(Lot.lot_number == found["lot"])
    if "gtin" in found:
        query = query.where(sa.or_(Lot.gtin == found["gtin"], Lot.gtin.is_(None)))
    lots = db.session.scalars(query).all()
    if len(lots) != 1:
        raise NotFound(_l("Lot %(lot)s is not in the stock records: receive it first.") % {
            "lot": found["lot"]}, code="LOT_UNKNOWN")
    lot = lots[0]
    if "expiry" in found and found["expiry"] != lot.expiry:
        raise Conflict(_l("The vial's expiry (%(vial)s) differs from the lot's record "
                          "(%(record)s). Set the vial aside and tell the store.") % {
            "vial": _day(found["expiry"]), "record": _day(lot.expiry)}, code="EXPIRY_MISMATCH")
    return lot


def _discard_at(facility: Facility, lot: Lot, opened_at: dt.datetime) -> dt.datetime:
    """When the open-vial policy closes a vial: the product's ``open_vial_hours``, else the
    end of the facility's day."""
    hours = None
    try:
        hours = get_profile().vaccine(lot.vaccine).open_vial_hours
    except KitError:
        pass
    if hours:
        return opened_at + dt.timedelta(hours=hours)
    local = facility_local(facility, opened_at)
    end = dt.datetime.combine(local.date(), facility.closes, tzinfo=local.tzinfo)
    return max(end, opened_at).astimezone(dt.timezone.utc)


def open_vial(staff, facility: Facility, lot: Lot) -> OpenVial:
    """Open a vial at the desk: its doses leave the facility's store now."""
    require_scope(staff, facility, "stock.vial.open")
    close_due_vials(facility)
    today = facility_today(facility)
    usable(lot, today)
    store = facility_store(facility)
    now = utcnow()
    vial = OpenVial(store_id=store.id, facility_id=facility.id, lot_id=lot.id,
                    doses=lot.doses_per_vial, opened_at=now, opened_on=today,
                    opened_by=staff.id, discard_at=_discard_at(facility, lot, now))
    db.session.add(vial)
    db.session.flush()
    _move(store, lot, -lot.doses_per_vial, "vial_opened", staff, vial_id=vial.id)
    audit("stock.vial.open", "stock_open_vial", vial.id, lot=lot.lot_number,
          doses=lot.doses_per_vial)
    db.session.commit()
    return vial


def close_vial(staff, vial: OpenVial, reason: str) -> OpenVial:
    require_scope(staff, db.session.get(Facility, vial.facility_id), "stock.vial.close")
    if reason not in VIAL_CLOSE_REASONS or reason == "policy":
        raise _field("reason", _l("Choose why the vial is closed."))
    if vial.closed_at is not None:
        raise Conflict(_l("This vial is already closed."), code="VIAL_CLOSED")
    vial.closed_at, vial.close_reason = utcnow(), reason
    audit("stock.vial.close", "stock_open_vial", vial.id, reason=reason)
    db.session.commit()
    return vial


def close_due_vials(facility: Facility | None = None, now: dt.datetime | None = None) -> int:
    """Close the open vials the open-vial policy says to discard by now (one facility, or
    all: ``cowin-kit stock close-vials``). The caller commits."""
    now = now or utcnow()
    query = sa.update(OpenVial).where(OpenVial.closed_at.is_(None), OpenVial.discard_at <= now)
    if facility is not None:
        query = query.where(OpenVial.facility_id == facility.id)
    result = db.session.execute(query.values(closed_at=OpenVial.discard_at,
                                             close_reason="policy")
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


# -- cold chain -------------------------------------------------------------------------------

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
