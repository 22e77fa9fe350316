"""WHO DDCC:VS for routine immunisation doses (issue #19 item 6): a measles-rubella dose gives
one certificate per antigen whose core data set conforms to WHO's logical model, with the
ICD-11 codes of the WHO value sets; it is signed with the HC1 key, verifies, and the verifier
names the vaccine and the disease. A child without a document is named by the reference id."""

from __future__ import annotations

import datetime as dt

import pytest

from .ddcc_model import problems
from .world import make_area, make_staff

ICD11 = "http://id.who.int/icd11/mms"


@pytest.fixture
def app(make_app):
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.profiles import get_profile

    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        ensure_keys(app, get_profile())
        yield app


@pytest.fixture
def child_and_desk(app, db):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.booking.models import Facility
    from cowin_kit.registration import children

    district = make_area(db, "R-S-1", make_area(db, "R-S"), 2)
    facility = Facility(code="RF", name="PHC Wakad", area_id=district.id, fee_type="Free", address="Main Road")
    db.session.add(facility)
    db.session.flush()
    vaccinator = make_staff(db, "vaccinator", "rvac", facility=facility)
    account = CitizenAccount(mobile="+919876543219")
    db.session.add(account)
    db.session.flush()
    birth = dt.date.today() - dt.timedelta(days=700)
    child = children.add_child(account, name="Asha Kumari", birth_date=birth, gender="F", guardian="mother")
    db.session.commit()
    return child, facility, vaccinator


def _give(db, desk, product, days_after_birth, lot):
    from cowin_kit.registration import children

    child, facility, vaccinator = desk
    dose = children.record_routine_dose(vaccinator.id, facility.id, child, product=product, lot=lot,
                                        given_on=child.birth_date + dt.timedelta(days=days_after_birth))
    db.session.commit()
    return dose


def test_a_measles_rubella_dose_gives_a_ddcc_vs_per_antigen_that_conforms_and_verifies(app, db, child_and_desk):
    from cowin_kit.certificates import routine_ddcc, valuesets
    from cowin_kit.certificates.formats import ddcc
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier

    child = child_and_desk[0]
    _give(db, child_and_desk, "mr", 275, "MR0001")
    second = _give(db, child_and_desk, "mr", 500, "MR0002")
    certs = routine_ddcc.certificates_for(second)
    assert [c.antigen for c in certs] == ["measles", "rubella"]
    texts = routine_ddcc.sign(certs)
    keys = [k.certificate for k in keystore(app).keys("hcert")]
    for cert, text, disease in zip(certs, texts, ("1F03", "1F02")):
        assert text.startswith("HC1:")
        body = ddcc.verify(text, lambda _kid: keys)  # the signature verifies
        assert problems(body) == [], problems(body)  # WHO's DDCC:VS logical model
        vac = body["vaccination"]
        assert vac["vaccine"] == {"system": ICD11, "code": "XM21H2"}  # measles-rubella, live attenuated
        assert vac["disease"] == {"system": ICD11, "code": disease}
        assert (vac["dose"], vac["totalDoses"], vac["lot"]) == (2, 2, "MR0002")
        assert vac["date"] == (child.birth_date + dt.timedelta(days=500)).isoformat()
        assert (vac["centre"], vac["country"]["code"]) == ("PHC Wakad", "IND")
        assert vac["brand"]["display"] == "Measles-Rubella (MR)"
        # a child without a document: named by the kit's reference id
        assert body["identifier"]["value"] == child.reference_id
        assert body["identifier"]["system"].endswith("/fhir/NamingSystem/reference")
        assert body["certificate"]["hcid"]["value"] == cert.data.uvci
        result = app_verifier().verify(text)
        assert result.status == "valid", result.reason
        assert result.person["name"] == "Asha Kumari"
        shown = valuesets.describe(result.vaccination)
        assert shown["disease_name"] == {"1F03": "Measles", "1F02": "Rubella"}[disease]
        assert shown["type_name"] == "Measles, combinations with rubella, live attenuated"
        assert shown["vaccine_name"] == "Measles-Rubella (MR)"
    # stable identifiers: the same dose gets the same ids again (issued anew: iat now)
    again = routine_ddcc.certificates_for(second)
    assert [(c.data.uvci, c.data.certificate_id) for c in again] == [(c.data.uvci, c.data.certificate_id)
                                                                     for c in certs]


def test_pentavalent_counts_each_antigen_in_its_own_series(app, db, child_and_desk):
    from cowin_kit.certificates import routine_ddcc
    from cowin_kit.certificates.formats import ddcc

    _give(db, child_and_desk, "hepb", 0, "HB0001")  # the Hep B birth dose
    penta = _give(db, child_and_desk, "penta", 42, "PV0001")
    found = {c.antigen: c.data.dose for c in routine_ddcc.certificates_for(penta)}
    assert set(found) == {"diphtheria", "tetanus", "pertussis", "hepb", "hib"}
    assert (found["hepb"].dose_number, found["hepb"].series_total) == (2, 4)  # birth + Penta 1-3
    assert (found["hib"].dose_number, found["hib"].series_total) == (1, 3)
    assert found["hib"].codes == {"icd11_type": "XM7JP3", "disease": "XN0FG"}
    for cert in routine_ddcc.certificates_for(penta):
        assert problems(ddcc.core_data_set(cert.data, b"\x00" * 8)) == []


