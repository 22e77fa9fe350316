"""Vaccine stock: stores along the admin areas, lots, shipments, the append-only stock ledger,
balances per store and lot, vials opened at the desk, cold-chain equipment and excursions.

A balance only changes together with a ledger entry (``stock.operations``), and never below
zero: draws are one conditional ``UPDATE … WHERE doses >= :n`` (and a CHECK constraint behind
it), so any number of desks drawing at once cannot oversell a lot.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cowin_kit.core.db import db, utcnow

STORE_KINDS = ("national", "area", "facility")
SHIPMENT_KINDS = ("issue", "transfer")
SHIPMENT_STATUSES = ("in_transit", "received", "rejected")
#: Ledger entry kinds: what moved doses into (+) or out of (-) a store.
LEDGER_KINDS = ("receipt", "shipment_out", "shipment_in", "shipment_returned", "vial_opened",
                "wastage", "count_adjustment")
#: Why doses in closed vials (or whole stock) were discarded.
WASTAGE_REASONS = ("expiry", "breakage", "cold_chain", "recall", "other")
#: Why an opened vial was closed.
VIAL_CLOSE_REASONS = ("policy", "day_end", "empty", "breakage", "cold_chain")
EQUIPMENT_KINDS = ("ilr", "deep_freezer", "refrigerator", "walk_in_cooler", "cold_box",
                   "vaccine_carrier")
EXCURSION_SOURCES = ("manual", "upload", "api")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Store(db.Model):
    """A vaccine store: the national store, an area's store (state, district …) or a
    facility's. ``parent_id`` is the store that supplies it (the nearest ancestor area's)."""

    __tablename__ = "stock_store"
    __table_args__ = (sa.CheckConstraint(_in("kind", STORE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("area.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_store.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped["Store | None"] = relationship(remote_side=[id])


class Lot(db.Model):
    """A manufacturer's lot (batch) of one product, as printed on the vial."""

    __tablename__ = "stock_lot"
    __table_args__ = (sa.UniqueConstraint("vaccine", "lot_number"),
                      sa.CheckConstraint("doses_per_vial >= 1", name="doses_per_vial"))

    id: Mapped[int] = mapped_column(primary_key=True)
    vaccine: Mapped[str] = mapped_column(sa.String(32))  # profile vaccines[].id
    lot_number: Mapped[str] = mapped_column(sa.String(20))  # as on dose records
    manufacturer: Mapped[str] = mapped_column(sa.String(200), default="")
    gtin: Mapped[str | None] = mapped_column(sa.String(14), index=True)
    expiry: Mapped[dt.date] = mapped_column()
    doses_per_vial: Mapped[int] = mapped_column()
    recalled_at: Mapped[dt.datetime | None] = mapped_column()
    recall_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StockBalance(db.Model):
    """Doses of one lot held by one store now (the sum of its ledger entries)."""

    __tablename__ = "stock_balance"
    __table_args__ = (sa.UniqueConstraint("store_id", "lot_id"),
                      sa.CheckConstraint("doses >= 0", name="not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_store.id"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_lot.id"), index=True)
    doses: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Shipment(db.Model):
    """Doses sent from one store to another: an issue down the hierarchy or a transfer
    between stores. They leave the sender at dispatch and reach the receiver only when the
    receiving side confirms (or go back to the sender when it rejects them)."""

    __tablename__ = "stock_shipment"
    __table_args__ = (sa.CheckConstraint(_in("kind", SHIPMENT_KINDS), name="kind"),
                      sa.CheckConstraint(_in("status", SHIPMENT_STATUSES), name="status"),
                      sa.CheckConstraint("doses > 0", name="doses"),
                      sa.CheckConstraint("from_store_id <> to_store_id", name="two_stores"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    from_store_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_store.id"), index=True)
    to_store_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_store.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_lot.id"))
    doses: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default="in_transit")
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    received_at: Mapped[dt.datetime | None] = mapped_column()
    received_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    lot: Mapped[Lot] = relationship()
    from_store: Mapped[Store] = relationship(foreign_keys=[from_store_id])
    to_store: Mapped[Store] = relationship(foreign_keys=[to_store_id])


class LedgerEntry(db.Model):
    """One movement of doses in or out of a store. Append-only: PostgreSQL refuses UPDATE,
    DELETE and TRUNCATE on this table (migration 0009); a mistake is fixed by a new entry."""

    __tablename__ = "stock_ledger"
    __table_args__ = (sa.CheckConstraint(_in("kind", LEDGER_KINDS), name="kind"),
                      sa.CheckConstraint("doses <> 0", name="doses"),
                      sa.Index("ix_stock_ledger_store_at", "store_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_store.id"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_lot.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    doses: Mapped[int] = mapped_column()  # + into the store, - out of it
    balance_after: Mapped[int] = mapped_column()
    shipment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_shipment.id"))
    vial_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_open_vial.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(24))  # wastage reason
    reference: Mapped[str] = mapped_column(sa.String(64), default="")  # supplier's document
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OpenVial(db.Model):
    """A vial opened at a facility's desk: its doses left the store when it was opened; the
    doses given from it are the dose records of its lot there, the rest is open-vial wastage."""

    __tablename__ = "stock_open_vial"
    __table_args__ = (
        sa.CheckConstraint(_in("close_reason", VIAL_CLOSE_REASONS), name="close_reason"),
        # Wastage over a period per facility reads the index alone.
        sa.Index("ix_stock_open_vial_opened_on_facility", "opened_on", "facility_id",
                 postgresql_include=["doses"]),
        sa.Index("ix_stock_open_vial_facility_open", "facility_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_store.id"))
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_lot.id"), index=True)
    doses: Mapped[int] = mapped_column()
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_on: Mapped[dt.date] = mapped_column()  # the facility's local day
    opened_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    discard_at: Mapped[dt.datetime | None] = mapped_column()  # open-vial policy
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    close_reason: Mapped[str | None] = mapped_column(sa.String(16))

    lot: Mapped[Lot] = relationship()


class Equipment(db.Model):
    """A cold-chain appliance of a store, with the range its vaccines must stay in."""

    __tablename__ = "stock_equipment"
    __table_args__ = (sa.CheckConstraint(_in("kind", EQUIPMENT_KINDS), name="kind"),
                      sa.CheckConstraint("min_celsius < max_celsius", name="range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_store.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  # the logger's serial
    kind: Mapped[str] = mapped_column(sa.String(24))
    model: Mapped[str] = mapped_column(sa.String(120), default="")
    min_celsius: Mapped[float] = mapped_column(default=2.0)
    max_celsius: Mapped[float] = mapped_column(default=8.0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    store: Mapped[Store] = relationship()


class Excursion(db.Model):
    """A time the equipment's temperature left its range; the lots it held are flagged."""

    __tablename__ = "stock_excursion"
    __table_args__ = (sa.UniqueConstraint("equipment_id", "started_at"),
                      sa.CheckConstraint(_in("source", EXCURSION_SOURCES), name="source"))

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_equipment.id"))
    started_at: Mapped[dt.datetime] = mapped_column()
    ended_at: Mapped[dt.datetime] = mapped_column()
    lowest_celsius: Mapped[float] = mapped_column()
    highest_celsius: Mapped[float] = mapped_column()
    source: Mapped[str] = mapped_column(sa.String(16))
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    equipment: Mapped[Equipment] = relationship()
    lots: Mapped[list["ExposedLot"]] = relationship(back_populates="excursion")


class ExposedLot(db.Model):
    """A lot that was in the store (``doses`` of it) during an excursion."""

    __tablename__ = "stock_exposed_lot"
    __table_args__ = (sa.UniqueConstraint("excursion_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    excursion_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_excursion.id"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_lot.id"), index=True)
    doses: Mapped[int] = mapped_column()

    excursion: Mapped[Excursion] = relationship(back_populates="lots")
    lot: Mapped[Lot] = relationship()


class LoggerToken(db.Model):
    """A device token a temperature logger (or its gateway) uploads readings with, for one
    appliance only. The token is shown once when it is made; only its SHA-256 is kept (it is
    256 random bits, so a plain hash cannot be searched back), with its first characters so the
    store can tell its tokens apart."""

    __tablename__ = "stock_logger_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_equipment.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 hex
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    equipment: Mapped[Equipment] = relationship()
