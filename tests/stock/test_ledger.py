"""Stores, lots, receipts, shipments confirmed by the receiving side, wastage and counts: the
append-only ledger and balances that never go below zero."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from cowin_kit.stock import vials
from tests.stock.conftest import balance


def test_stores_follow_the_admin_areas(stock, world):
    assert stock["national"].parent_id is None
    assert stock["A"].parent_id == stock["national"].id
    assert stock["A1"].parent_id == stock["A"].id  # district under its state
    assert stock["FA"].parent_id == stock["A1"].id  # facility under its district
    assert stock["FB"].parent_id == stock["B"].id


def test_receipt_issue_confirm_and_ledger(stock, world, db):
    from cowin_kit.stock.models import LedgerEntry

    ops, lot, nat = stock["ops"], stock["lot"], world.staff["national_admin"]
    ops.receive(nat, stock["national"], lot, 1000, reference="SII/INV/2021/77")
    shipment = ops.send(nat, stock["national"], stock["A"], lot, 400)
    assert shipment.kind == "issue" and shipment.status == "in_transit"
    assert balance(stock["national"], lot) == 600
    assert balance(stock["A"], lot) == 0  # not until the receiving side confirms
    ops.confirm_shipment(world.staff["store_manager"], shipment, accept=True)
    assert balance(stock["A"], lot) == 400
    transfer = ops.send(world.staff["store_manager"], stock["A"], stock["B"], lot, 50)
    assert transfer.kind == "transfer"
    with pytest.raises(ops.ShipmentClosed):
        ops.confirm_shipment(world.staff["national_admin"], shipment, accept=True)
    ops.confirm_shipment(nat, transfer, accept=False, note="cold box arrived warm")
    assert balance(stock["A"], lot) == 400 and balance(stock["B"], lot) == 0
    entries = db.session.execute(sa.select(LedgerEntry.store_id, LedgerEntry.kind,
                                           LedgerEntry.doses, LedgerEntry.balance_after)
                                 .order_by(LedgerEntry.id)).all()
    assert [tuple(e)[1:] for e in entries] == [
        ("receipt", 1000, 1000), ("shipment_out", -400, 600), ("shipment_in", 400, 400),
        ("shipment_out", -50, 350), ("shipment_returned", 50, 400)]


def test_store_manager_is_scoped_to_their_area(stock, world):
    from cowin_kit.core.errors import Forbidden

    ops, lot, sm = stock["ops"], stock["lot"], world.staff["store_manager"]
    ops.receive(world.staff["national_admin"], stock["B"], lot, 10)
    with pytest.raises(Forbidden):
        ops.receive(sm, stock["B"], lot, 10)
    with pytest.raises(Forbidden):
        ops.send(sm, stock["B"], stock["A"], lot, 5)
    with pytest.raises(Forbidden):  # a vaccinator never moves stock
        ops.receive(world.staff["vaccinator"], stock["FA"], lot, 10)
    assert balance(stock["B"], lot) == 10


def test_draws_beyond_the_balance_are_refused_and_change_nothing(stock, world, db):
    from cowin_kit.stock.models import LedgerEntry

    ops, lot, nat = stock["ops"], stock["lot"], world.staff["national_admin"]
    ops.receive(nat, stock["FA"], lot, 30)
    before = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))
    with pytest.raises(ops.InsufficientStock) as refused:
        ops.record_wastage(nat, stock["FA"], lot, 31, reason="breakage")
    assert refused.value.params["available"] == 30
    for bad in ("0", "-3", "x", None):
        with pytest.raises(ops.ValidationFailed):
            ops.record_wastage(nat, stock["FA"], lot, bad, reason="breakage")
    with pytest.raises(ops.ValidationFailed):
        ops.record_wastage(nat, stock["FA"], lot, 1, reason="lost-in-fire")
    assert balance(stock["FA"], lot) == 30
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == before
    ops.record_wastage(nat, stock["FA"], lot, 10, reason="cold_chain")
    assert ops.adjust_count(nat, stock["FA"], lot, 18, note="physical count 1 May") is not None
    assert balance(stock["FA"], lot) == 18


def test_expired_or_recalled_lots_are_not_sent(stock, world, db):
    ops, nat = stock["ops"], world.staff["national_admin"]
    old = ops.register_lot(nat, vaccine="covishield", lot_number="OLD-1",
                           expiry=dt.date.today() - dt.timedelta(days=1))
    ops.receive(nat, stock["national"], old, 100)
    with pytest.raises(ops.LotExpired):
        ops.send(nat, stock["national"], stock["A"], old, 10)
    ops.receive(nat, stock["national"], stock["lot"], 100)
    ops.recall_lot(nat, stock["lot"], "particles seen in vials")
    with pytest.raises(ops.LotRecalled):
        ops.send(nat, stock["national"], stock["A"], stock["lot"], 10)
    with pytest.raises(ops.ValidationFailed):  # a known lot keeps its expiry
        ops.register_lot(nat, vaccine="covishield", lot_number="OLD-1",
                         expiry=dt.date.today())


@pytest.mark.postgres
def test_ledger_is_append_only_on_postgresql(stock, world, db):
    from sqlalchemy.exc import DBAPIError

    stock["ops"].receive(world.staff["national_admin"], stock["national"], stock["lot"], 5)
    for statement in ("UPDATE stock_ledger SET doses = 500", "DELETE FROM stock_ledger",
                      "TRUNCATE stock_ledger CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()


@pytest.mark.postgres
def test_fifty_desks_drawing_from_twenty_doses_never_go_below_zero(app, stock, world, db):
    """50 threads each open a 1-dose vial from a balance of 20 at the same moment: exactly 20
    succeed, 30 are refused, the balance ends at 0 and the ledger adds up."""
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.booking.models import Facility
    from cowin_kit.stock.models import LedgerEntry, Lot, OpenVial

    ops, nat = stock["ops"], world.staff["national_admin"]
    single = ops.register_lot(nat, vaccine="covishield", lot_number="SINGLE-1",
                              expiry=dt.date.today() + dt.timedelta(days=90), doses_per_vial=1)
    ops.receive(nat, stock["FA"], single, 20)
    lot_id, facility_id, staff_id = single.id, world.facilities["FA"].id, \
        world.staff["vaccinator"].id
    barrier = threading.Barrier(50)
    outcomes: list[str] = []

    def draw():
        with app.app_context():
            staff = db.session.get(StaffUser, staff_id)
            facility = db.session.get(Facility, facility_id)
            lot = db.session.get(Lot, lot_id)
            barrier.wait()
            try:
                vials.open_vial(staff, facility, lot)
                outcomes.append("opened")
            except ops.InsufficientStock:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=draw) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()
    assert sorted(outcomes) == ["opened"] * 20 + ["refused"] * 30
    assert balance(stock["FA"], single) == 0
    assert db.session.scalar(sa.select(sa.func.count(OpenVial.id))
                             .where(OpenVial.lot_id == lot_id)) == 20
    after = db.session.scalars(sa.select(LedgerEntry.balance_after).where(
        LedgerEntry.lot_id == lot_id, LedgerEntry.kind == "vial_opened")).all()
    assert sorted(after) == list(range(20))  # each draw saw the one before it