def test_a_dose_recorded_long_ago_still_gives_a_valid_certificate(app, db, child_and_desk):
    from cowin_kit.certificates import routine_ddcc
    from cowin_kit.certificates.verify import app_verifier

    dose = _give(db, child_and_desk, "bcg", 0, "BC0001")
    dose.recorded_at = dose.recorded_at - dt.timedelta(days=700)
    db.session.commit()
    text = routine_ddcc.sign(routine_ddcc.certificates_for(dose))[0]
    assert app_verifier().verify(text).status == "valid"


def test_a_product_without_a_who_code_gives_no_certificate(app, db, child_and_desk):
    from cowin_kit.certificates import routine_ddcc

    pcv = _give(db, child_and_desk, "pcv", 42, "PC0001")  # no WHO value set has PCV yet
    assert routine_ddcc.certificates_for(pcv) == []
    assert routine_ddcc.sign([]) == []


def test_the_covid_ddcc_keeps_its_disease():
    """COVID-19 doses have no ``disease`` code: the DDCC:VS still says RA01."""
    from cowin_kit.certificates.formats import ddcc
    from .samples import certificate

    body = ddcc.core_data_set(certificate(), b"\x00" * 8)
    assert body["vaccination"]["disease"] == {"system": ICD11, "code": "RA01"}


def test_the_citizen_downloads_the_routine_certificates_of_their_child_only(app, db, child_and_desk):
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.certificates.verify import app_verifier
    from cowin_kit.core.models import AuditEntry
    from tests.factories import citizen_sign_in

    child = child_and_desk[0]
    _give(db, child_and_desk, "bcg", 0, "BC0001")
    _give(db, child_and_desk, "pcv", 42, "PC0001")  # no WHO code: no certificate
    _give(db, child_and_desk, "mr", 275, "MR0001")
    client = app.test_client()
    citizen_sign_in(client, db.session.get(CitizenAccount, child.account_id))
    response = client.get(f"/api/kit/v1/certificates/{child.reference_id}/routine")
    assert response.status_code == 200, response.get_data(as_text=True)
    found = response.get_json()["certificates"]
    assert [(c["product"], c["antigen"], c["disease"], c["vaccine"], c["dose_number"], c["total_doses"])
            for c in found] == [("bcg", "bcg", "1B1Z", "XM8142", 1, 1),
                                ("mr", "measles", "1F03", "XM21H2", 1, 2), ("mr", "rubella", "1F02", "XM21H2", 1, 2)]
    for cert in found:
        result = app_verifier().verify(cert["hc1"])
        assert result.status == "valid" and result.certificate_id == cert["hcid"]
    assert db.session.query(AuditEntry).filter_by(action="routine_certificate.download",
                                                  object_id=child.reference_id).count() == 1
    # someone else's account: not found, nothing signed
    stranger = CitizenAccount(mobile="+919876543218")
    db.session.add(stranger)
    db.session.commit()
    other = app.test_client()
    citizen_sign_in(other, stranger)
    assert other.get(f"/api/kit/v1/certificates/{child.reference_id}/routine").status_code == 404
    assert app.test_client().get(f"/api/kit/v1/certificates/{child.reference_id}/routine").status_code == 401


def test_the_verify_page_names_the_routine_vaccine_and_disease(app, db, child_and_desk):
    from cowin_kit.certificates import routine_ddcc

    dose = _give(db, child_and_desk, "mr", 275, "MR0001")
    measles = routine_ddcc.sign(routine_ddcc.certificates_for(dose))[0]
    html = app.test_client().post("/verify?lang=en", data={"payload": measles}).get_data(as_text=True)
    assert "genuine and valid" in html
    assert "Measles-Rubella (MR)" in html and "Measles, combinations with rubella, live attenuated" in html
    assert "<dd>Measles</dd>" in html and "1 of 2" in html
    assert "unknown" not in html  # routine.yaml names no manufacturer: none is shown


def test_the_offline_verifier_names_routine_vaccines_and_diseases(app):
    from flask_babel import force_locale

    from cowin_kit.certificates.offline import _names

    with app.test_request_context("/"), force_locale("en"):
        names = _names()
    assert names["diseases"]["1F03"] == "Measles" and names["diseases"]["RA01"] == "COVID-19"
    assert names["types"]["XM21H2"] == "Measles, combinations with rubella, live attenuated"
    assert names["types"]["XM9QW8"] == "Non-replicating viral vector vaccine"  # COVID-19's, translated
    assert names["products"]["mr"] == "Measles-Rubella (MR)"
