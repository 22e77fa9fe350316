"""Cold chain (equipment, excursions by hand, CSV or API, the lots exposed) and alerts (low
stock against planned sessions, lots expiring soon, recall: who received doses of a lot)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from cowin_kit.core.db import utcnow
from cowin_kit.stock import coldchain
from tests.factories import sign_in
from tests.operations.conftest import make_dose, make_person, make_session


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def test_excursion_flags_the_lots_the_store_held(stock, world, db):
    ops, lot, nat = stock["ops"], stock["lot"], world.staff["national_admin"]
    ops.receive(nat, stock["A"], lot, 500)
    ilr = coldchain.add_equipment(world.staff["store_manager"], stock["A"], code="ilr-0042",
                                  kind="ilr", model="Vestfrost MK 304")
    assert ilr.code == "ILR-0042" and (ilr.min_celsius, ilr.max_celsius) == (2.0, 8.0)
    start = utcnow() - dt.timedelta(hours=3)
    before = coldchain.record_excursion(nat, ilr, started_at=start,
                                        ended_at=start + dt.timedelta(hours=2), lowest=8.5,
                                        highest=12.25)
    assert before.lots == []  # the lot arrived after this excursion
    start = utcnow() - dt.timedelta(seconds=30)
    excursion = coldchain.record_excursion(nat, ilr, started_at=start, ended_at=utcnow(),
                                           lowest=8.5, highest=12.25, note="door left open")
    assert [(e.lot_id, e.doses) for e in excursion.lots] == [(lot.id, 500)]
    with pytest.raises(ops.ValidationFailed):  # inside the range: not an excursion
        coldchain.record_excursion(nat, ilr, started_at=start, ended_at=start, lowest=3, highest=7)
    with pytest.raises(ops.ValidationFailed):  # a wall-clock time without its offset
        coldchain.record_excursion(nat, ilr, started_at=start.replace(tzinfo=None),
                                   ended_at=start, lowest=9, highest=10)


def test_logger_csv_and_api_become_excursions(client, stock, world, db):
    from cowin_kit.stock.models import Excursion

    ops, lot, nat = stock["ops"], stock["lot"], world.staff["national_admin"]
    ops.receive(nat, stock["FA"], lot, 40)
    ilr = coldchain.add_equipment(nat, stock["FA"], code="LOG-7", kind="refrigerator")
    t0 = utcnow()  # a logger reading every 10 seconds from now (within the clock-skew margin)
    readings = [(0, 5.0), (1, 9.5), (2, 11.0), (3, 6.0), (4, 1.0), (5, 4.0)]
    csv_text = "equipment,time,celsius\n" + "".join(
        f"LOG-7,{_iso(t0 + dt.timedelta(seconds=10 * n))},{c}\n" for n, c in readings)
    sign_in(client, world.staff["facility_manager"])
    response = client.post(f"/stock/equipment/{ilr.id}/readings",
                           data={"file": (io.BytesIO(csv_text.encode()), "log.csv")})
    assert response.status_code == 303
    found = db.session.scalars(sa.select(Excursion).order_by(Excursion.started_at)).all()
    assert [(e.highest_celsius, e.lowest_celsius, e.source) for e in found] == [
        (11.0, 9.5, "upload"), (1.0, 1.0, "upload")]  # the warm run, then the freeze
    assert [[(x.lot_id, x.doses) for x in e.lots] for e in found] == [[(lot.id, 40)]] * 2
    # The same file again adds nothing; a bad row refuses the whole file.
    client.post(f"/stock/equipment/{ilr.id}/readings",
                data={"file": (io.BytesIO(csv_text.encode()), "log.csv")})
    bad = csv_text + "LOG-7,yesterday,40\n"
    response = client.post(f"/stock/equipment/{ilr.id}/readings",
                           data={"file": (io.BytesIO(bad.encode()), "log.csv")})
    assert response.status_code == 422 and "Row 7: Give the time as ISO 8601" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Excursion.id))) == 2
    # The native API takes the same readings as JSON.
    response = client.post("/api/kit/v1/stock/readings", headers={"X-Requested-With": "x"},
                           json={"readings": [
                               {"equipment": "LOG-7", "time": _iso(t0 + dt.timedelta(seconds=55)), "celsius": 15},
                               {"equipment": "LOG-7", "time": _iso(t0 + dt.timedelta(seconds=58)), "celsius": 5}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["excursions"][0]["lots"] == [lot.lot_number]
    for body in ({"readings": []}, {"readings": [{"equipment": "NOPE", "time": _iso(t0),
                                                  "celsius": 20}]}, ["x"]):
        response = client.post("/api/kit/v1/stock/readings", headers={"X-Requested-With": "x"},
                               json=body)
        assert response.status_code == 422, body


def test_low_stock_against_planned_sessions_and_planning_warning(client, stock, world, db):
    from cowin_kit.booking.admin_operations import facility_today
    from cowin_kit.stock.queries import low_stock

    ops, lot, fa = stock["ops"], stock["lot"], world.facilities["FA"]
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 30)
    make_session(db, fa, facility_today(fa) + dt.timedelta(days=2), caps={"1": 40, "2": 10})
    db.session.commit()
    [row] = low_stock(world.staff["store_manager"], facility_today(fa))
    assert (row.store.id, row.vaccine, row.usable, row.planned, row.short) == (
        stock["FA"].id, "covishield", 30, 50, 20)
    assert low_stock(world.staff["facility_manager"], facility_today(fa))  # their own facility
    sign_in(client, world.staff["facility_manager"])
    html = client.get(f"/admin/facilities/{fa.id}/sessions").get_data(as_text=True)
    assert "Stock cannot cover the planned sessions" in html
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 20)
    assert low_stock(world.staff["store_manager"], facility_today(fa)) == []


def test_expiring_soon_and_recall_recipients_are_audited(client, stock, world, db):
    from cowin_kit.core.models import AuditEntry
    from cowin_kit.stock.queries import expiring

    ops, nat = stock["ops"], world.staff["national_admin"]
    soon = ops.register_lot(nat, vaccine="covishield", lot_number="SOON-1",
                            expiry=dt.date.today() + dt.timedelta(days=10))
    ops.receive(nat, stock["FA"], soon, 10)
    ops.receive(nat, stock["FA"], stock["lot"], 10)
    assert [lot.lot_number for _s, lot, _n in expiring(world.staff["store_manager"],
                                                      dt.date.today())] == ["SOON-1"]
    given = make_person(db, name="Received SOON-1")
    make_dose(db, given, world.facilities["FA"]).lot = "SOON-1"
    elsewhere = make_person(db, name="Received in B")
    make_dose(db, elsewhere, world.facilities["FB"]).lot = "SOON-1"
    db.session.commit()
    sign_in(client, nat)
    assert client.post(f"/stock/lots/{soon.id}/recall", data={"reason": ""}).status_code == 422
    assert client.post(f"/stock/lots/{soon.id}/recall",
                       data={"reason": "cold-chain break at the manufacturer"}).status_code == 303
    sign_in(client, world.staff["area_admin"])  # area A: sees FA's recipient only
    html = client.get(f"/stock/lots/{soon.id}/recipients").get_data(as_text=True)
    assert given.reference_id in html and elsewhere.reference_id not in html
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "stock.lot.recipients"))
    assert entry.details["people"] == [given.reference_id]
    sign_in(client, world.staff["store_manager"])  # stock staff do not see people
    assert client.get(f"/stock/lots/{soon.id}/recipients").status_code == 403


def test_store_pages_and_fhir(client, stock, world, db):
    ops, lot, nat = stock["ops"], stock["lot"], world.staff["national_admin"]
    ops.receive(nat, stock["A"], lot, 100, reference="INV-1")
    shipment = ops.send(nat, stock["A"], stock["A1"], lot, 30)
    sign_in(client, world.staff["store_manager"])
    assert stock["A"].name in client.get("/stock/").get_data(as_text=True)
    html = client.get(f"/stock/stores/{stock['A1'].id}").get_data(as_text=True)
    assert "Received in good condition" in html  # A1 confirms what A sent
    assert client.get(f"/stock/stores/{stock['B'].id}").status_code == 403
    response = client.post(f"/stock/shipments/{shipment.id}/confirm",
                           data={"decision": "accept"})
    assert response.status_code == 303
    report = client.get(f"/api/kit/v1/stock/stores/{stock['A1'].id}/inventory-report").get_json()
    assert report["resourceType"] == "InventoryReport"
    [item] = report["inventoryListing"][0]["item"]
    assert item["quantity"]["value"] == 30 and item["instance"]["lotNumber"] == lot.lot_number
    delivery = client.get(f"/api/kit/v1/stock/shipments/{shipment.id}/supply-delivery").get_json()
    assert delivery["resourceType"] == "SupplyDelivery" and delivery["status"] == "completed"
    assert delivery["suppliedItem"]["quantity"]["value"] == 30
    # Bad input: a clear 4xx, nothing moved.
    for data in ({"lot_number": "x y", "vaccine": "covishield", "doses": "5", "expiry": "2030-01-01"},
                 {"lot_number": "OK-1", "vaccine": "nope", "doses": "5", "expiry": "2030-01-01"},
                 {"lot_number": "OK-1", "vaccine": "covishield", "doses": "-5", "expiry": "2030-01-01"},
                 {"lot_number": "OK-1", "vaccine": "covishield", "doses": "5", "expiry": "soon"}):
        assert client.post(f"/stock/stores/{stock['A'].id}/receive", data=data).status_code == 422
    assert client.post(f"/stock/stores/{stock['A'].id}/send",
                       data={"lot_id": lot.id, "to_store_id": stock["B"].id,
                             "doses": "71"}).status_code == 409
