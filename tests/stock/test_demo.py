"""The demo's stock: lots received nationally and issued down to the facilities (confirmed by
each receiving store), one delivery in transit, alerts to show, wastage and an open vial."""

from __future__ import annotations

import sqlalchemy as sa


def test_demo_stock_has_realistic_flows(make_app):
    from cowin_kit.app import domain_modules
    from cowin_kit.core.db import db
    from cowin_kit.profiles import get_profile
    from cowin_kit.stock import queries
    from cowin_kit.stock.models import LedgerEntry, Lot, OpenVial, Shipment, StockBalance

    app = make_app(PROFILE="in")
    with app.app_context():
        for module in domain_modules("demo"):
            module.seed(app, get_profile(), lambda _line: None)
        kinds = dict(db.session.execute(sa.select(LedgerEntry.kind, sa.func.count())
                                        .group_by(LedgerEntry.kind)).all())
        assert {"receipt", "shipment_out", "shipment_in", "wastage", "vial_opened"} <= set(kinds)
        statuses = dict(db.session.execute(sa.select(Shipment.status, sa.func.count())
                                           .group_by(Shipment.status)).all())
        assert statuses["received"] > 10 and statuses["in_transit"] >= 1
        assert db.session.scalar(sa.select(sa.func.count(Lot.id)).where(
            Lot.recalled_at.is_not(None))) == 1
        assert db.session.scalar(sa.select(sa.func.min(StockBalance.doses))) >= 0
        assert db.session.scalar(sa.select(sa.func.count(OpenVial.id)).where(
            OpenVial.closed_at.is_(None))) == 1
        from cowin_kit.accounts.models import StaffUser
        from cowin_kit.stock.reports import country_today

        manager = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "store"))
        assert manager.role == "store_manager"
        admin = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "admin"))
        assert queries.low_stock(admin, country_today())  # a facility short for its sessions
        assert queries.expiring(admin, country_today())
        # Seeding again adds nothing.
        before = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))
        for module in domain_modules("demo"):
            module.seed(app, get_profile(), lambda _line: None)
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == before
