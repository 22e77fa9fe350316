"""Routine doses at the desk (issue #19): the doses due today on the person page, recorded with
their lots at the staff user's facility; the engine's refusals recorded nothing; a dose given
elsewhere; the child without an area takes the facility's area."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.core.db import db
from cowin_kit.core.models import AuditEntry
from cowin_kit.registration import children
from cowin_kit.registration.models import Beneficiary, RoutineDose, RoutineDue
from tests.citizen.helpers import sign_up
from tests.factories import citizen_sign_in, sign_in

SIX_WEEKS = ["penta", "opv", "fipv", "rvv", "pcv"]


def _child(world, weeks: int = 6, *, birth_doses: bool = True,
           mobile: str = "9876543210") -> Beneficiary:
    today = facility_today(world.facilities["FA"])
    born = today - dt.timedelta(weeks=weeks)
    child = children.add_child(sign_up(mobile), name="Asha Devi", birth_date=born, gender="F",
                               guardian="mother")
    if birth_doses:  # given at birth in another facility: the child still has no area
        for product in ("bcg", "opv", "hepb"):
            children.record_routine_dose(world.staff["vaccinator"].id, world.facilities["FA"].id,
                                         child, product=product, lot="B1", given_on=born)
        children.store_next_routine_due(child, today)
    db.session.commit()
    assert child.area_id is None
    return child


def _doses(db, child) -> list[tuple[str, dt.date, int | None]]:
    return sorted(db.session.execute(sa.select(
        RoutineDose.product, RoutineDose.given_on, RoutineDose.facility_id).where(
        RoutineDose.beneficiary_id == child.id)).all())


def _form(products, **extra) -> dict:
    return {"products": products, **{f"lot-{p}": f"{p.upper()}-7" for p in products}, **extra}


def test_six_week_doses_listed_and_recorded_and_the_area_set(client, db, world):
    child = _child(world)
    facility = world.facilities["FA"]
    today = facility_today(facility)
    sign_in(client, world.staff["vaccinator"])
    page = client.get(f"/desk/people/{child.reference_id}").get_data(as_text=True)
    for product in SIX_WEEKS:
        assert f'name="products" value="{product}"' in page, product
    assert 'name="products" value="mr"' not in page
    assert 'name="products" value="bcg"' not in page  # given at birth
    assert "Pentavalent 1" in page
    before = dict(db.session.execute(sa.select(RoutineDue.antigen, RoutineDue.due_on).where(
        RoutineDue.beneficiary_id == child.id)).all())
    assert before["hib"] == today and before["rota"] == today
    response = client.post(f"/desk/people/{child.reference_id}/routine", data=_form(SIX_WEEKS))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    given = [d for d in _doses(db, child) if d[1] == today]
    assert sorted(p for p, _d, _f in given) == sorted(SIX_WEEKS)
    assert {f for _p, _d, f in given} == {facility.id}
    assert db.session.scalar(sa.select(RoutineDose.lot).where(
        RoutineDose.beneficiary_id == child.id, RoutineDose.product == "penta")) == "PENTA-7"
    db.session.expire_all()
    child = db.session.get(Beneficiary, child.id)
    # The area of the facility: the child now appears in its due lists (the rows copy it).
    assert child.area_id == facility.area_id
    after = {r.antigen: r for r in db.session.scalars(sa.select(RoutineDue).where(
        RoutineDue.beneficiary_id == child.id))}
    assert after["hib"].dose_name == "Pentavalent 2"
    assert after["hib"].due_on == today + dt.timedelta(weeks=4)
    assert after["rota"].dose_name == "RVV-2" and after["pcv"].dose_name == "PCV-2"
    assert {r.area_id for r in after.values()} == {facility.area_id}
    assert child.next_routine_due == today + dt.timedelta(weeks=4)
    records = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "routine_dose.record")).all()
    assert len(records) == len(SIX_WEEKS) + 3
    # Nothing more is due today; the lots are remembered for the next child.
    page = client.get(f"/desk/people/{child.reference_id}").get_data(as_text=True)
    assert 'name="products"' not in page
    other = _child(world, mobile="9876543211")
    page = client.get(f"/desk/people/{other.reference_id}").get_data(as_text=True)
    assert 'value="PENTA-7"' in page


def test_refusals_record_nothing(client, db, world):
    child = _child(world, weeks=4)
    sign_in(client, world.staff["vaccinator"])
    url = f"/desk/people/{child.reference_id}/routine"
    for data, text in ((_form(["penta"]), "younger than its minimum age"),
                       (_form(["mr"]), "younger than its minimum age"),
                       (_form(["bcg"]), "the series is complete"),
                       (_form([]), "Choose the vaccines given"),
                       (_form(["nonsense"]), "Choose the vaccines given"),
                       (_form(["opv"], **{"lot-opv": "bad lot!"}), "A lot number is 1 to 20")):
        response = client.post(url, data=data)
        assert response.status_code == 422, (data, response.status_code)
        assert text in response.get_data(as_text=True), data
    assert [p for p, _d, _f in _doses(db, child)] == ["bcg", "hepb", "opv"]
    assert db.session.get(Beneficiary, child.id).area_id is None


def test_too_soon_after_the_previous_dose(client, db, world):
    child = _child(world, weeks=12)
    today = facility_today(world.facilities["FA"])
    children.record_routine_dose(world.staff["vaccinator"].id, world.facilities["FA"].id, child,
                                 product="penta", lot="P1", given_on=today - dt.timedelta(weeks=1))
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    response = client.post(f"/desk/people/{child.reference_id}/routine", data=_form(["penta"]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "too soon after the previous dose" in page, page[page.find("error"):][:1500]
    assert len(_doses(db, child)) == 4


def test_a_dose_given_abroad(client, db, world):
    child = _child(world, weeks=30)
    today = facility_today(world.facilities["FA"])
    abroad = today - dt.timedelta(weeks=20)
    sign_in(client, world.staff["vaccinator"])
    url = f"/desk/people/{child.reference_id}/routine/elsewhere"
    good = {"product": "hexavalent", "given_on": abroad.isoformat(), "place": "Dubai clinic",
            "lot": ""}
    for change, text in (({"given_on": (today + dt.timedelta(days=1)).isoformat()},
                          "cannot be in the future"),
                         ({"given_on": (today - dt.timedelta(weeks=40)).isoformat()},
                          "before the date of birth"),
                         ({"given_on": ""}, "Enter the date the dose was given"),
                         ({"place": "  "}, "Enter where the dose was given"),
                         ({"product": "nonsense"}, "Choose the vaccines given"),
                         ({"lot": "bad lot!"}, "A lot number is 1 to 20"),
                         ({"given_on": (today - dt.timedelta(weeks=29)).isoformat()},
                          "younger than its minimum age")):
        response = client.post(url, data={**good, **change})
        assert response.status_code == 422, (change, response.status_code)
        assert text in response.get_data(as_text=True), change
    assert len(_doses(db, child)) == 3
    response = client.post(url, data=good)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert ("hexavalent", abroad, None) in _doses(db, child)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "routine_dose.record").order_by(AuditEntry.id.desc())).first()
    assert entry.details["source"] == "elsewhere" and entry.details["place"] == "Dubai clinic"
    # It counts: Pentavalent 1 (hib, hepb...) is given; the area is not set (no facility).
    db.session.expire_all()
    rows = {r.antigen: r.dose_name for r in db.session.scalars(sa.select(RoutineDue).where(
        RoutineDue.beneficiary_id == child.id))}
    assert rows["hib"] == "Pentavalent 2" and rows["ipv"] == "fIPV-2"
    assert db.session.get(Beneficiary, child.id).area_id is None


def test_unauthenticated_and_citizen_refused(client, db, world):
    child = _child(world)
    url = f"/desk/people/{child.reference_id}/routine"
    response = client.post(url, data=_form(["penta"]))
    assert response.status_code in (302, 401, 403)
    citizen_sign_in(client, db.session.get(CitizenAccount, child.account_id))
    assert client.post(url, data=_form(["penta"])).status_code in (302, 401, 403)
    assert len(_doses(db, child)) == 3


def test_a_pregnant_woman_gets_td_and_an_adult_nothing(client, db, world):
    from cowin_kit.registration import operations as ops
    from tests.citizen.helpers import person

    account = sign_up()
    woman = ops.add_beneficiary(account, **person(1, birth_year=1996))
    man = ops.add_beneficiary(account, **person(2, birth_year=1990, gender="M"))
    children.record_pregnancy(account, woman.reference_id, week=16)
    facility = world.facilities["FA"]
    sign_in(client, world.staff["vaccinator"])
    page = client.get(f"/desk/people/{woman.reference_id}").get_data(as_text=True)
    assert 'name="products" value="td"' in page
    assert "Routine immunisation" not in client.get(
        f"/desk/people/{man.reference_id}").get_data(as_text=True)
    response = client.post(f"/desk/people/{woman.reference_id}/routine", data=_form(["td"]))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert [(p, f) for p, _d, f in _doses(db, woman)] == [("td", facility.id)]
    for url, data, text in (("routine", _form(["td"]), "is not due for this person today"),
                            ("routine/elsewhere", {"product": "td", "place": "Clinic",
                                                   "given_on": "2020-01-01"},
                             "does not apply to this person")):
        response = client.post(f"/desk/people/{man.reference_id}/{url}", data=data)
        assert response.status_code == 422, url
        assert text in response.get_data(as_text=True), url
    assert _doses(db, man) == []


def test_live_vaccine_spacing(client, db, world):
    child = _child(world, weeks=44)
    today = facility_today(world.facilities["FA"])
    sign_in(client, world.staff["vaccinator"])
    response = client.post(f"/desk/people/{child.reference_id}/routine/elsewhere", data={
        "product": "je", "given_on": (today - dt.timedelta(weeks=1)).isoformat(),
        "place": "Private clinic", "lot": "JE1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"/desk/people/{child.reference_id}").get_data(as_text=True)
    assert 'name="products" value="mr"' not in page and 'name="products" value="je"' not in page
    response = client.post(f"/desk/people/{child.reference_id}/routine", data=_form(["mr"]))
    assert response.status_code == 422
    assert "too soon after another live vaccine" in response.get_data(as_text=True)
    assert "mr" not in [p for p, _d, _f in _doses(db, child)]
