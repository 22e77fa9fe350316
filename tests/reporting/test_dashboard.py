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


def add_counts(db, area_id: int, doses: int) -> None:
    """Put pre-aggregated counts in place, as the counter hook would."""
    from cowin_kit.reporting.counters import upsert_counts

    key = (TODAY, area_id, "comirnaty", 1, False, False, "M", "60+", 0)
    upsert_counts(db.session.connection(), {key: doses})


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
    assert "<svg" in html
    # Charts are drawn on the server: the only script is the layout's static phone menu.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/web/menu.js" defer>']
    # A chart is an image: no links inside it (axe nested-interactive); the table has them.
    for chart in re.findall(r'<svg class="chart".*?</svg>', html, re.S):
        assert 'role="img"' in chart and "<a " not in chart
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
    from cowin_kit.reporting.models import NATIONAL

    north = db.session.get(Area, world.areas["S1"].id)
    north.names = {"es": "Norte", "qu": "Chinchay"}
    for area_id in (NATIONAL, north.id):
        add_counts(db, area_id, 1234567)
    db.session.commit()
    # A second app object: each request gets its own app context (and its own locale).
    web = make_app(PROFILE="pe")
    quechua = web.test_client().get("/dashboard?lang=qu").get_data(as_text=True)
    spanish = web.test_client().get("/dashboard?lang=es").get_data(as_text=True)
    assert "Chinchay" in quechua and "Norte" in spanish
    assert kpi(spanish, "total") == format_decimal(1234567, locale="es_PE")
    assert format_decimal(1234567, locale="es_PE") != "1234567"


def test_arabic_page_is_mirrored_with_native_digits(make_app, db, world, today):
    from cowin_kit.reporting.models import NATIONAL

    for area_id, n in ((NATIONAL, 1500), (world.areas["S1"].id, 1000), (world.areas["S2"].id, 500)):
        add_counts(db, area_id, n)
    db.session.commit()
    iraq = make_app(PROFILE="iq")
    html = iraq.test_client().get("/dashboard?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert kpi(html, "total") == "١٬٥٠٠"  # Arabic-Indic digits and separator
    # Bars grow from the right edge (x + width = 400) in a right-to-left page.
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', html)
    assert bars and all(abs(float(x) + float(w) - 400) < 0.2 for x, w in bars)
    english = make_app(PROFILE="pe").test_client().get("/dashboard").get_data(as_text=True)
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', english)
    assert bars and all(float(x) == 0 for x, _w in bars)


def test_home_page_shows_the_dashboards_key_figures_and_a_quick_search(client, db, world, today):
    for i in range(3):
        person = world.person(birth_year=1960 + i)
        world.dose(person, facility_area="S1-D1", vaccine="comirnaty",
                   day=TODAY if i else TODAY - dt.timedelta(days=3))
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    board = client.get("/dashboard").get_data(as_text=True)
    for name in ("today", "total", "sessions", "facilities"):
        assert kpi(home, name) == kpi(board, name), name
    assert (kpi(home, "total"), kpi(home, "today")) == ("3", "2")
    form = re.search(r'<form method="get" action="([^"]+)"[^>]*>(.*?)</form>', home, re.S)
    assert form.group(1) == "/find" and 'name="postal_code"' in form.group(2)
    # The quick search lands on the full search with the postal code filled in.
    assert client.get("/find?postal_code=411001").status_code == 200
