"""``cowin-kit stock sync-stores`` and ``close-vials``."""

from __future__ import annotations

import datetime as dt


def test_sync_stores_and_close_vials(app, db, world, runner, monkeypatch):
    import sqlalchemy as sa

    from cowin_kit.cli import cli
    from cowin_kit.core import db as core_db
    from cowin_kit.stock import operations as ops
    from cowin_kit.stock import vials
    from cowin_kit.stock.models import OpenVial, Store

    monkeypatch.setattr("cowin_kit.cli.common.make_app", lambda: app)
    result = runner.invoke(cli, ["stock", "sync-stores"])
    assert result.exit_code == 0 and "6 stores made" in result.output  # national, A, A1, B, FA, FB
    assert runner.invoke(cli, ["stock", "sync-stores"]).output.strip() == "0 stores made"
    nat = world.staff["national_admin"]
    lot = ops.register_lot(nat, vaccine="covishield", lot_number="CLI-1",
                           expiry=dt.date.today() + dt.timedelta(days=60), doses_per_vial=10)
    fa_store = db.session.scalar(sa.select(Store).where(Store.code == "F-FA"))
    ops.receive(nat, fa_store, lot, 10)
    vial = vials.open_vial(world.staff["vaccinator"], world.facilities["FA"], lot)
    later = core_db.utcnow() + dt.timedelta(hours=5)
    monkeypatch.setattr("cowin_kit.stock.vials.utcnow", lambda: later)
    result = runner.invoke(cli, ["stock", "close-vials"])
    assert result.exit_code == 0 and "1 vials closed" in result.output
    db.session.expire_all()
    assert db.session.get(OpenVial, vial.id).close_reason == "policy"
