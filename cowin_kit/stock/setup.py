"""Wire stock into the app: pages, the desk's vials, the native API, nav, template helpers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import VaccinationSession
from cowin_kit.core.db import db
from cowin_kit.extensions import register_api_blueprint
from cowin_kit.stock import api, views
from cowin_kit.stock import coldchain_views  # noqa: F401 - its pages are on views.bp
from cowin_kit.stock.models import Store
from cowin_kit.stock.operations import check_lot_for_dose
from cowin_kit.stock.queries import facility_cover, open_vials, planning_days, usable_lots
from cowin_kit.vaccination.signals import register_desk_lot_source, register_lot_check
from cowin_kit.web.context import add_nav


def init_app(app: Flask) -> None:
    # the desk refuses expired and recalled lots, and its offline pack lists the usable lots
    register_lot_check(check_lot_for_dose)
    register_desk_lot_source(desk_lots)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.desk_bp)
    register_api_blueprint(app, api.blp)
    add_nav(app, "stock.index", _l("Stock"), "staff", order=65, roles=views.VIEWERS)
    app.jinja_env.globals.update(stock_vial_lots=vial_lots, stock_cover=cover)
    app.jinja_env.filters["stock_label"] = label


def desk_lots(facility, day) -> list[dict]:
    """The lots usable at the facility's store on ``day``, for the offline desk pack."""
    store = db.session.scalar(sa.select(Store).where(Store.facility_id == facility.id))
    if store is None:
        return []
    return [{"vaccine": lot.vaccine, "lot": lot.lot_number, "expiry": lot.expiry.isoformat(),
             "doses_per_vial": lot.doses_per_vial, "doses": doses}
            for lot, doses in usable_lots(store.id, day)]


def vial_lots() -> list[str]:
    """Lot numbers of the vials open at the signed-in vaccinator's facility (the desk's lot
    field offers them)."""
    staff = current_staff()
    if staff is None or not staff.facility_id:
        return []
    return sorted({row.lot.lot_number for row in open_vials(staff.facility_id)})


def cover(facility) -> list[dict]:
    """Session planning: per product, the usable doses at the facility's store against the
    capacity of its open sessions in the planning window (only shortfalls)."""
    import datetime as dt

    today = facility_today(facility)
    until = today + dt.timedelta(days=planning_days())
    vaccines = db.session.scalars(sa.select(VaccinationSession.vaccine).distinct().where(
        VaccinationSession.facility_id == facility.id, VaccinationSession.status == "open",
        VaccinationSession.date.between(today, until))).all()
    short = []
    for vaccine in sorted(vaccines):
        usable, planned = facility_cover(facility.id, vaccine, today, until)
        if usable < planned:
            short.append({"vaccine": vaccine, "usable": usable, "planned": planned,
                          "until": until})
    return short


def label(value: str) -> str:
    """Localised words for the stock's stored codes (movements, reasons, kinds, statuses)."""
    from flask_babel import gettext as _

    return {
        "receipt": _("Receipt"), "shipment_out": _("Sent"), "shipment_in": _("Received"),
        "shipment_returned": _("Returned (rejected)"), "vial_opened": _("Vial opened"),
        "wastage": _("Wastage"), "count_adjustment": _("Count adjustment"),
        "expiry": _("Expired"), "breakage": _("Breakage"), "cold_chain": _("Cold-chain break"),
        "recall": _("Recall"), "other": _("Other"), "policy": _("Open-vial policy"),
        "day_end": _("End of the day"), "empty": _("Empty"),
        "issue": _("Issue"), "transfer": _("Transfer"), "in_transit": _("In transit"),
        "received": _("Received"), "rejected": _("Rejected"),
        "national": _("National store"), "area": _("Area store"), "facility": _("Facility store"),
        "ilr": _("Ice-lined refrigerator"), "deep_freezer": _("Deep freezer"),
        "refrigerator": _("Refrigerator"), "walk_in_cooler": _("Walk-in cooler"),
        "cold_box": _("Cold box"), "vaccine_carrier": _("Vaccine carrier"),
        "manual": _("Entered by hand"), "upload": _("Logger file"), "api": _("Logger API"),
    }.get(value, value)
