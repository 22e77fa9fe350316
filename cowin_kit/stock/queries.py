"""Reads of vaccine stock: balances, the ledger, shipments, open vials, wastage, alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from cowin_kit.accounts.staff_permissions import FACILITY_ROLES, NATIONAL_ADMIN, staff_area_path
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.stock.models import (Equipment, Excursion, ExposedLot, LedgerEntry, Lot, OpenVial,
                                    Shipment, StockBalance, Store)
from cowin_kit.vaccination.models import DoseRecord


def balance_of(store_id: int, lot_id: int) -> int:
    return db.session.scalar(sa.select(StockBalance.doses).where(
        StockBalance.store_id == store_id, StockBalance.lot_id == lot_id)) or 0


def store_condition(staff):
    """SQL condition limiting stores to a staff member's reach (None: every store)."""
    if staff.role == NATIONAL_ADMIN:
        return None
    if staff.role in FACILITY_ROLES:
        return Store.facility_id == (staff.facility_id or -1)
    reach = staff_area_path(staff)
    if reach == "":
        return None
    if reach is None:
        return sa.false()
    inside = sa.select(Area.id).where(Area.path.startswith(reach))
    return Store.area_id.in_(inside)


def stores(staff, kind: str | None = None) -> list[Store]:
    condition = store_condition(staff)
    query = sa.select(Store).where(Store.active)
    if condition is not None:
        query = query.where(condition)
    if kind:
        query = query.where(Store.kind == kind)
    order = sa.case({"national": 0, "area": 1, "facility": 2}, value=Store.kind)
    return list(db.session.scalars(query.order_by(order, Store.code)))


def balances(store_ids) -> list[tuple[Store, Lot, int]]:
    """(store, lot, doses) with doses left, lots by expiry (first expiring, first out)."""
    rows = db.session.execute(
        sa.select(Store, Lot, StockBalance.doses)
        .join(StockBalance, StockBalance.store_id == Store.id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(Store.id.in_(list(store_ids)), StockBalance.doses > 0)
        .order_by(Store.code, Lot.expiry, Lot.lot_number)).all()
    return [tuple(r) for r in rows]


def ledger(store_id: int, limit: int = 100) -> list[tuple[LedgerEntry, Lot]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(LedgerEntry, Lot).join(Lot, Lot.id == LedgerEntry.lot_id)
        .where(LedgerEntry.store_id == store_id)
        .order_by(LedgerEntry.id.desc()).limit(limit))]


def shipments(store_id: int, *, incoming: bool, status: str | None = "in_transit",
              limit: int = 100) -> list[Shipment]:
    column = Shipment.to_store_id if incoming else Shipment.from_store_id
    query = sa.select(Shipment).where(column == store_id)
    if status:
        query = query.where(Shipment.status == status)
    return list(db.session.scalars(query.order_by(Shipment.id.desc()).limit(limit)))


def waiting_for(staff, limit: int = 200) -> list[tuple[Store, Shipment]]:
    """Shipments in transit to the stores in a staff member's reach (one query)."""
    condition = store_condition(staff)
    query = (sa.select(Store, Shipment).join(Shipment, Shipment.to_store_id == Store.id)
             .where(Shipment.status == "in_transit"))
    if condition is not None:
        query = query.where(condition)
    return [tuple(r) for r in db.session.execute(query.order_by(Shipment.sent_at).limit(limit))]


