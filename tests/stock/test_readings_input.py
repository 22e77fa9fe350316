"""Logger readings (review of #20): a time at the very start of the calendar whose offset puts
it before year 1 in UTC, and a CSV field longer than the csv module's limit, are 422s that
record nothing, on the upload page and on the API, not 500s."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from cowin_kit.stock import coldchain
from tests.factories import sign_in

JSON = {"X-Requested-With": "fetch"}
EARLY = "0001-01-01T00:00:00+12:00"  # 31 Dec of year 0 in UTC: no such datetime


@pytest.fixture
def fridge(stock, world):
    return coldchain.add_equipment(world.staff["national_admin"], stock["national"], code="ILR-9",
                                   kind="ilr")


def _excursions(db):
    from cowin_kit.stock.models import Excursion

    return db.session.scalar(sa.select(sa.func.count()).select_from(Excursion))


@pytest.mark.parametrize("body", [
    f"equipment,time,celsius\nILR-9,{EARLY},20\n".encode(),
    b"equipment,time,celsius\nILR-9,2021-01-01T00:00:00+05:30," + b"9" * 200_000 + b"\n",
])
def test_bad_csv_rows_are_refused(client, world, fridge, db, body):
    sign_in(client, world.staff["national_admin"])
    response = client.post(f"/stock/equipment/{fridge.id}/readings",
                           data={"file": (io.BytesIO(body), "readings.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert _excursions(db) == 0


def test_a_time_before_year_one_in_utc_is_refused_by_the_api(client, world, fridge, db):
    sign_in(client, world.staff["national_admin"])
    response = client.post("/api/kit/v1/stock/readings", headers=JSON, json={"readings": [
        {"equipment": "ILR-9", "time": EARLY, "celsius": 20}]})
    assert response.status_code == 422
    assert _excursions(db) == 0
