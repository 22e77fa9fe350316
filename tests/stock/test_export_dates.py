"""Stock exports (review of #20): a period at the end of the calendar (9999-12-31, where adding
a day overflows) or before 1900 is a clear 422 before any row is streamed, not a 500 midway."""

from __future__ import annotations

import pytest

from tests.factories import sign_in


@pytest.mark.parametrize("kind", ["balances", "wastage", "ledger"])
@pytest.mark.parametrize("period", ["from=9999-12-01&to=9999-12-31",
                                    "from=0001-01-01&to=0001-01-02"])
def test_an_impossible_period_is_refused(client, stock, world, kind, period):
    sign_in(client, world.staff["national_admin"])
    response = client.get(f"/stock/reports/{kind}.csv?{period}")
    assert response.status_code == 422
    assert "between 1900-01-01 and 2100-12-31" in response.get_data(as_text=True)


def test_an_ordinary_period_still_exports(client, stock, world):
    sign_in(client, world.staff["national_admin"])
    response = client.get("/stock/reports/ledger.csv?from=2021-01-01&to=2021-01-31")
    assert response.status_code == 200 and response.get_data(as_text=True)
