"""Every write to vaccine stock: stores, lots, receipts, shipments and their confirmation,
wastage, counts and recalls. Vials opened at the desk are in :mod:`cowin_kit.stock.vials`,
cold-chain equipment, excursions and logger tokens in :mod:`cowin_kit.stock.coldchain`; both
change balances through this module's ledger.

Every change of a balance goes through :func:`_move`, which changes the balance and appends
the ledger entry in the same transaction. A draw is one conditional statement,
``UPDATE stock_balance SET doses = doses - :n WHERE … AND doses >= :n``: the row lock makes
parallel draws wait for each other and each re-checks the balance it finds, so the balance can
never go below zero (a CHECK constraint stands behind it). Checks come first; a refused
operation changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import NATIONWIDE, STOCK_WRITERS, require_scope
from cowin_kit.areas.models import Area
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Facility
from cowin_kit.booking.rules import local_now
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Conflict, Forbidden, KitError, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.stock.models import (WASTAGE_REASONS, LedgerEntry, Lot, Shipment, StockBalance,
                                    Store)
from cowin_kit.vaccination.operations import clean_lot

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
