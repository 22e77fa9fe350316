"""Cold-chain pages: a store's equipment (added from the store page), its temperature
excursions typed in or read from a logger's CSV, and the loggers' device tokens. The routes are
on the stock blueprint (``stock.*`` endpoints), beside the store pages they return to."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import STOCK_WRITERS, staff_required
from cowin_kit.accounts.staff_web import error_context, form_datetime, me
from cowin_kit.areas.models import Area
from cowin_kit.booking.rules import local_now
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.stock import coldchain
from cowin_kit.stock import operations as ops
from cowin_kit.stock.models import Equipment, LoggerToken, Store
from cowin_kit.stock.views import VIEWERS, _act, bp, store_scope

MAX_UPLOAD = 2 * 1024 * 1024


def equipment_scope(equipment_id: int, **_ignored):
    return ops.scope_of(db.session.get(Store, db.get_or_404(Equipment, equipment_id).store_id))


def token_scope(token_id: int, **_ignored):
    return equipment_scope(db.get_or_404(LoggerToken, token_id).equipment_id)


@bp.post("/stores/<int:store_id>/equipment")
@staff_required(STOCK_WRITERS, scope=store_scope, writes=True)
def add_equipment(store_id: int):
    """Register a cold-chain appliance of the store (its code is the logger's serial)."""
    store = db.get_or_404(Store, store_id)
    form = request.form
    return _act(store, lambda: coldchain.add_equipment(
        me(), store, code=form.get("code", ""), kind=form.get("kind", ""),
        model=form.get("model", ""), min_celsius=form.get("min_celsius", "2"),
        max_celsius=form.get("max_celsius", "8")), _l("Equipment added."))


@bp.post("/equipment/<int:equipment_id>/excursions")
@staff_required(STOCK_WRITERS, scope=equipment_scope, writes=True)
def excursion(equipment_id: int):
    """Record a temperature excursion read off the equipment's thermometer or logger."""
    equipment = db.get_or_404(Equipment, equipment_id)
    store = db.session.get(Store, equipment.store_id)
    form = request.form

    def action():
        coldchain.record_excursion(me(), equipment, started_at=_local(store, "started_at"),
                                   ended_at=_local(store, "ended_at"),
                                   lowest=form.get("lowest_celsius"),
                                   highest=form.get("highest_celsius"), note=form.get("note", ""))

    return _act(store, action, _l("Excursion recorded; the lots in the store are flagged."))


def _local(store: Store, name: str):
    """A datetime-local field read in the store's timezone."""
    value = form_datetime(name)
    if value is not None and value.tzinfo is None:
        area = db.session.get(Area, store.area_id) if store.area_id else None
        value = local_now(get_profile(), area, value)
    return value


def read_readings_csv(upload) -> list[dict]:
    """Rows of a logger's CSV export: equipment, time (ISO 8601 with offset), celsius."""
    if upload is None or not upload.filename:
        raise ValidationFailed(fields={"file": [_l("Choose the logger's CSV file.")]})
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationFailed(fields={"file": [_l("The file is larger than 2 MB.")]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(fields={"file": [_l("Save the file as UTF-8 CSV.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    if not {"equipment", "time", "celsius"} <= set(reader.fieldnames or ()):
        raise ValidationFailed(fields={"file": [_l("The CSV needs the columns equipment, time "
                                                   "and celsius.")]})
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > 100_000:
                raise ValidationFailed(fields={"file": [_l("At most 100,000 readings a file.")]})
    except csv.Error:  # e.g. a field longer than the csv module's limit
        raise ValidationFailed(fields={"file": [_l("Line %(n)s of the file is not valid CSV.")
                                                % {"n": reader.line_num}]}) from None
    return rows


@bp.post("/equipment/<int:equipment_id>/readings")
@staff_required(STOCK_WRITERS, scope=equipment_scope, writes=True)
def readings(equipment_id: int):
    """Upload a logger's CSV: runs of readings outside the range become excursions."""
    equipment = db.get_or_404(Equipment, equipment_id)
    store = db.session.get(Store, equipment.store_id)
    result = {}

    def action():
        rows = read_readings_csv(request.files.get("file"))
        for row in rows:  # this form uploads for this equipment only
            if (row.get("equipment") or "").strip().upper() != equipment.code:
                raise ValidationFailed(fields={"file": [_l("The file has readings of other "
                                                           "equipment (%(code)s).") % {
                    "code": (row.get("equipment") or "")[:40]}]})
        result["made"] = coldchain.import_readings(me(), rows)

    response = _act(store, action, _l("Readings imported."))
    if "made" in result:
        flash(_("%(n)s excursions found.", n=len(result["made"])), "success")
    return response


def _equipment_page(equipment: Equipment, status: int = 200, **extra):
    tokens = db.session.scalars(sa.select(LoggerToken).where(
        LoggerToken.equipment_id == equipment.id).order_by(LoggerToken.id.desc()).limit(100)).all()
    response = Response(render_template(
        "stock/equipment.html", equipment=equipment, store=equipment.store, tokens=tokens,
        writer=me().role in STOCK_WRITERS, form=request.form, **extra), status)
    response.headers["Cache-Control"] = "no-store"  # a new token is on it once
    return response


@bp.get("/equipment/<int:equipment_id>")
@staff_required(VIEWERS, scope=equipment_scope)
def equipment(equipment_id: int):
    """An appliance: its range, its loggers' tokens (made, last used, revoked)."""
    return _equipment_page(db.get_or_404(Equipment, equipment_id))


@bp.post("/equipment/<int:equipment_id>/tokens")
@staff_required(STOCK_WRITERS, scope=equipment_scope, writes=True)
def add_token(equipment_id: int):
    """A device token for this appliance's logger, shown once on the answer."""
    item = db.get_or_404(Equipment, equipment_id)
    try:
        _row, secret = coldchain.make_logger_token(me(), item, request.form.get("label", ""))
    except KitError as exc:
        db.session.rollback()
        return _equipment_page(db.session.get(Equipment, item.id), exc.status,
                               **error_context(exc))
    return _equipment_page(item, 201, new_token=secret)


@bp.post("/logger-tokens/<int:token_id>/revoke")
@staff_required(STOCK_WRITERS, scope=token_scope, writes=True)
def revoke_token(token_id: int):
    """Revoke a logger token: the logger's next upload is refused."""
    token = db.get_or_404(LoggerToken, token_id)
    coldchain.revoke_logger_token(me(), token)
    flash(_("Token revoked."), "success")
    return redirect(url_for("stock.equipment", equipment_id=token.equipment_id), 303)
