"""Booking pages as a citizen meets them (issue #18): no slip for a cancelled appointment, a
location-first search with one page of centres at a time, clear messages for bad search values."""

from __future__ import annotations

import re

import pytest

from tests.booking.conftest import sign_in
from tests.booking.test_pages import web as page_web  # noqa: F401 - a fixture


@pytest.fixture
def web(page_web, db):
    """The booking pages' test data, with the person's account signed in."""
    from cowin_kit.accounts.models import CitizenAccount

    with page_web["app"].app_context():
        sign_in(page_web["client"], db.session.get(CitizenAccount, page_web["person"].account_id))
    return page_web


# -- 6. a cancelled appointment has no slip ------------------------------------------------------

def test_cancelled_appointment_offers_no_slip_and_refuses_a_direct_link(web, db):
    from cowin_kit.booking import changes, operations

    client, session = web["client"], web["session"]
    appointment = operations.book(web["person"], session.id, session.slots[0])
    code, url = appointment.secret_code, f"/my/appointments/{appointment.id}"
    assert f"{url}/slip" in client.get(url).get_data(as_text=True)  # offered while booked
    changes.cancel(appointment, "citizen")

    page = client.get(url).get_data(as_text=True)
    assert f"{url}/slip" not in page and code not in page
    assert f"/my/book/{web['person'].reference_id}" in page  # what to do instead
    for path in (f"{url}/slip", f"{url}/slip.pdf"):
        refused = client.get(path)
        body = refused.get_data(as_text=True)
        assert refused.status_code == 409 and refused.mimetype == "text/html", path
        assert "was cancelled" in body and code not in body, path
    api = client.get(f"/api/kit/v1/appointments/{appointment.id}/slip.pdf",
                     headers={"X-Requested-With": "XMLHttpRequest"})
    assert api.status_code in (401, 409)  # the cookie may not act on the API; never a slip
    assert not api.data.startswith(b"%PDF")


def test_slip_pdf_function_refuses_a_cancelled_appointment(app, make_session, make_beneficiary):
    from cowin_kit.booking import changes, operations
    from cowin_kit.booking.errors import SlipNotAvailable
    from cowin_kit.booking.slip import slip_pdf

    session = make_session()
    appointment = operations.book(make_beneficiary(), session.id, session.slots[0])
    with app.test_request_context("/"):
        assert slip_pdf(appointment).startswith(b"%PDF")
        changes.cancel(appointment, "citizen")
        with pytest.raises(SlipNotAvailable):
            slip_pdf(appointment)


# -- 7. location first, one page of centres at a time ------------------------------------------------

CENTRE = re.compile(r'<section class="card centre">')


@pytest.fixture
def many(web, make_facility, make_session, areas):
    """45 more centres in block B (the fixture's PHC Testpur is in block A), a session each."""
    for n in range(45):
        make_session(make_facility(areas["b"], name=f"Centre {n:02d}", postal_code="411045",
                                   lat=18.5 + n / 1000, lon=73.8), capacities={"1": 2})
    return web


def test_booking_page_lists_no_centre_before_a_search(many):
    person = many["person"]
    response = many["client"].get(f"/my/book/{person.reference_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not CENTRE.search(html) and "PHC Testpur" not in html and "Centre 00" not in html
    assert len(html.encode()) < 30_000  # the form, not the country
    assert "Choose an area, enter a postal code or use your location" in html
    assert 'id="locate"' in html and "/static/booking/locate.js" in html


def test_a_search_answers_one_page_at_a_time(many, areas):
    client, ref = many["client"], many["person"].reference_id
    url = f"/my/book/{ref}?a1={areas['state'].id}"
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"{url}&page={page}").get_data(as_text=True)
        found = re.findall(r'<h2>\s*<strong>([^<]+)</strong>', html)
        assert len(found) == len(CENTRE.findall(html)) <= 20
        seen += found
        assert f"page={page + 1}" in html if page < 3 else f"page={page + 1}" not in html
    assert len(seen) == len(set(seen)) == 46  # every centre once over the pages
    html = client.get(f"/find?a1={areas['state'].id}&page=2").get_data(as_text=True)
    assert html.count("<tr><th scope=\"row\">") == 20 and 'aria-current="page"' in html


def test_search_near_a_position_is_nearest_first(many):
    client, ref = many["client"], many["person"].reference_id
    html = client.get(f"/my/book/{ref}?lat=18.5441&lon=73.8").get_data(as_text=True)
    found = re.findall(r'<h2>\s*<strong>([^<]+)</strong>', html)
    assert found[:3] == ["Centre 44", "Centre 43", "Centre 42"] and len(found) == 20, found
    assert "PHC Testpur" not in found  # no coordinates: not "near" anything


def test_reschedule_starts_from_the_current_centre_and_its_district(many, db, areas):
    from cowin_kit.booking import operations

    client, session = many["client"], many["session"]
    appointment = operations.book(many["person"], session.id, session.slots[0])
    html = client.get(f"/my/appointments/{appointment.id}/reschedule").get_data(as_text=True)
    for name, area in (("a1", areas["state"]), ("a2", areas["district"])):
        select = re.search(rf'<select id="{name}".*?</select>', html, re.S).group(0)
        assert re.search(rf'<option value="{area.id}" selected>', select), name
    found = re.findall(r'<h2>\s*<strong>([^<]+)</strong>', html)
    assert found[0] == "PHC Testpur" and len(found) == 20  # "P" sorts after "Centre 44"


# -- 12. bad search values are said, never silently ignored ------------------------------------------

@pytest.mark.parametrize("path", ["/find", "/my/book/{ref}"])
@pytest.mark.parametrize("query, message", [
    ("postal_code=12ab!", "Not a postal code."),
    ("postal_code=999999", "No vaccination centre has the postal code 999999."),
    ("postal_code=12345", "This is not a postal code of India. It looks like 110034."),
    ("a1={state}&a2=999999", "This area is not in the list. Please choose it again."),
    ("a1=abc", "This area is not in the list. Please choose it again."),
    ("date=2021-13-45", "Not a date (use DD-MM-YYYY or YYYY-MM-DD)."),
    ("lat=north&lon=73.8", "Your location could not be read."),
], ids=["pin-format", "pin-unknown", "pin-of-another-country", "district-unknown", "area-not-a-number", "date", "position"])
def test_bad_search_values_get_a_message(many, areas, path, query, message):
    url = path.format(ref=many["person"].reference_id) + "?" + query.format(
        state=areas["state"].id)
    response = many["client"].get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'class="field-error">[^<]*' + re.escape(message), html), url
    field = re.search(r'class="field-error">', html)
    assert re.search(r'aria-describedby="([a-z0-9_]+)-error"', html)  # tied to its field
    assert not CENTRE.search(html) and "<tbody>" not in html  # nothing listed on a bad value
