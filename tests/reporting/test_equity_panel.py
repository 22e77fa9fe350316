"""The equity panel on the ministry's reports dashboard (#21): each age band's, sex's and
channel's share of those who asked (lottery, standby) against their share of those who booked
or walked in, in the staff member's area and period; aggregates only, one grouped query."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask_babel import force_locale

from cowin_kit.reporting.reports import Params
from tests.reporting.conftest import TODAY, make_staff, sign_in


def _world(db, world, equity_world):
    young, old = equity_world.young, equity_world.old
    for person, channel in ((young[2], "api"), (old[0], "assisted"), (old[1], "assisted")):
        equity_world.ask(person, channel)
    # a walk-in in the other state
    world.dose(old[1], facility_area="S2-D1", day=equity_world.yesterday)
    db.session.commit()
    return [p.name for p in young + old]


def _shares(area=None):
    from cowin_kit.reporting import equity

    with force_locale("en"):  # the labels in English (the test profile speaks Spanish)
        found = equity.shares(Params(area=area, date_from=TODAY - dt.timedelta(days=29),
                                     date_to=TODAY, today=TODAY))
    return found["totals"], {dim: {label: (asked, booked) for label, asked, booked in groups}
                             for dim, groups in found["dimensions"]}


def test_shares_of_asked_and_booked_by_age_band_sex_and_channel(app, db, world, equity_world):
    _world(db, world, equity_world)
    totals, dims = _shares()
    assert totals == {"asked": 4, "booked": 3}
    assert dims["age_band"] == {"18-44": (25.0, 66.7), "60+": (75.0, 33.3)}
    assert sorted(dims["sex"].values()) == [(25.0, 66.7), (75.0, 33.3)]
    assert dims["channel"] == {"API": (25.0, 66.7), "Assisted": (50.0, 0.0),
                               "Web": (25.0, 0.0), "Walk-in": (0.0, 33.3)}
    # A state sees its own: the walk-in in the other state is not among its bookings.
    totals, dims = _shares(world.areas["S1"])
    assert totals == {"asked": 4, "booked": 2}
    assert dims["age_band"] == {"18-44": (25.0, 100.0), "60+": (75.0, 0.0)}


def test_the_panel_costs_one_query(app, db, world, equity_world):
    from cowin_kit.core.db import db as kit_db

    _world(db, world, equity_world)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = kit_db.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        _shares()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_the_dashboard_shows_the_panel_to_the_ministry_without_personal_data(client, db, world,
                                                                              equity_world):
    names = _world(db, world, equity_world)
    sign_in(client, make_staff(db, "area_admin", area=world.areas["S1"]))
    period = f"from={(TODAY - dt.timedelta(days=29)).isoformat()}&to={TODAY.isoformat()}"
    page = client.get(f"/staff/reports/?{period}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="equity-title"' in html  # the panel (in the profile's language: Spanish here)
    assert re.search(r'href="/staff/reports/equity\?[^"]*area=S1', html)
    assert 'data-share="100.0"' in html  # 18-44: every booking in the state
    assert not any(name in html for name in names)  # no names, only shares
