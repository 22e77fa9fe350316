"""FHIR for vaccine logistics: a shipment as an R4 ``SupplyDelivery`` and a store's stock as an
R5 ``InventoryReport`` (a snapshot count per lot), for DHIS2, OpenLMIS or a national eLMIS."""

from __future__ import annotations

from cowin_kit.core.db import db, utcnow
from cowin_kit.reporting.fhir import _system, vaccine_code
from cowin_kit.stock import queries
from cowin_kit.stock.models import Lot, Shipment, Store

#: http://hl7.org/fhir/supplydelivery-status
DELIVERY_STATUS = {"in_transit": "in-progress", "received": "completed", "rejected": "abandoned"}
GTIN = "https://www.gs1.org/gtin"


def _store_reference(store: Store) -> dict:
    return {"display": store.name, "identifier": {"system": _system("store"), "value": store.code}}


def _item(profile, lot: Lot) -> dict:
    code = vaccine_code(profile, lot.vaccine)
    if lot.gtin:
        code = {**code, "coding": [*code.get("coding", []),
                                   {"system": GTIN, "code": lot.gtin}]}
    return code


def supply_delivery(profile, shipment: Shipment) -> dict:
    """FHIR R4 SupplyDelivery: who sent which lot to whom, and whether it arrived."""
    lot = db.session.get(Lot, shipment.lot_id)
    resource = {
        "resourceType": "SupplyDelivery",
        "id": f"shipment-{shipment.id}",
        "identifier": [{"system": _system("stock-shipment"), "value": str(shipment.id)}],
        "status": DELIVERY_STATUS[shipment.status],
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/supply-item-type",
                             "code": "medication", "display": "Medication"}]},
        "suppliedItem": {"quantity": {"value": shipment.doses, "unit": "dose"},
                         "itemCodeableConcept": _item(profile, lot)},
        "supplier": _store_reference(db.session.get(Store, shipment.from_store_id)),
        "destination": _store_reference(db.session.get(Store, shipment.to_store_id)),
        "extension": [{"url": _system("stock-lot"), "valueString": lot.lot_number},
                      {"url": _system("stock-lot-expiry"), "valueDate": lot.expiry.isoformat()}],
    }
    if shipment.received_at is not None:
        resource["occurrencePeriod"] = {"start": shipment.sent_at.isoformat(),
                                        "end": shipment.received_at.isoformat()}
    else:
        resource["occurrenceDateTime"] = shipment.sent_at.isoformat()
    return resource


def inventory_report(profile, store: Store) -> dict:
    """FHIR R5 InventoryReport (snapshot): doses on hand per lot in one store."""
    now = utcnow().replace(microsecond=0).isoformat()
    items = []
    for _store, lot, doses in queries.balances([store.id]):
        items.append({
            "quantity": {"value": doses, "unit": "dose"},
            "item": {"concept": _item(profile, lot)},
            "instance": {"lotNumber": lot.lot_number, "expiry": lot.expiry.isoformat()},
        })
    return {
        "resourceType": "InventoryReport",
        "id": f"store-{store.id}-{now[:10]}",
        "status": "active",
        "countType": "snapshot",
        "reportedDateTime": now,
        "inventoryListing": [{
            "location": _store_reference(store),
            "countingDateTime": now,
            "item": items,
        }],
    }
