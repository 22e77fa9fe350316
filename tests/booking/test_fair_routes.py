"""Fair access through the web, the native API and the CoWIN v2 API (#21): a citizen enters a
lottery and confirms the won dose, anyone downloads and checks the draw, the desk calls
standby and checks priority groups, and v2 scripts cannot book a lottery session."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from cowin_kit.booking.fair_models import LotteryRequest, PriorityCheck, StandbyEntry
from tests.booking.conftest import sign_in
from tests.factories import make_staff, sign_in as staff_sign_in

JSON = {"X-Requested-With": "fetch"}


def _account(db, person):
    from cowin_kit.accounts.models import CitizenAccount

    return db.session.get(CitizenAccount, person.account_id)


def test_lottery_over_the_native_api_and_the_published_draw_checks_out(
        app, db, client, make_session, make_beneficiary):
    from cowin_kit.booking import lottery, lottery_draw

    session = make_session(capacities={"1": 1})
    lot = lottery.open_round(None, session, hours=1, now=dt.datetime.now(dt.timezone.utc)
                             - dt.timedelta(minutes=30))
    person = make_beneficiary()
    sign_in(client, _account(db, person))
    public = client.get(f"/api/kit/v1/lottery/{session.id}").get_json()
    assert public["commitment"] == lot.seed_commitment and public["seed"] is None
    url = f"/api/kit/v1/lottery/{session.id}/requests"
    made = client.post(url, json={"reference_id": person.reference_id}, headers=JSON)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "entered"
    bad = client.post(url, json={"reference_id": "12"}, headers=JSON)
    assert bad.status_code == 422
    # Booking the session directly is refused with a clear code.
    direct = client.post("/api/kit/v1/appointments", headers=JSON, json={
        "reference_id": person.reference_id, "session_id": str(session.id),
        "slot": session.slots[0]})
    assert direct.status_code == 409 and direct.get_json()["error"]["code"] == "LOTTERY_SESSION"
    assert client.get(f"/api/kit/v1/lottery/{session.id}/draw.json").status_code == 409
    lottery.draw(lot, now=lot.closes_at)
    draw = client.get(f"/api/kit/v1/lottery/{session.id}/draw.json")
    assert "attachment" in draw.headers["Content-Disposition"]
    assert lottery_draw.verify(draw.get_json()) == []
    mine = client.get(f"{url}/{person.reference_id}").get_json()
    assert mine["status"] == "offered" and mine["rank"] == 1
    confirmed = client.post(f"{url}/{person.reference_id}/confirm",
                            json={"slot": session.slots[1]}, headers=JSON)
    assert confirmed.status_code == 201, confirmed.get_json()
    assert confirmed.get_json()["slot"] == session.slots[1]
    from cowin_kit.booking.models import Appointment

    assert db.session.scalar(sa.select(Appointment.channel)) == "api"


def test_lottery_web_page_enter_and_unknown_sessions(app, db, client, make_session,
                                                    make_beneficiary):
    from cowin_kit.booking import lottery

    session = make_session(capacities={"1": 1})
    lottery.open_round(None, session)
    assert client.get(f"/lottery/{session.id}").status_code == 200  # public facts
    assert client.get("/lottery/not-a-session").status_code == 404
    person = make_beneficiary()
    sign_in(client, _account(db, person))
    page = client.get(f"/lottery/{session.id}").get_data(as_text=True)
    assert "Enter the lottery" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/lottery/{session.id}/enter", data={
        "csrf_token": token, "reference_id": person.reference_id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(LotteryRequest.channel)) == "web"
    other = client.post(f"/lottery/{session.id}/enter", data={
        "csrf_token": token, "reference_id": "99999999999999"})
    assert other.status_code == 404


def test_desk_calls_standby_and_checks_a_priority_group(app, db, make_session,
                                                        make_beneficiary):
    from cowin_kit.core.models import AuditEntry

    session = make_session(capacities={"1": 1})
    citizen = app.test_client()
    waiting = make_beneficiary()
    sign_in(citizen, _account(db, waiting))
    joined = citizen.post("/api/kit/v1/standby", headers=JSON, json={
        "reference_id": waiting.reference_id, "facility_id": session.facility_id,
        "date": session.date.isoformat()})
    assert joined.status_code == 201, joined.get_json()
    vaccinator = make_staff(db, "vaccinator", "vac-fair", facility=session.facility)
    db.session.commit()
    desk = app.test_client()
    staff_sign_in(desk, vaccinator)
    page = desk.get(f"/desk/sessions/{session.id}/standby")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    refused = desk.post(f"/desk/sessions/{session.id}/standby",
                        data={"csrf_token": token, "doses": "abc"})
    assert refused.status_code == 422
    called = desk.post(f"/desk/sessions/{session.id}/standby",
                       data={"csrf_token": token, "doses": "2", "dose_kind": "1"})
    assert called.status_code == 302
    assert db.session.scalar(sa.select(StandbyEntry.status)) == "offered"
    taken = citizen.post("/api/kit/v1/standby/confirm", headers=JSON, json={
        "reference_id": waiting.reference_id, "facility_id": session.facility_id,
        "date": session.date.isoformat()})
    assert taken.status_code == 201, taken.get_json()
    # Priority groups: the desk sees what to check and records the outcome (audited).
    page = desk.get(f"/desk/priority/{waiting.reference_id}")
    assert page.status_code == 200 and "Employment certificate" in page.get_data(as_text=True)
    done = desk.post(f"/desk/priority/{waiting.reference_id}", data={
        "csrf_token": token, "group": "health_worker", "outcome": "confirmed",
        "evidence": "Hospital ID"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(PriorityCheck.outcome)) == "confirmed"
    db.session.refresh(waiting)
    assert waiting.groups == ["health_worker"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "beneficiary.priority_check")) == 1
    bad = desk.post(f"/desk/priority/{waiting.reference_id}", data={
        "csrf_token": token, "group": "astronaut", "outcome": "confirmed"})
    assert bad.status_code == 422


def test_cowin_v2_shows_lottery_sessions_as_not_bookable(app, db, client, make_session):
    from cowin_kit.api.cowin_v2.common import cowin_error
    from cowin_kit.booking import errors, lottery

    session = make_session(capacities={"1": 5})
    lottery.open_round(None, session)
    response = client.get("/api/v2/appointment/sessions/public/calendarByCenter"
                          f"?center_id={session.facility_id}"
                          f"&date={session.date.strftime('%d-%m-%Y')}")
    assert response.status_code == 200, response.get_data(as_text=True)
    shown = response.get_json()["centers"]["sessions"][0]
    assert shown["available_capacity"] == 0 and shown["allocation"] == "lottery"
    with app.test_request_context("/api/v2/appointment/schedule"):
        answer = cowin_error(errors.LotteryOnly())
    assert answer.status_code == 409
    assert answer.get_json()["errorCode"] == "LOTTERY_SESSION"
    assert "lottery" in answer.get_json()["error"]
