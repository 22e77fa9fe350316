"""Native API for stock: logger readings (cold chain) and FHIR for logistics systems."""

from __future__ import annotations

import functools

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from cowin_kit.accounts.staff_permissions import STOCK_WRITERS, staff_required
from cowin_kit.accounts.staff_web import me
from cowin_kit.core.audit import audit, set_actor
from cowin_kit.core.db import db
from cowin_kit.core.errors import Unauthorized, ValidationFailed
from cowin_kit.core.outage import limit
from cowin_kit.profiles import get_profile
from cowin_kit.stock import coldchain, fhir
from cowin_kit.stock.models import Shipment, Store
from cowin_kit.stock.views import VIEWERS, shipment_scope, store_scope

blp = Blueprint("stock_api", __name__, url_prefix="/api/kit/v1/stock",
                description="Vaccine stock: cold-chain logger readings, FHIR SupplyDelivery and "
                            "InventoryReport")
MAX_READINGS = 10_000


def _fhir(resource: dict):
    response = jsonify(resource)
    response.mimetype = "application/fhir+json"
    response.headers["Cache-Control"] = "no-store"
    return response


def logger_or_staff(view):
    """Let in a logger presenting ``Authorization: Bearer <logger token>`` (one appliance's,
    made on its equipment page), or else signed-in stock writers as ``staff_required`` does.
    Every token attempt counts against the client's rate limit (RATE_LIMIT_LOGGERS)."""
    staff_view = staff_required(STOCK_WRITERS, writes=True)(view)

    @functools.wraps(staff_view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header[:7].lower() == "bearer ":
            return staff_view(*args, **kwargs)
        limit("stock.logger_token",
              current_app.config.get("RATE_LIMIT_LOGGERS", "300 per 5 minutes"))
        token = coldchain.logger_token(header[7:].strip())
        if token is None:
            raise Unauthorized(_l("This logger token is not valid or has been revoked."),
                               code="BAD_LOGGER_TOKEN")
        db.session.commit()  # last used, even if the upload is refused
        set_actor("logger", token.id)
        return view(*args, token=token, **kwargs)

    return wrapper


@blp.post("/readings")
@blp.doc(summary="Upload temperature readings from loggers",
         description='JSON `{"readings": [{"equipment": "ILR-0042", "time": '
                     '"2021-05-01T10:00:00+05:30", "celsius": 9.4}, …]}` (at most 10,000). Runs '
                     'of readings outside the equipment\'s range become excursions, flagging the '
                     'lots the store held. Uploading the same readings again adds nothing. A '
                     'logger sends `Authorization: Bearer <logger token>` (made on the '
                     'equipment\'s page, for that appliance\'s readings only: others are '
                     'refused with 403); staff use their session.')
@logger_or_staff
def readings(token=None):
    body = request.get_json(silent=True)
    rows = body.get("readings") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows or len(rows) > MAX_READINGS \
            or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(fields={"readings": [_l(
            "Send a list of 1 to %(n)s readings, each with equipment, time and celsius.") % {
            "n": MAX_READINGS}]})
    made = coldchain.import_readings(None if token else me(), rows, source="api", token=token)
    return jsonify({"excursions": [{
        "id": e.id, "equipment": e.equipment.code, "started_at": e.started_at.isoformat(),
        "ended_at": e.ended_at.isoformat(), "lowest_celsius": e.lowest_celsius,
        "highest_celsius": e.highest_celsius,
        "lots": [x.lot.lot_number for x in e.lots]} for e in made]})


@blp.get("/stores/<int:store_id>/inventory-report")
@blp.doc(summary="A store's stock now as a FHIR R5 InventoryReport (snapshot per lot)")
@staff_required(VIEWERS, scope=store_scope)
def inventory_report(store_id: int):
    store = db.get_or_404(Store, store_id)
    audit("stock.fhir_export", "stock_store", store.id)
    db.session.commit()
    return _fhir(fhir.inventory_report(get_profile(), store))


@blp.get("/shipments/<int:shipment_id>/supply-delivery")
@blp.doc(summary="A shipment as a FHIR R4 SupplyDelivery")
@staff_required(VIEWERS, scope=shipment_scope)
def supply_delivery(shipment_id: int):
    shipment = db.get_or_404(Shipment, shipment_id)
    audit("stock.fhir_export", "stock_shipment", shipment.id)
    db.session.commit()
    return _fhir(fhir.supply_delivery(get_profile(), shipment))
