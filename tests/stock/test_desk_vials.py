"""At the desk: a vial's lot picked or scanned (GS1 DataMatrix), opening it draws its doses,
the open-vial policy closes it, and expired or recalled lots are refused with a clear message."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cowin_kit.stock import vials
from tests.factories import make_person, sign_in
from tests.stock.conftest import balance

GS = "\x1d"


def scan_of(lot, expiry=None):
    """What a scanner types for a vial: (01) GTIN, (17) expiry YYMMDD, (10) lot, FNC1 as GS."""
    return f"01{lot.gtin}17{(expiry or lot.expiry):%y%m%d}10{lot.lot_number}{GS}"


def test_gs1_datamatrix_is_read_with_biip(stock):
    ops, lot = stock["ops"], stock["lot"]
    assert vials.parse_gs1(scan_of(lot)) == {"gtin": lot.gtin, "expiry": lot.expiry,
                                           "lot": lot.lot_number}
    # The lot first and the symbology identifier in front, as some scanners send it.
    assert vials.parse_gs1(f"]d210{lot.lot_number}{GS}01{lot.gtin}")["lot"] == lot.lot_number
    for bad in ("", "hello", "01123", "0108901234567890"):  # no lot: refused
        with pytest.raises(ops.ValidationFailed):
            vials.parse_gs1(bad)


def test_opening_a_scanned_vial_draws_its_doses(client, stock, world, db):
    from cowin_kit.stock.models import OpenVial

    ops, lot = stock["ops"], stock["lot"]
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 100)
    sign_in(client, world.staff["vaccinator"])
    response = client.post("/desk/vials/open", data={"scan": scan_of(lot)})
    assert response.status_code == 303
    assert balance(stock["FA"], lot) == 90
    vial = db.session.scalar(sa.select(OpenVial))
    assert vial.doses == 10 and vial.facility_id == world.facilities["FA"].id
    # Covishield's open-vial policy in the Indian profile: discard 4 hours after opening.
    assert vial.discard_at - vial.opened_at == dt.timedelta(hours=4)
    html = client.get("/desk/vials/").get_data(as_text=True)
    assert lot.lot_number in html and "0 of 10 doses given" in html
    # The person's card offers the open vial's lot.
    person = make_person(db)
    db.session.commit()
    assert f'<option value="{lot.lot_number}">' in client.get(
        f"/desk/people/{person.reference_id}").get_data(as_text=True)
    # A vial whose printed expiry differs from the lot's record is set aside.
    response = client.post("/desk/vials/open", data={"scan": scan_of(
        lot, lot.expiry - dt.timedelta(days=1))})
    assert response.status_code == 409 and "differs" in response.get_data(as_text=True)
    assert balance(stock["FA"], lot) == 90


def test_policy_closes_vials_after_their_hours(stock, world, db):
    from cowin_kit.core.db import utcnow

    ops, lot = stock["ops"], stock["lot"]
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 20)
    vial = vials.open_vial(world.staff["vaccinator"], world.facilities["FA"], lot)
    assert vials.close_due_vials(now=utcnow() + dt.timedelta(hours=3)) == 0
    assert vials.close_due_vials(now=utcnow() + dt.timedelta(hours=4, minutes=1)) == 1
    db.session.commit()
    db.session.refresh(vial)
    assert vial.close_reason == "policy" and vial.closed_at == vial.discard_at


def test_expired_or_recalled_lot_is_refused_at_the_desk(client, stock, world, db):
    from cowin_kit.stock.models import OpenVial
    from cowin_kit.vaccination.models import DoseRecord

    ops, nat, lot = stock["ops"], world.staff["national_admin"], stock["lot"]
    expired = ops.register_lot(nat, vaccine="covishield", lot_number="EXP-9",
                               expiry=dt.date.today() - dt.timedelta(days=2))
    ops.receive(nat, stock["FA"], expired, 50)
    ops.receive(nat, stock["FA"], lot, 50)
    ops.recall_lot(nat, lot, "particles in vials")
    sign_in(client, world.staff["vaccinator"])
    response = client.post("/desk/vials/open", data={"lot_id": expired.id})
    assert response.status_code == 409
    assert "Lot EXP-9 expired on" in response.get_data(as_text=True)
    response = client.post("/desk/vials/open", data={"scan": scan_of(lot)})
    assert response.status_code == 409
    assert f"Lot {lot.lot_number} has been recalled" in response.get_data(as_text=True)
    person = make_person(db)
    db.session.commit()
    for number, message in ((lot.lot_number, "has been recalled"), ("EXP-9", "expired on")):
        response = client.post(f"/desk/people/{person.reference_id}/dose",
                               data={"vaccine": "covishield", "lot": number})
        assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(DoseRecord.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OpenVial.id))) == 0
    assert balance(stock["FA"], expired) == 50
    # A lot the stock does not track is still accepted (an instance without stock).
    response = client.post(f"/desk/people/{person.reference_id}/dose",
                           data={"vaccine": "covishield", "lot": "UNTRACKED1"})
    assert response.status_code == 302


def test_closing_a_vial_needs_a_reason_and_is_scoped(client, stock, world, db):
    ops, lot = stock["ops"], stock["lot"]
    ops.receive(world.staff["national_admin"], stock["FA"], lot, 20)
    vial = vials.open_vial(world.staff["vaccinator"], world.facilities["FA"], lot)
    sign_in(client, world.staff["vaccinator"])
    assert client.post(f"/desk/vials/{vial.id}/close", data={"reason": "policy"}).status_code \
        == 422
    assert client.post(f"/desk/vials/{vial.id}/close", data={"reason": "breakage"}).status_code \
        == 303
    db.session.refresh(vial)
    assert vial.close_reason == "breakage"


def test_walk_in_with_a_recalled_lot_registers_nobody(client, stock, world, db):
    from stdnum import verhoeff

    from cowin_kit.registration.models import Beneficiary

    ops, lot = stock["ops"], stock["lot"]
    ops.recall_lot(world.staff["national_admin"], lot, "particles in vials")
    sign_in(client, world.staff["vaccinator"])
    number = "23456789012"
    response = client.post("/desk/walk-in", data={
        "name": "Kamala Nair", "birth_year": "1975", "gender": "F", "id_doc_type": "aadhaar",
        "id_number": number + verhoeff.calc_check_digit(number), "mobile": "",
        "vaccine": "covishield", "lot": lot.lot_number})
    assert response.status_code == 409 and "has been recalled" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Beneficiary.id))) == 0
