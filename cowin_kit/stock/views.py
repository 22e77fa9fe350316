"""Stock pages: stores and their balances, receipts, shipments, wastage, counts, lots and
recalls, exports; and the desk's vials (open, scan, close). The cold-chain pages are in
:mod:`cowin_kit.stock.coldchain_views`, on this module's blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import (AREA_ADMIN, AUDITOR, DESK, FACILITY_MANAGER,
                                                  NATIONAL_ADMIN, STOCK_WRITERS, STORE_MANAGER,
                                                  area_filter, staff_required)
from cowin_kit.accounts.staff_web import error_context, form_date, form_int, me
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Facility
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import Forbidden, KitError, NotFound, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.reporting.exports import FORMATS, csv_chunks, xlsx_chunks
from cowin_kit.stock import operations as ops
from cowin_kit.stock import queries, reports
from cowin_kit.stock import vials as vial_ops
from cowin_kit.stock.models import (EQUIPMENT_KINDS, VIAL_CLOSE_REASONS, WASTAGE_REASONS, Lot,
                                    OpenVial, Shipment, Store)
from cowin_kit.stock.reports import country_today
from cowin_kit.vaccination.models import DoseRecord

bp = Blueprint("stock", __name__, url_prefix="/stock", template_folder="templates")
desk_bp = Blueprint("stock_desk", __name__, url_prefix="/desk/vials", template_folder="templates")

#: Who sees stock: everyone who plans, runs or audits it (within their reach).
VIEWERS = (NATIONAL_ADMIN, AREA_ADMIN, STORE_MANAGER, FACILITY_MANAGER, AUDITOR)
#: Who may see who received doses of a lot (personal data, audit-logged).
RECALL_READERS = (NATIONAL_ADMIN, AREA_ADMIN)
#: People shown (and logged) by one recall look-up; a larger recall is followed up by area.
RECIPIENTS_SHOWN = 5000


def store_scope(store_id: int, **_ignored):
    return ops.scope_of(db.get_or_404(Store, store_id))


def shipment_scope(shipment_id: int, **_ignored):
    """A shipment belongs to the receiving store (which confirms it)."""
    return ops.scope_of(db.session.get(Store, db.get_or_404(Shipment, shipment_id).to_store_id))


def vial_scope(vial_id: int, **_ignored):
    return db.session.get(Facility, db.get_or_404(OpenVial, vial_id).facility_id)


def _today():
    return country_today()


# -- overview and stores ----------------------------------------------------------------------

@bp.get("/")
@staff_required(VIEWERS)
def index():
    """Stores in my reach, shipments waiting for me, low stock and lots expiring soon."""
    staff = me()
    stores = queries.stores(staff)
    today = _today()
    return render_template("stock/index.html", stores=stores[:500],
                           waiting=queries.waiting_for(staff),
                           low=queries.low_stock(staff, today)[:100],
                           expiring=queries.expiring(staff, today)[:100],
                           days=queries.planning_days(),
                           expiry_days=queries.expiry_warning_days())


def _store_page(store: Store, status: int = 200, **extra):
    # Send to: the stores this one supplies, its supplier, and any other store (transfers).
    targets = db.session.scalars(sa.select(Store).where(Store.active, Store.id != store.id)
                                 .order_by(Store.kind, Store.code).limit(2000)).all()
    return render_template(
        "stock/store.html", store=store, targets=targets,
        balances=queries.balances([store.id]), ledger=queries.ledger(store.id),
        incoming=queries.shipments(store.id, incoming=True),
        outgoing=queries.shipments(store.id, incoming=False, status=None, limit=30),
        equipment=queries.equipment(store.id), excursions=queries.excursions(store.id),
        vaccines=get_profile().vaccines, reasons=WASTAGE_REASONS, kinds=EQUIPMENT_KINDS,
        writer=me().role in STOCK_WRITERS, form=request.form, **extra), status


@bp.get("/stores/<int:store_id>")
@staff_required(VIEWERS, scope=store_scope)
def store(store_id: int):
    """One store: balances per lot, forms, shipments, ledger, equipment and excursions."""
    return _store_page(db.get_or_404(Store, store_id))[0]


def _act(store: Store, action, success):
    try:
        action()
    except KitError as exc:
        db.session.rollback()
        return _store_page(db.session.get(Store, store.id), exc.status, **error_context(exc))
    flash(str(success), "success")
    return redirect(url_for("stock.store", store_id=store.id), 303)


def _lot(name: str = "lot_id") -> Lot:
    try:
        lot_id = form_int(name)  # a number an INTEGER column holds, or refused
    except ValidationFailed:
        lot_id = None
    lot = db.session.get(Lot, lot_id) if lot_id else None
    if lot is None:
        raise ValidationFailed(fields={name: [_l("Choose a lot.")]})
    return lot


@bp.post("/stores/<int:store_id>/receive")
@staff_required(STOCK_WRITERS, scope=store_scope, writes=True)
def receive(store_id: int):
    """Doses arriving from the manufacturer or supplier; a new lot is registered with them."""
    store = db.get_or_404(Store, store_id)
    form = request.form

    def action():
        lot = ops.register_lot(me(), vaccine=form.get("vaccine", ""),
                               lot_number=form.get("lot_number", ""),
                               expiry=form_date("expiry"), manufacturer=form.get("manufacturer", ""),
                               gtin=form.get("gtin") or None,
                               doses_per_vial=_optional_int("doses_per_vial"))
        ops.receive(me(), store, lot, form.get("doses"), reference=form.get("reference", ""),
                    note=form.get("note", ""))

    return _act(store, action, _l("Receipt recorded."))


def _optional_int(name: str):
    return form_int(name)


@bp.post("/stores/<int:store_id>/send")
@staff_required(STOCK_WRITERS, scope=store_scope, writes=True)
def send(store_id: int):
    """Send doses to another store (they wait in transit for its confirmation)."""
    store = db.get_or_404(Store, store_id)

    def action():
        try:
            target_id = form_int("to_store_id")  # a number an INTEGER column holds
        except ValidationFailed:
            target_id = None
        target = db.session.get(Store, target_id) if target_id else None
        if target is None:
            raise ValidationFailed(fields={"to_store_id": [_l("Choose the receiving store.")]})
        ops.send(me(), store, target, _lot(), request.form.get("doses"),
                 note=request.form.get("note", ""))

    return _act(store, action, _l("Shipment sent. The receiving store confirms it on arrival."))


@bp.post("/stores/<int:store_id>/wastage")
@staff_required(STOCK_WRITERS, scope=store_scope, writes=True)
def wastage(store_id: int):
    """Closed vials discarded, with the reason."""
    store = db.get_or_404(Store, store_id)
    return _act(store, lambda: ops.record_wastage(
        me(), store, _lot(), request.form.get("doses"), reason=request.form.get("reason", ""),
        note=request.form.get("note", "")), _l("Wastage recorded."))


@bp.post("/stores/<int:store_id>/count")
@staff_required(STOCK_WRITERS, scope=store_scope, writes=True)
def count(store_id: int):
    """A physical count: the balance becomes the count, with why it differed."""
    store = db.get_or_404(Store, store_id)
    return _act(store, lambda: ops.adjust_count(
        me(), store, _lot(), request.form.get("counted"), note=request.form.get("note", "")),
        _l("Count recorded."))


@bp.post("/shipments/<int:shipment_id>/confirm")
@staff_required(STOCK_WRITERS, scope=shipment_scope, writes=True)
def confirm(shipment_id: int):
    """The receiving store confirms a shipment arrived, or rejects it (with why)."""
    shipment = db.get_or_404(Shipment, shipment_id)
    store = db.session.get(Store, shipment.to_store_id)
    decision = request.form.get("decision")

    def action():
        if decision not in ("accept", "reject"):
            raise ValidationFailed(fields={"decision": [_l("Accept or reject the shipment.")]})
        ops.confirm_shipment(me(), shipment, accept=decision == "accept",
                             note=request.form.get("note", ""))

    return _act(store, action, _l("Shipment confirmed."))


# -- lots and recalls -------------------------------------------------------------------------

@bp.get("/lots/<int:lot_id>")
@staff_required(VIEWERS)
def lot(lot_id: int):
    """A lot: where it is held (in my reach), excursions it went through, its recall."""
    item = db.get_or_404(Lot, lot_id)
    ids = [s.id for s in queries.stores(me())]
    held = [r for r in queries.balances(ids) if r[1].id == item.id]
    return render_template("stock/lot.html", lot=item, held=held,
                           exposures=queries.exposures(item.id),
                           may_recall=me().role == NATIONAL_ADMIN,
                           may_trace=me().role in RECALL_READERS, form=request.form)


@bp.post("/lots/<int:lot_id>/recall")
@staff_required((NATIONAL_ADMIN,), writes=True)
def recall(lot_id: int):
    """Recall a lot: desks refuse it from now on."""
    item = db.get_or_404(Lot, lot_id)
    try:
        ops.recall_lot(me(), item, request.form.get("reason", ""))
    except KitError as exc:
        db.session.rollback()
        return render_template("stock/lot.html", lot=item, held=[], exposures=[],
                               may_recall=True, may_trace=True, form=request.form,
                               **error_context(exc)), exc.status
    flash(_("Lot recalled. Desks refuse it from now on."), "success")
    return redirect(url_for("stock.lot", lot_id=item.id), 303)


@bp.get("/lots/<int:lot_id>/recipients")
@staff_required(RECALL_READERS)
def recipients(lot_id: int):
    """Who received a dose of the lot (in my reach): a staff look-up of personal data, logged."""
    item = db.get_or_404(Lot, lot_id)
    rows = queries.recipients(item, area_filter(me(), DoseRecord.facility_id),
                              limit=RECIPIENTS_SHOWN)
    audit("stock.lot.recipients", "stock_lot", item.id, lot=item.lot_number,
          people=[b.reference_id for _d, b, _f in rows])
    db.session.commit()
    return render_template("stock/recipients.html", lot=item, rows=rows,
                           more=len(rows) == RECIPIENTS_SHOWN)


# -- exports ----------------------------------------------------------------------------------

@bp.get("/reports/<kind>.<fmt>")
@staff_required(VIEWERS)
def export(kind: str, fmt: str):
    """Balances, wastage per lot or a store's ledger as CSV or XLSX."""
    report = reports.REPORTS.get(kind)
    if report is None or fmt not in FORMATS:
        raise NotFound()
    params = reports.params_from_request(me())
    chunks = csv_chunks(report, params) if fmt == "csv" else xlsx_chunks(report, params)
    name = f"stock-{kind}-{params.date_from:%Y%m%d}-{params.date_to:%Y%m%d}.{fmt}"
    return Response(chunks, mimetype=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


# -- the desk: vials --------------------------------------------------------------------------

def _desk_facility() -> Facility:
    staff = me()
    facility = db.session.get(Facility, staff.facility_id) if staff.facility_id else None
    if facility is None:
        raise Forbidden()
    return facility


def _vials_page(status: int = 200, **extra):
    facility = _desk_facility()
    vial_ops.close_due_vials(facility)
    db.session.commit()
    store = ops.facility_store(facility)
    db.session.commit()
    return render_template("stock/vials.html", facility=facility,
                           vials=queries.open_vials(facility.id),
                           lots=queries.usable_lots(store.id, facility_today(facility)),
                           reasons=[r for r in VIAL_CLOSE_REASONS if r != "policy"],
                           **extra), status


@desk_bp.get("/")
@staff_required(DESK)
def vials():
    """Vials open at my facility, and opening the next one (pick its lot or scan it)."""
    return _vials_page()[0]


@desk_bp.post("/open")
@staff_required(DESK, writes=True)
def open_vial():
    """Open a vial: chosen from the lots in stock, or scanned (GS1 DataMatrix)."""
    facility = _desk_facility()
    try:
        scan = (request.form.get("scan") or "").strip()
        lot = vial_ops.lot_from_scan(scan) if scan else _lot()
        vial = vial_ops.open_vial(me(), facility, lot)
    except KitError as exc:
        db.session.rollback()
        return _vials_page(exc.status, **error_context(exc))
    flash(_("Vial of lot %(lot)s opened: %(n)s doses.", lot=vial.lot.lot_number, n=vial.doses),
          "success")
    return redirect(url_for("stock_desk.vials"), 303)


@desk_bp.post("/<int:vial_id>/close")
@staff_required(DESK, scope=vial_scope, writes=True)
def close(vial_id: int):
    """Close a vial before the policy does (empty, broken, cold chain, end of the day)."""
    vial = db.get_or_404(OpenVial, vial_id)
    try:
        vial_ops.close_vial(me(), vial, request.form.get("reason", ""))
    except KitError as exc:
        db.session.rollback()
        return _vials_page(exc.status, **error_context(exc))
    return redirect(url_for("stock_desk.vials"), 303)
