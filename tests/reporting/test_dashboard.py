"""The public dashboard shows the counters' figures, drills down, and needs no login or script."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.reporting.conftest import TODAY


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("cowin_kit.reporting.views.local_today", lambda: TODAY)
    return TODAY


def kpi(html: str, name: str) -> str:
    return re.search(rf'data-kpi="{name}">([^<]*)<', html).group(1)


def test_dashboard_public_with_figures_and_drill_down(client, db, world, today):
    people = [world.person(birth_year=1950 + i, gender="MF"[i % 2]) for i in range(3)]
    for i, person in enumerate(people):
        world.dose(person, facility_area="S1-D1" if i else "S2-D1", vaccine="comirnaty",
                   day=TODAY - dt.timedelta(days=30))
        world.dose(person, facility_area="S1-D1" if i else "S2-D1", vaccine="comirnaty",
                   number=2, day=TODAY)
    db.session.commit()
    page = client.get("/dashboard?lang=es")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert kpi(html, "total") == "6" and kpi(html, "today") == "3"
    assert "<svg" in html and "<script" not in html
    assert "PFIZER" in html  # the profile's display name for comirnaty
    north = world.areas["S1"]
    assert f'data-area="{north.code}">4<' in html
    assert f'href="/dashboard/{north.code}"' in html
    drill = client.get(f"/dashboard/{north.code}").get_data(as_text=True)
    assert kpi(drill, "total") == "4"
    assert "Hill" in drill and "South" not in drill.split("<main", 1)[1]
    assert client.get("/dashboard/NOPE").status_code == 404


def test_numbers_and_area_names_follow_the_locale(make_app, db, world, today):
    from babel.numbers import format_decimal

    from cowin_kit.areas.models import Area
    from cowin_kit.reporting.models import NATIONAL, DoseCounter

    north = db.session.get(Area, world.areas["S1"].id)
    north.names = {"es": "Norte", "qu": "Chinchay"}
    for area_id in (NATIONAL, north.id):
        db.session.add(DoseCounter(day=TODAY, area_id=area_id, vaccine="comirnaty", dose_number=1,
                                   is_booster=False, completes_series=False, gender="F",
                                   age_band="18-44", shard=0, doses=1234567))
    db.session.commit()
    # A second app object: each request gets its own app context (and its own locale).
    web = make_app(PROFILE="pe")
    quechua = web.test_client().get("/dashboard?lang=qu").get_data(as_text=True)
    spanish = web.test_client().get("/dashboard?lang=es").get_data(as_text=True)
    assert "Chinchay" in quechua and "Norte" in spanish
    assert kpi(spanish, "total") == format_decimal(1234567, locale="es_PE")
    assert format_decimal(1234567, locale="es_PE") != "1234567"
