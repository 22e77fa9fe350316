"""Open vials for synthetic history (``cowin-kit seed`` and the demo's past).

The seeder samples how many doses each past session opened (those given plus a realistic share
wasted) and records them here as vials at the facility's store. Its synthetic lots are
single-dose presentations, so the sampled rate carries over exactly: the history has no stock
ledger behind it (no receipts), and whole multi-dose vials in the demo's tiny sessions would
read as 90 % wastage. Real sites record real vials at the desk (``stock.vials.open_vial``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db
from cowin_kit.stock.models import Lot, OpenVial, Store
from cowin_kit.stock.operations import facility_store

COLUMNS = ["store_id", "facility_id", "lot_id", "doses", "opened_at", "opened_on", "discard_at",
           "closed_at", "close_reason"]


def seed_lots(profile, pairs: Iterable[tuple[str, str]], expiry: dt.date) -> dict:
    """The synthetic lots ``(vaccine, lot number)`` (made when missing): {pair: lot id}."""
    known = {(v, n): i for v, n, i in db.session.execute(
        sa.select(Lot.vaccine, Lot.lot_number, Lot.id))}
    makers = {v.id: v.manufacturer for v in profile.vaccines}
    for vaccine, number in sorted(set(pairs) - set(known)):
        lot = Lot(vaccine=vaccine, lot_number=number, expiry=expiry, doses_per_vial=1,
                  manufacturer=makers.get(vaccine, ""))
        db.session.add(lot)
        db.session.flush()
        known[(vaccine, number)] = lot.id
    return known


def facility_stores(facility_ids: Iterable[int]) -> dict[int, int]:
    """{facility id: its store id}, making the stores (and their suppliers) when missing."""
    ids = set(facility_ids)
    stores = dict(db.session.execute(sa.select(Store.facility_id, Store.id)
                                     .where(Store.facility_id.in_(ids))).all()) if ids else {}
    for facility in db.session.scalars(sa.select(Facility).where(
            Facility.id.in_(ids - set(stores)))):
        stores[facility.id] = facility_store(facility).id
    return stores


def seed_vials(loader, profile, sessions: Iterable[tuple[int, dt.date, str, int]],
               lot_of: Callable[[int], str]) -> int:
    """Record ``opened`` single-dose vials per past session ``(facility, day, vaccine, opened)``
    (``lot_of(facility)``: the lot number the seeder wrote on that facility's doses)."""
    sessions = [s for s in sessions if s[3] > 0]
    if not sessions:
        return 0
    lots = seed_lots(profile, {(vaccine, lot_of(fid)) for fid, _d, vaccine, _n in sessions},
                     max(s[1] for s in sessions) + dt.timedelta(days=365))
    stores = facility_stores({s[0] for s in sessions})
    rows = []
    for fid, day, vaccine, opened in sessions:
        at = dt.datetime.combine(day, dt.time(9), dt.timezone.utc)
        end = at + dt.timedelta(hours=8)
        row = (stores[fid], fid, lots[(vaccine, lot_of(fid))], 1, at, day, end, end, "policy")
        rows.extend([row] * opened)
        if len(rows) >= 50_000:
            loader.insert(OpenVial.__table__, COLUMNS, rows)
            rows = []
    loader.insert(OpenVial.__table__, COLUMNS, rows)
    loader.fix_sequence(OpenVial.__table__.c.id)
    return sum(s[3] for s in sessions)
