"""Web pages: public search with drill-down, booking, appointment, reschedule, cancel, slip."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.booking.conftest import sign_in


@pytest.fixture
def web(make_app, areas, make_facility, make_session, make_beneficiary, db):
    app = make_app(WTF_CSRF_ENABLED=False)
    session = make_session(make_facility(areas["a"], name="PHC Testpur"),
                           capacities={"1": 3, "2": 3})
    person = make_beneficiary(name="Asha Devi")
    client = app.test_client()
    return {"app": app, "client": client, "session": session, "person": person}


def test_find_drills_down_and_shows_a_week(client, web, areas):
    page = client.get("/find").get_data(as_text=True)
    assert 'name="a1"' in page and "T-ST" in page and 'name="a2"' not in page
    page = client.get(f"/find?a1={areas['state'].id}").get_data(as_text=True)
    assert 'name="a2"' in page and "T-ST-D1" in page
    page = client.get(f"/find?a1={areas['state'].id}&a2={areas['district'].id}"
                      f"&a3={areas['a'].id}").get_data(as_text=True)
    assert "PHC Testpur" in page and page.count("<th scope=\"col\">") == 8
    # A block of another district is ignored (tampered drill-down), nothing breaks.
    page = client.get(f"/find?a1={areas['state'].id}&a2={areas['other'].id}"
                      f"&a3={areas['a'].id}")
    assert page.status_code == 200 and "PHC Testpur" not in page.get_data(as_text=True)
    page = client.get("/find?postal_code=411001&date=2021-13-01")
    assert page.status_code == 200 and "field-error" in page.get_data(as_text=True)


def test_find_is_localised(client, web, areas):
    page = client.get(f"/find?a1={areas['state'].id}&lang=hi").get_data(as_text=True)
    assert 'lang="hi-IN"' in page


def test_book_reschedule_cancel_in_the_browser(web, db, make_session, areas):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.booking.models import Appointment, SessionCapacity

    client, person, session = web["client"], web["person"], web["session"]
    with web["app"].app_context():
        sign_in(client, db.session.get(CitizenAccount, person.account_id))
    url = f"/my/book/{person.reference_id}?a1={areas['state'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "PHC Testpur" in page and session.slots[0] in page
    done = client.post(url, data={"session_id": str(session.id), "slot": session.slots[0],
                                  "request_key": "form-1"})
    assert done.status_code == 302
    appointment = db.session.scalar(sa.select(Appointment))
    assert done.headers["Location"].endswith(f"/my/appointments/{appointment.id}")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert appointment.secret_code in page
    # Pressing the button twice (same form) books once.
    client.post(url, data={"session_id": str(session.id), "slot": session.slots[0],
                           "request_key": "form-1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 1

    slip = client.get(f"/my/appointments/{appointment.id}/slip").get_data(as_text=True)
    assert "Asha Devi" in slip and appointment.secret_code in slip
    pdf = client.get(f"/my/appointments/{appointment.id}/slip.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    other = make_session(days=2, capacities={"1": 1})
    moved = client.post(f"/my/appointments/{appointment.id}/reschedule",
                        data={"session_id": str(other.id), "slot": other.slots[1]})
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).session_id == other.id

    confirm = client.get(f"/my/appointments/{appointment.id}/cancel").get_data(as_text=True)
    assert re.search(r"<form method=\"post\"", confirm)
    client.post(f"/my/appointments/{appointment.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "cancelled"
    assert db.session.scalar(sa.select(sa.func.sum(SessionCapacity.booked))) == 0


def test_errors_show_as_messages_and_others_pages_are_hidden(web, db, make_beneficiary):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.booking import operations

    client, person, session = web["client"], web["person"], web["session"]
    with web["app"].app_context():
        sign_in(client, db.session.get(CitizenAccount, person.account_id))
    url = f"/my/book/{person.reference_id}"
    client.post(url, data={"session_id": str(session.id), "slot": "01:00-02:00"})
    page = client.get(url).get_data(as_text=True)
    assert "notice-error" in page
    stranger = make_beneficiary()
    assert client.get(f"/my/book/{stranger.reference_id}").status_code == 404
    theirs = operations.book(stranger, session.id, session.slots[0])
    assert client.get(f"/my/appointments/{theirs.id}").status_code == 404
    assert client.get("/my/appointments/not-a-uuid").status_code == 404
    anonymous = web["app"].test_client()
    assert anonymous.get(f"/my/book/{person.reference_id}").status_code == 302


def test_slip_pdf_in_hindi_with_a_devanagari_name(app, make_session, make_beneficiary):
    from flask_babel import force_locale

    from cowin_kit.booking import operations
    from cowin_kit.booking.slip import slip_pdf

    session = make_session()
    appointment = operations.book(make_beneficiary(name="आशा देवी"), session.id, session.slots[0])
    with app.test_request_context("/?lang=hi"), force_locale("hi_IN"):
        pdf = slip_pdf(appointment)
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf
    assert b"NotoSansDevanagari" in pdf  # the name is drawn in a Devanagari font


def test_find_reads_each_level_of_areas_once(client, web, areas, db):
    """The drill-down is checked and its selects are filled from the same reads."""
    from tests.booking.test_queries import statements

    url = f"/find?a1={areas['state'].id}&a2={areas['district'].id}&a3={areas['a'].id}"
    client.get(url)  # warm up (the profile, the cache)
    with statements(db) as seen:
        assert client.get(url).status_code == 200
    reads = [s for s in seen if "FROM area" in s and "parent_id" in s]
    assert len(reads) == 3, reads  # one per level shown (it was two: check, then select)
