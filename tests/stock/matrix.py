"""Stock objects for the authorisation matrix (tests/operations/route_matrix.py): for a
variant's facility, its store with a lot in stock, a shipment arriving there, a cold-chain
appliance and an open vial."""

from __future__ import annotations

import datetime as dt


def stock_objects(db, world, facility) -> dict:
    from cowin_kit.stock import coldchain, vials
    from cowin_kit.stock import operations as ops

    nat = world.staff["national_admin"]
    lot = ops.register_lot(nat, vaccine="covishield", lot_number=f"MX-{facility.code}",
                           expiry=dt.date.today() + dt.timedelta(days=300), doses_per_vial=10)
    store = ops.facility_store(facility)
    ops.receive(nat, store, lot, 100)
    supplier = db.session.get(type(store), store.parent_id)
    ops.receive(nat, supplier, lot, 100)
    shipment = ops.send(nat, supplier, store, lot, 20)
    equipment = coldchain.add_equipment(nat, store, code=f"ILR-{facility.code}", kind="ilr")
    vial = vials.open_vial(nat, facility, lot)
    token, _secret = coldchain.make_logger_token(nat, equipment)
    return {"token_id": token.id, "store_id": store.id, "lot_id": lot.id, "shipment_id": shipment.id,
            "equipment_id": equipment.id, "vial_id": vial.id}
