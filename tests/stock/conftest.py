"""Stock tests use the operations world (areas A > A1 and B, facilities FA in A1 and FB in B,
one staff member per role reaching A / FA) and add stores and a lot."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.operations.conftest import world  # noqa: F401  (fixture)


@pytest.fixture
def stock(app, db, world):
    """Stores for the world, a store manager of A, and one Covishield lot (10 doses a vial)."""
    from cowin_kit.stock import operations as ops
    from tests.factories import make_staff

    ops.sync_stores()
    world.staff.setdefault("store_manager", make_staff(db, "store_manager", "sm-a",
                                                      area=world.areas["A"]))
    national = ops.national_store()
    lot = ops.register_lot(world.staff["national_admin"], vaccine="covishield",
                           lot_number="4121Z001", expiry=dt.date.today() + dt.timedelta(days=200),
                           gtin="08901234567890", doses_per_vial=10)
    db.session.commit()
    return {"national": national, "lot": lot, "ops": ops,
            "A": ops.area_store(world.areas["A"]), "A1": ops.area_store(world.areas["A1"]),
            "B": ops.area_store(world.areas["B"]),
            "FA": ops.facility_store(world.facilities["FA"]),
            "FB": ops.facility_store(world.facilities["FB"])}


def balance(store, lot) -> int:
    from cowin_kit.stock.queries import balance_of

    return balance_of(store.id, lot.id)


@pytest.fixture
def app(make_app):
    """The operations app (CSRF off, cheap hashing) with a pool for 50 desks at once."""
    from tests.operations.conftest import FAST_ARGON2

    app = make_app(WTF_CSRF_ENABLED=False, DB_POOL_SIZE=55, DB_MAX_OVERFLOW=5, **FAST_ARGON2)
    with app.app_context():
        yield app
