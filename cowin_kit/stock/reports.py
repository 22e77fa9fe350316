"""Stock reports for the web and exports (CSV/XLSX through reporting.exports and the kit's
spreadsheet guard): balances per store and lot, wastage per facility and lot, the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import area_filter
from cowin_kit.areas.models import Area
from cowin_kit.booking.rules import local_now
from cowin_kit.core.db import db
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.core.inputs import date_out_of_range
from cowin_kit.profiles import get_profile
from cowin_kit.reporting.labels import area_name, percent
from cowin_kit.reporting.reports import Params, Report
from cowin_kit.stock import queries
from cowin_kit.stock.models import WASTAGE_REASONS, LedgerEntry, Lot, Store


@dataclass
class StockParams(Params):
    staff: object = None


def params_from_request(staff) -> StockParams:
    """The period from ``?from=&to=`` (default: the last 30 days), bad dates refused."""
    today = country_today()

    def day(name, default):
        raw = (request.args.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed(fields={name: [_l("Use YYYY-MM-DD.")]}) from None
        if refusal := date_out_of_range(value):  # 9999-12-31 + 1 day overflows mid-export
            raise ValidationFailed(fields={name: [refusal]})
        return value

    start, end = day("from", today - dt.timedelta(days=30)), day("to", today)
    if end < start or (end - start).days > 366:
        raise ValidationFailed(fields={"to": [_l("Choose a period of at most a year.")]})
    return StockParams(area=None, date_from=start, date_to=end, today=today, staff=staff)


def country_today() -> dt.date:
    """Today in the country's timezone (the profile's)."""
    return local_now(get_profile()).date()


def _status(lot: Lot, today: dt.date) -> str:
    if lot.recalled_at is not None:
        return str(_l("recalled"))
    return str(_l("expired")) if lot.expiry < today else ""


def _balance_rows(params: StockParams, tick):
    ids = [s.id for s in queries.stores(params.staff)]
    for store, lot, doses in queries.balances(ids):
        yield (store.code, store.name, lot.vaccine, lot.lot_number, lot.expiry, doses,
               doses // lot.doses_per_vial, _status(lot, params.today))
    tick(1)


def _facility_condition(staff):
    return lambda column: area_filter(staff, column)


def _wastage_rows(params: StockParams, tick):
    areas: dict[int, Area] = {}
    for row in queries.wastage(params.date_from, params.date_to,
                               _facility_condition(params.staff)):
        closed = [row.closed_vial.get(r, 0) for r in WASTAGE_REASONS]
        area_id = row.facility.area_id
        area = areas.setdefault(area_id, db.session.get(Area, area_id))
        yield (area.code, area_name(area), row.facility.code, row.facility.name,
               row.lot.vaccine, row.lot.lot_number,
               row.opened, row.given, row.open_vial_wasted, *closed,
               percent(row.open_vial_wasted, row.opened))
    tick(1)


def _ledger_rows(params: StockParams, tick):
    start = dt.datetime.combine(params.date_from, dt.time.min, dt.timezone.utc)
    end = dt.datetime.combine(params.date_to + dt.timedelta(days=1), dt.time.min,
                              dt.timezone.utc)
    condition = queries.store_condition(params.staff)
    query = (sa.select(LedgerEntry, Store, Lot).join(Store, Store.id == LedgerEntry.store_id)
             .join(Lot, Lot.id == LedgerEntry.lot_id)
             .where(LedgerEntry.at >= start, LedgerEntry.at < end)
             .order_by(LedgerEntry.id))
    if condition is not None:
        query = query.where(condition)
    for entry, store, lot in db.session.execute(query.execution_options(yield_per=1000)):
        at = entry.at.astimezone(dt.timezone.utc).replace(tzinfo=None)  # XLSX has no zones
        yield (at, store.code, entry.kind, lot.vaccine, lot.lot_number, entry.doses,
               entry.balance_after, entry.reason or "", entry.reference, entry.shipment_id)
    tick(1)


def _one(_params) -> int:
    return 1


BALANCES = Report("balances", _l("Stock balances per store and lot"), (
    ("store_code", _l("Store code")), ("store", _l("Store")), ("vaccine", _l("Vaccine")),
    ("lot", _l("Lot")), ("expiry", _l("Expiry")), ("doses", _l("Doses")),
    ("vials", _l("Vials")), ("status", _l("Status"))), _balance_rows, _one)
WASTAGE = Report("wastage", _l("Wastage per facility and lot"), (
    ("area_code", _l("Area code")), ("area", _l("Area")),
    ("facility_code", _l("Facility code")), ("facility", _l("Facility")),
    ("vaccine", _l("Vaccine")), ("lot", _l("Lot")), ("opened", _l("Doses opened")),
    ("given", _l("Doses given")), ("open_vial_wasted", _l("Wasted in open vials")),
    ("expiry", _l("Closed vials: expiry")), ("breakage", _l("Closed vials: breakage")),
    ("cold_chain", _l("Closed vials: cold chain")), ("recall", _l("Closed vials: recall")),
    ("other", _l("Closed vials: other")), ("rate", _l("Open-vial wastage rate"))),
    _wastage_rows, _one)
LEDGER = Report("ledger", _l("Stock ledger"), (
    ("at", _l("Time (UTC)")), ("store_code", _l("Store code")), ("kind", _l("Movement")),
    ("vaccine", _l("Vaccine")), ("lot", _l("Lot")), ("doses", _l("Doses")),
    ("balance", _l("Balance after")), ("reason", _l("Reason")),
    ("reference", _l("Reference")), ("shipment", _l("Shipment"))), _ledger_rows, _one)

REPORTS = {r.kind: r for r in (BALANCES, WASTAGE, LEDGER)}
