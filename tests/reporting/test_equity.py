"""The equity report (#21): who asked, was offered, booked and was vaccinated, by area, age
band, sex and channel, so that a ministry sees who is left out."""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale

from cowin_kit.reporting.catalog import all_reports
from cowin_kit.reporting.reports import Params
from tests.reporting.conftest import TODAY


def _rows(area=None):
    params = Params(area=area, date_from=TODAY - dt.timedelta(days=29), date_to=TODAY,
                    today=TODAY)
    with force_locale("en"):  # the labels in English (the test profile speaks Spanish)
        return list(all_reports()["equity"].rows(params, lambda n: None))


def test_equity_by_area_age_band_sex_and_channel(app, db, world, equity_world):
    young, old = equity_world.young, equity_world.old
    for person, channel, status in ((young[0], "api", "confirmed"), (young[1], "api", "offered"),
                                    (young[2], "api", "not_drawn"),
                                    (old[0], "assisted", "not_drawn"),
                                    (old[1], "assisted", "not_drawn")):
        equity_world.ask(person, channel, status)
    world.dose(old[1], facility_area="S1-D2", day=equity_world.yesterday)  # a walk-in elsewhere
    world.dose(world.person(), facility_area="S2-D1", day=TODAY - dt.timedelta(days=90))
    db.session.commit()

    table = {(r[0], r[2], r[4]): r for r in _rows()}
    api = table[("S1", "18-44", "API")]
    assert api[5:] == (3, 2, 2, 1, 66.7)  # asked, offered, booked, vaccinated, offered %
    assisted = table[("S1", "60+", "Assisted")]
    assert assisted[5:] == (2, 0, 0, 0, 0.0)  # the older people asked and got nothing
    assert table[("S1", "60+", "Web")][5:] == (1, 0, 0, 0, 0.0)
    assert table[("S1", "60+", "Walk-in")][5:] == (0, 0, 1, 1, None)
    assert not any(r[0] == "S2" for r in _rows())  # the dose 90 days ago is out of the period
    # One level down: the districts of the state.
    districts = {(r[0], r[4]) for r in _rows(world.areas["S1"])}
    assert districts == {("S1-D1", "API"), ("S1-D1", "Assisted"), ("S1-D1", "Web"),
                         ("S1-D2", "Walk-in")}


def test_equity_report_page_and_csv_for_reporting_staff(app, db, world, client):
    from tests.factories import make_staff, sign_in

    auditor = make_staff(db, "auditor", "equity-auditor")
    db.session.commit()
    sign_in(client, auditor)
    page = client.get("/staff/reports/equity?lang=en")
    assert page.status_code == 200 and "Equity of allocation" in page.get_data(as_text=True)
    csv = client.get("/staff/reports/equity.csv?lang=en")
    assert csv.status_code == 200 and "Channel" in csv.get_data(as_text=True)
