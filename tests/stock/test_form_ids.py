"""A store or lot chosen in a form by a number no column holds (or not a number) is a clear 422
that changes nothing, not a 500 from the database driver (review of #20)."""

from __future__ import annotations

import pytest

from tests.factories import sign_in
from tests.stock.conftest import balance

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("field", ["to_store_id", "lot_id"])
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "abc"])
def test_sending_with_an_impossible_store_or_lot_is_refused(client, stock, world, field, value):
    ops, lot = stock["ops"], stock["lot"]
    ops.receive(world.staff["national_admin"], stock["national"], lot, 100)
    sign_in(client, world.staff["national_admin"])
    form = {"to_store_id": str(stock["A"].id), "lot_id": str(lot.id), "doses": "10", field: value}
    response = client.post(f"/stock/stores/{stock['national'].id}/send", data=form)
    assert response.status_code == 422
    assert balance(stock["national"], lot) == 100 and balance(stock["A"], lot) == 0


@pytest.mark.parametrize("value", [HUGE, "abc"])
def test_opening_a_vial_of_an_impossible_lot_is_refused(client, stock, world, value):
    ops, lot = stock["ops"], stock["lot"]
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 100)
    sign_in(client, world.staff["vaccinator"])
    response = client.post("/desk/vials/open", data={"lot_id": value})
    assert response.status_code == 422
    assert balance(stock["FA"], lot) == 100
