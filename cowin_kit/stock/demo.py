"""Demo stock with realistic flows (idempotent): the national store receives lots from the
manufacturers, issues them down to the states, districts and demo facilities (each receiving
store confirms), one shipment still in transit, a lot expiring soon, a recalled lot, breakage
and expiry wastage, cold-chain equipment with an excursion, a vial open at today's desk, and a
store manager's login."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cowin_kit.accounts.models import StaffUser
from cowin_kit.accounts.staff_operations import create_staff_user
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db, utcnow
from cowin_kit.stock import coldchain, vials
from cowin_kit.stock import operations as ops
from cowin_kit.stock.models import LedgerEntry, Store
from cowin_kit.stock.reports import country_today

MAX_FACILITIES = 12


def gtin14(body: str) -> str:
    """A GTIN-14 from 13 digits and its GS1 check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def seed(app, profile, echo) -> None:
    admin = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "admin"))
    if admin is None or db.session.scalar(sa.select(LedgerEntry.id).where(
            LedgerEntry.kind == "receipt").limit(1)):
        return

    made = ops.sync_stores()
    today = country_today()
    national = ops.national_store()
    lots = {}
    for i, vaccine in enumerate(profile.vaccines[:3]):
        per_vial = vaccine.doses_per_vial or 10
        code = vaccine.id.replace("_", "")[:4].upper()
        lot = ops.register_lot(admin, vaccine=vaccine.id, lot_number=f"{code}{today:%y}{i + 1:03d}",
                               expiry=today + dt.timedelta(days=210), doses_per_vial=per_vial,
                               gtin=gtin14(f"08901{i + 1:08d}"))
        soon = ops.register_lot(admin, vaccine=vaccine.id, lot_number=f"{code}{today:%y}9{i:02d}",
                                expiry=today + dt.timedelta(days=18), doses_per_vial=per_vial)
        ops.receive(admin, national, lot, per_vial * 5000, reference=f"SUPPLY/{today:%Y}/{i + 1:03d}")
        ops.receive(admin, national, soon, per_vial * 300, reference=f"SUPPLY/{today:%Y}/9{i:02d}")
        lots[vaccine.id] = (lot, soon)
    if not lots:
        return
    first = next(iter(lots.values()))[0]
    recalled = ops.register_lot(admin, vaccine=first.vaccine, lot_number="RC" + first.lot_number[2:],
                                expiry=today + dt.timedelta(days=150),
                                doses_per_vial=first.doses_per_vial)
    ops.receive(admin, national, recalled, first.doses_per_vial * 100, reference="SUPPLY/RECALL")
    ops.recall_lot(admin, recalled, "Demo: particles seen in vials of this lot; under "
                                    "investigation by the regulator")
    facilities = db.session.scalars(sa.select(Facility).where(Facility.active)
                                    .order_by(Facility.id).limit(MAX_FACILITIES)).all()
    sent = 0
    for n, facility in enumerate(facilities):
        vaccine = db.session.scalar(
            sa.select(VaccinationSession.vaccine).where(
                VaccinationSession.facility_id == facility.id, VaccinationSession.date >= today)
            .order_by(VaccinationSession.date).limit(1))
        lot, soon = lots.get(vaccine) or next(iter(lots.values()))
        planned = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(SessionCapacity.capacity), 0))
            .join(VaccinationSession).where(VaccinationSession.facility_id == facility.id,
                                            VaccinationSession.date.between(
                                                today, today + dt.timedelta(days=7))))
        # A week's sessions and a margin, in whole vials; the second facility gets too little
        # (a low-stock alert), the last one's delivery is still on the road.
        doses = max(int(planned * (0.5 if n == 1 else 1.2)), lot.doses_per_vial * 5)
        doses -= doses % lot.doses_per_vial
        store = ops.facility_store(facility)
        path = _supply_path(store)
        for supplier, receiver in zip(path, path[1:]):
            shipment = ops.send(admin, supplier, receiver, lot, doses + lot.doses_per_vial * 2)
            if receiver.id != store.id or n < len(facilities) - 1:
                ops.confirm_shipment(admin, shipment, accept=True)
            sent += 1
        if n == 0:
            ops.send(admin, path[0], path[1], soon, soon.doses_per_vial * 20)
            ops.record_wastage(admin, store, lot, lot.doses_per_vial * 2, reason="breakage",
                               note="Demo: vials dropped while unpacking")
            fridge = coldchain.add_equipment(admin, store, code=f"REF-{facility.code}"[:40],
                                             kind="refrigerator", model="Demo ILR 100")
            now = utcnow()
            coldchain.record_excursion(admin, fridge, started_at=now, ended_at=now, lowest=9.8,
                                       highest=9.8, note="Demo: logger alarm, door left open")
            _open_todays_vial(facility, lot)
    echo(f"  stock: {made} stores, {len(lots) * 2 + 1} lots (one recalled), {sent} shipments "
         f"along the supply chain, a cold-chain excursion and an open vial at the desk")
    _store_manager(facilities, echo)
    db.session.commit()


def _supply_path(store: Store) -> list[Store]:
    path = [store]
    while path[-1].parent_id is not None:
        path.append(db.session.get(Store, path[-1].parent_id))
    return list(reversed(path))


def _open_todays_vial(facility: Facility, lot) -> None:
    vaccinator = db.session.scalar(sa.select(StaffUser).where(
        StaffUser.facility_id == facility.id, StaffUser.role == "vaccinator").limit(1))
    if vaccinator is not None:
        vials.open_vial(vaccinator, facility, lot)


def _store_manager(facilities, echo) -> None:
    if not facilities or db.session.scalar(sa.select(StaffUser.id).where(
            StaffUser.username == "store")):
        return
    area = db.session.get(Area, facilities[0].area_id)
    while area.parent_id is not None:
        area = db.session.get(Area, area.parent_id)
    create_staff_user(role="store_manager", username="store", password="demo-store",
                      full_name="Store Manager", area_code=area.code)
    echo(f"    store / demo-store  (store_manager, {area.name})")
