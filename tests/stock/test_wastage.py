"""Wastage from real events: doses in the vials opened at the desk against the doses given,
per lot, facility and area, and closed-vial wastage with its reason; the ministry's wastage
report reads the same events (not the sessions' doses_opened, which only the seeder wrote)."""

from __future__ import annotations

import datetime as dt

from cowin_kit.stock import vials
from tests.operations.conftest import make_dose, make_person


def _day_of_vials(stock, world, db):
    ops, lot, fa = stock["ops"], stock["lot"], world.facilities["FA"]
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 100)
    vac = world.staff["vaccinator"]
    vials.open_vial(vac, fa, lot)
    vials.open_vial(vac, fa, lot)
    for n in range(15):
        dose = make_dose(db, make_person(db, name=f"P{n}"), fa)
        dose.lot = lot.lot_number
    ops.record_wastage(world.staff["facility_manager"], stock["FA"], lot, 10, reason="breakage")
    db.session.commit()


def test_wastage_per_lot_and_reason(stock, world, db):
    from cowin_kit.stock.queries import wastage

    _day_of_vials(stock, world, db)
    today = dt.date.today()
    [row] = wastage(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    assert (row.facility.code, row.lot.lot_number) == ("FA", stock["lot"].lot_number)
    assert (row.opened, row.given, row.open_vial_wasted) == (20, 15, 5)
    assert row.closed_vial == {"breakage": 10}
    # Scoped to an area: FB's area sees nothing of FA's.
    from cowin_kit.reporting.reports import scope_condition

    outside = wastage(today - dt.timedelta(days=1), today + dt.timedelta(days=1),
                      lambda column: scope_condition(world.areas["B"], column))
    assert outside == []


def test_ministry_wastage_report_reads_the_vials_opened(stock, world, db):
    """Before stock, this site reported nothing opened (doses_opened is 0 outside the seeder)."""
    from cowin_kit.reporting.reports import WASTAGE, Params

    _day_of_vials(stock, world, db)
    today = dt.date.today()
    params = Params(area=None, date_from=today - dt.timedelta(days=1),
                    date_to=today + dt.timedelta(days=1), today=today)
    rows = list(WASTAGE.rows(params, lambda n: None))
    assert rows == [("FA", "Centre FA", 20, 15, 5, 25.0)]


def test_stock_exports_csv_and_xlsx(client, stock, world, db):
    import io

    from openpyxl import load_workbook

    from tests.factories import sign_in

    _day_of_vials(stock, world, db)
    sign_in(client, world.staff["store_manager"])
    text = client.get("/stock/reports/wastage.csv").get_data(as_text=True)
    assert "Wasted in open vials" in text
    assert f"T-A-1,T-A-1,FA,Centre FA,covishield,{stock['lot'].lot_number},20,15,5,0,10" in text
    book = load_workbook(io.BytesIO(client.get("/stock/reports/ledger.xlsx").data))
    kinds = [row[2] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert kinds == ["receipt", "vial_opened", "vial_opened", "wastage"]
    assert client.get("/stock/reports/nothing.csv").status_code == 404
    assert client.get("/stock/reports/ledger.csv?from=2021-13-01").status_code == 422
