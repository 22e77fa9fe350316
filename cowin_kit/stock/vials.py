"""The desk's vials: a vial scanned (GS1 DataMatrix) or picked, opened (its doses leave the
facility's store through the ledger, :func:`cowin_kit.stock.operations._move`), closed by the
vaccinator or by the open-vial policy."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import require_scope
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Facility
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Conflict, KitError, NotFound
from cowin_kit.profiles import get_profile
from cowin_kit.stock.models import VIAL_CLOSE_REASONS, Lot, OpenVial
from cowin_kit.stock.operations import _day, _field, _move, facility_store, usable
from cowin_kit.vaccination.operations import facility_local


def parse_gs1(text: str) -> dict:
    """Read a GS1 DataMatrix string (as a scanner types it): GTIN (01), expiry (17), lot (10).

    Scanners send the FNC1 separator as the GS character (ASCII 29); some are set to send
    ``]d2`` first (the symbology identifier). biip handles both."""
    from biip import ParseError, parse

    value = (text or "").strip()
    if not value or len(value) > 200:
        raise _field("scan", _l("Scan the vial's 2D code, or choose its lot."))
    try:
        result = parse(value.replace("\\x1d", "\x1d").replace("<GS>", "\x1d"))
    except ParseError:
        result = None
    message = result.gs1_message if result is not None else None
    if message is None:
        raise _field("scan", _l("This is not a GS1 code with the vial's GTIN, lot and expiry."))
    found = {}
    for element in message.element_strings:
        if element.ai.ai == "01" and element.gtin is not None:
            found["gtin"] = element.gtin.value.zfill(14)
        elif element.ai.ai == "17" and element.date is not None:
            found["expiry"] = element.date
        elif element.ai.ai == "10":
            found["lot"] = element.value.strip().upper()
    if "lot" not in found:
        raise _field("scan", _l("The code does not carry a lot number (10)."))
    return found


def lot_from_scan(text: str) -> Lot:
    """The known lot a scanned vial belongs to (GTIN and lot, checked against the expiry)."""
    found = parse_gs1(text)
    query = sa.select(Lot).where(Lot.lot_number == found["lot"])
    if "gtin" in found:
        query = query.where(sa.or_(Lot.gtin == found["gtin"], Lot.gtin.is_(None)))
    lots = db.session.scalars(query).all()
    if len(lots) != 1:
        raise NotFound(_l("Lot %(lot)s is not in the stock records: receive it first.") % {
            "lot": found["lot"]}, code="LOT_UNKNOWN")
    lot = lots[0]
    if "expiry" in found and found["expiry"] != lot.expiry:
        raise Conflict(_l("The vial's expiry (%(vial)s) differs from the lot's record "
                          "(%(record)s). Set the vial aside and tell the store.") % {
            "vial": _day(found["expiry"]), "record": _day(lot.expiry)}, code="EXPIRY_MISMATCH")
    return lot


def _discard_at(facility: Facility, lot: Lot, opened_at: dt.datetime) -> dt.datetime:
    """When the open-vial policy closes a vial: the product's ``open_vial_hours``, else the
    end of the facility's day."""
    hours = None
    try:
        hours = get_profile().vaccine(lot.vaccine).open_vial_hours
    except KitError:
        pass
    if hours:
        return opened_at + dt.timedelta(hours=hours)
    local = facility_local(facility, opened_at)
    end = dt.datetime.combine(local.date(), facility.closes, tzinfo=local.tzinfo)
    return max(end, opened_at).astimezone(dt.timezone.utc)


def open_vial(staff, facility: Facility, lot: Lot) -> OpenVial:
    """Open a vial at the desk: its doses leave the facility's store now."""
    require_scope(staff, facility, "stock.vial.open")
    close_due_vials(facility)
    today = facility_today(facility)
    usable(lot, today)
    store = facility_store(facility)
    now = utcnow()
    vial = OpenVial(store_id=store.id, facility_id=facility.id, lot_id=lot.id,
                    doses=lot.doses_per_vial, opened_at=now, opened_on=today,
                    opened_by=staff.id, discard_at=_discard_at(facility, lot, now))
    db.session.add(vial)
    db.session.flush()
    _move(store, lot, -lot.doses_per_vial, "vial_opened", staff, vial_id=vial.id)
    audit("stock.vial.open", "stock_open_vial", vial.id, lot=lot.lot_number,
          doses=lot.doses_per_vial)
    db.session.commit()
    return vial


def close_vial(staff, vial: OpenVial, reason: str) -> OpenVial:
    require_scope(staff, db.session.get(Facility, vial.facility_id), "stock.vial.close")
    if reason not in VIAL_CLOSE_REASONS or reason == "policy":
        raise _field("reason", _l("Choose why the vial is closed."))
    if vial.closed_at is not None:
        raise Conflict(_l("This vial is already closed."), code="VIAL_CLOSED")
    vial.closed_at, vial.close_reason = utcnow(), reason
    audit("stock.vial.close", "stock_open_vial", vial.id, reason=reason)
    db.session.commit()
    return vial


def close_due_vials(facility: Facility | None = None, now: dt.datetime | None = None) -> int:
    """Close the open vials the open-vial policy says to discard by now (one facility, or
    all: ``cowin-kit stock close-vials``). The caller commits."""
    now = now or utcnow()
    query = sa.update(OpenVial).where(OpenVial.closed_at.is_(None), OpenVial.discard_at <= now)
    if facility is not None:
        query = query.where(OpenVial.facility_id == facility.id)
    result = db.session.execute(query.values(closed_at=OpenVial.discard_at,
                                             close_reason="policy")
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0