def usable_lots(store_id: int, on: dt.date) -> list[tuple[Lot, int]]:
    """Lots a store can use on ``on`` (in stock, not expired, not recalled), first expiring
    first."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Lot, StockBalance.doses).join(StockBalance, StockBalance.lot_id == Lot.id)
        .where(StockBalance.store_id == store_id, StockBalance.doses > 0, Lot.expiry >= on,
               Lot.recalled_at.is_(None))
        .order_by(Lot.expiry, Lot.lot_number))]


@dataclass
class VialRow:
    vial: OpenVial
    lot: Lot
    given: int

    @property
    def left(self) -> int:
        return max(self.vial.doses - self.given, 0)


def open_vials(facility_id: int) -> list[VialRow]:
    """Vials open at a facility, with the doses recorded from their lot since each opened."""
    vials = db.session.execute(
        sa.select(OpenVial, Lot).join(Lot, Lot.id == OpenVial.lot_id)
        .where(OpenVial.facility_id == facility_id, OpenVial.closed_at.is_(None))
        .order_by(OpenVial.opened_at)).all()
    rows = []
    # Doses of one lot are given from its oldest open vial first.
    used: dict[int, int] = {}
    for vial, lot in vials:
        if lot.id not in used:
            used[lot.id] = db.session.scalar(
                sa.select(sa.func.count(DoseRecord.id)).where(
                    DoseRecord.facility_id == facility_id, DoseRecord.vaccine == lot.vaccine,
                    DoseRecord.lot == lot.lot_number, DoseRecord.administered_at >= vial.opened_at))
        given = min(used[lot.id], vial.doses)
        used[lot.id] -= given
        rows.append(VialRow(vial, lot, given))
    return rows


# -- wastage ----------------------------------------------------------------------------------

def opened_per_facility(date_from: dt.date, date_to: dt.date, condition=None) -> dict[int, int]:
    """Doses in the vials opened per facility over the days (the index answers alone)."""
    query = (sa.select(OpenVial.facility_id, sa.func.sum(OpenVial.doses))
             .where(OpenVial.opened_on.between(date_from, date_to)))
    if condition is not None:
        query = query.where(condition)
    return {fid: int(n or 0) for fid, n in db.session.execute(query.group_by(OpenVial.facility_id))}


@dataclass
class WastageRow:
    facility: Facility
    lot: Lot
    opened: int
    given: int
    closed_vial: dict  # reason -> doses

    @property
    def open_vial_wasted(self) -> int:
        return max(self.opened - self.given, 0)


def wastage(date_from: dt.date, date_to: dt.date, facility_condition=None) -> list[WastageRow]:
    """Per facility and lot: doses opened, given, wasted in open vials, and closed-vial
    wastage by reason (from the ledger of the facility's store). ``facility_condition``:
    a function of a facility id column returning a SQL condition (or None), such as
    ``reporting.reports.scope_condition`` bound to an area."""
    def where(column):
        condition = facility_condition(column) if facility_condition else None
        return [condition] if condition is not None else []

    start = dt.datetime.combine(date_from, dt.time.min, dt.timezone.utc)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, dt.timezone.utc)
    cells: dict[tuple[int, int], list] = {}
    for fid, lot_id, n in db.session.execute(
            sa.select(OpenVial.facility_id, OpenVial.lot_id, sa.func.sum(OpenVial.doses))
            .where(OpenVial.opened_on.between(date_from, date_to), *where(OpenVial.facility_id))
            .group_by(OpenVial.facility_id, OpenVial.lot_id)):
        cells[(fid, lot_id)] = [int(n), 0, {}]
    for fid, lot_id, n in db.session.execute(
            sa.select(DoseRecord.facility_id, Lot.id, sa.func.count(DoseRecord.id))
            .join(Lot, sa.and_(Lot.vaccine == DoseRecord.vaccine,
                               Lot.lot_number == DoseRecord.lot))
            .where(DoseRecord.administered_on.between(date_from, date_to),
                   *where(DoseRecord.facility_id))
            .group_by(DoseRecord.facility_id, Lot.id)):
        cells.setdefault((fid, lot_id), [0, 0, {}])[1] = int(n)
    for fid, lot_id, reason, n in db.session.execute(
            sa.select(Store.facility_id, LedgerEntry.lot_id, LedgerEntry.reason,
                      -sa.func.sum(LedgerEntry.doses))
            .join(Store, Store.id == LedgerEntry.store_id)
            .where(LedgerEntry.kind == "wastage", LedgerEntry.at >= start, LedgerEntry.at < end,
                   Store.facility_id.is_not(None), *where(Store.facility_id))
            .group_by(Store.facility_id, LedgerEntry.lot_id, LedgerEntry.reason)):
        cells.setdefault((fid, lot_id), [0, 0, {}])[2][reason] = int(n)
    facilities = {f.id: f for f in db.session.scalars(
        sa.select(Facility).where(Facility.id.in_({k[0] for k in cells})))}
    lots = {lot.id: lot for lot in db.session.scalars(
        sa.select(Lot).where(Lot.id.in_({k[1] for k in cells})))}
    rows = [WastageRow(facilities[f], lots[lot], *cell) for (f, lot), cell in cells.items()]
    rows.sort(key=lambda r: (r.facility.code, r.lot.vaccine, r.lot.lot_number))
    return rows


# -- alerts and planning ----------------------------------------------------------------------

@dataclass
class LowStock:
    store: Store
    vaccine: str
    usable: int
    planned: int

    @property
    def short(self) -> int:
        return max(self.planned - self.usable, 0)


def planning_days() -> int:
    return int((get_profile().data.get("stock") or {}).get("planning_days", 7))


def expiry_warning_days() -> int:
    return int((get_profile().data.get("stock") or {}).get("expiry_warning_days", 30))


def facility_cover(facility_id: int, vaccine: str, date_from: dt.date,
                   date_to: dt.date) -> tuple[int, int]:
    """(usable doses at the facility's store until ``date_to``, capacity of its open sessions
    of ``vaccine`` from ``date_from`` to ``date_to``)."""
    store_id = db.session.scalar(sa.select(Store.id).where(Store.facility_id == facility_id))
    usable = 0
    if store_id is not None:
        usable = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(StockBalance.doses), 0))
            .join(Lot, Lot.id == StockBalance.lot_id)
            .where(StockBalance.store_id == store_id, Lot.vaccine == vaccine,
                   Lot.expiry >= date_from, Lot.recalled_at.is_(None)))
    planned = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SessionCapacity.capacity), 0))
        .join(VaccinationSession, VaccinationSession.id == SessionCapacity.session_id)
        .where(VaccinationSession.facility_id == facility_id,
               VaccinationSession.vaccine == vaccine, VaccinationSession.status == "open",
               VaccinationSession.date.between(date_from, date_to)))
    return int(usable), int(planned)


def low_stock(staff, today: dt.date, days: int | None = None) -> list[LowStock]:
    """Facility stores whose usable doses of a product cannot cover the capacity of the
    sessions planned there in the next ``days`` days."""
    days = days or planning_days()
    until = today + dt.timedelta(days=days)
    found = []
    facility_ids = [s.facility_id for s in stores(staff, "facility")]
    if not facility_ids:
        return []
    planned = db.session.execute(
        sa.select(VaccinationSession.facility_id, VaccinationSession.vaccine,
                  sa.func.sum(SessionCapacity.capacity))
        .join(SessionCapacity, SessionCapacity.session_id == VaccinationSession.id)
        .where(VaccinationSession.facility_id.in_(facility_ids),
               VaccinationSession.status == "open",
               VaccinationSession.date.between(today, until))
        .group_by(VaccinationSession.facility_id, VaccinationSession.vaccine)).all()
    store_of = {s.facility_id: s for s in stores(staff, "facility")}
    for facility_id, vaccine, capacity in planned:
        usable, planned_n = facility_cover(facility_id, vaccine, today, until)
        if usable < planned_n:
            found.append(LowStock(store_of[facility_id], vaccine, usable, planned_n))
    found.sort(key=lambda r: (-r.short, r.store.code))
    return found


def expiring(staff, today: dt.date, days: int | None = None) -> list[tuple[Store, Lot, int]]:
    """Stock of lots expiring within ``days`` days (or already expired) in the staff's stores."""
    days = days or expiry_warning_days()
    ids = [s.id for s in stores(staff)]
    limit = today + dt.timedelta(days=days)
    return [r for r in balances(ids) if r[1].expiry <= limit]


def recipients(lot: Lot, facility_condition=None, limit: int = 5000) -> list[tuple]:
    """People who received a dose from the lot (the first ``limit``, by when):
    (dose, beneficiary, facility)."""
    query = (sa.select(DoseRecord, Beneficiary, Facility)
             .join(Beneficiary, Beneficiary.id == DoseRecord.beneficiary_id)
             .join(Facility, Facility.id == DoseRecord.facility_id)
             .where(DoseRecord.vaccine == lot.vaccine, DoseRecord.lot == lot.lot_number))
    if facility_condition is not None:
        query = query.where(facility_condition)
    return [tuple(r) for r in db.session.execute(
        query.order_by(DoseRecord.administered_at, DoseRecord.id).limit(limit))]


def equipment(store_id: int) -> list[Equipment]:
    return list(db.session.scalars(sa.select(Equipment).where(Equipment.store_id == store_id)
                                   .order_by(Equipment.code)))


def excursions(store_id: int, limit: int = 50) -> list[Excursion]:
    return list(db.session.scalars(
        sa.select(Excursion).join(Equipment, Equipment.id == Excursion.equipment_id)
        .where(Equipment.store_id == store_id)
        .order_by(Excursion.started_at.desc()).limit(limit)))


def exposures(lot_id: int) -> list[tuple[Excursion, ExposedLot]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(Excursion, ExposedLot).join(ExposedLot, ExposedLot.excursion_id == Excursion.id)
        .where(ExposedLot.lot_id == lot_id).order_by(Excursion.started_at))]
