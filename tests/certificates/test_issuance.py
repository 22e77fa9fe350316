"""Certificates issued on recorded doses, downloads, verification, corrections, revocation."""

from __future__ import annotations

import io
import json
import os
import stat

import pytest
import sqlalchemy as sa

from .samples import read_qr
from .world import make_area as _area, make_dose, make_person, make_staff, sign_in


@pytest.fixture
def app(make_app):
    from flask_babel import force_locale

    from cowin_kit.profiles import get_profile

    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        with force_locale("en"):
            get_profile()
        from cowin_kit.certificates.stores import ensure_keys

        ensure_keys(app, get_profile())
        yield app


@pytest.fixture
def place(app, db):
    from cowin_kit.booking.models import Facility

    state = _area(db, "C-S")
    district = _area(db, "C-S-1", state, 2)
    facility = Facility(code="CF", name="PHC Aundh", area_id=district.id, fee_type="Free", address="Main Road")
    db.session.add(facility)
    db.session.flush()
    vaccinator = make_staff(db, "vaccinator", "vac", facility=facility)
    admin = make_staff(db, "national_admin", "nat")
    db.session.commit()
    return facility, vaccinator, admin


def _account(db):
    from cowin_kit.accounts.models import CitizenAccount

    account = CitizenAccount(mobile="+919876543210")
    db.session.add(account)
    db.session.flush()
    return account


def _dose(db, person, facility, vaccinator, n):
    """Record a dose row and send the signal as the vaccination domain does after commit."""
    from flask import current_app

    from cowin_kit.vaccination.signals import dose_recorded

    dose = make_dose(db, person, facility, dose_number=n, days_ago=90 * (2 - n), vaccinator=vaccinator)
    db.session.commit()
    dose_recorded.send(current_app._get_current_object(), dose=dose)
    return dose


def _signed_in_citizen(app, db, place, **person):
    """A citizen with one recorded dose (and so a certificate) and a client signed in as them."""
    from tests.factories import citizen_sign_in

    facility, vaccinator, _admin = place
    account = _account(db)
    beneficiary = make_person(db, account=account, **person)
    _dose(db, beneficiary, facility, vaccinator, 1)
    client = app.test_client()
    citizen_sign_in(client, account)
    return client, beneficiary


def _certs(db, person):
    from cowin_kit.certificates.models import Certificate

    return db.session.execute(sa.select(Certificate).where(Certificate.beneficiary_id == person.id)
                              .order_by(Certificate.id)).scalars().all()


def test_keys_are_private_and_listed(app):
    from cowin_kit.certificates.stores import keystore

    store = keystore(app)
    for kind in ("divoc", "hcert", "shc"):
        info = store.active(kind)
        key_files = list((store.root / kind).glob("*.key.pem"))
        assert key_files
        for path in key_files:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert info.kid
    client = app.test_client()
    body = client.get("/api/kit/v1/certificates/keys").get_json()
    assert body["formats"]["eu_dcc"][0]["certificate"]
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.headers["Access-Control-Allow-Origin"] == "*"
    assert jwks.get_json()["keys"][0]["kid"] == store.active("shc").kid


def test_rotation_keeps_old_keys_for_verification(app, db, place):
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier

    facility, vaccinator, _admin = place
    person = make_person(db)
    _dose(db, person, facility, vaccinator, 1)
    cert = _certs(db, person)[0]
    old_texts = {f: issuance.qr_payload(cert, f) for f in ("eu_dcc", "shc", "divoc_vc")}
    store = keystore(app)
    old = {k: store.active(k).kid for k in ("divoc", "hcert", "shc")}
    from cowin_kit.certificates import lifecycle

    for kind in ("divoc", "hcert", "shc"):
        new = store.rotate(kind)
        assert store.active(kind).kid == old[kind] and new.status == "next"  # published first
        lifecycle.activate(store, kind, new.kid, before_delay=True)
        assert store.active(kind).kid == new.kid
        assert len(store.keys(kind)) == 2
    for fmt, payload in old_texts.items():
        assert app_verifier().verify(payload).status == "valid", fmt


def test_doses_issue_provisional_then_final_and_everything_verifies(app, db, place):
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.verify import app_verifier

    facility, vaccinator, _admin = place
    person = make_person(db, name="वेद प्रकाश")
    _dose(db, person, facility, vaccinator, 1)
    first = _certs(db, person)
    assert [c.kind for c in first] == ["provisional"]
    _dose(db, person, facility, vaccinator, 2)
    certs = _certs(db, person)
    assert [c.kind for c in certs] == ["provisional", "final"]
    assert certs[0].superseded_by_id == certs[1].id
    final = certs[1]
    for fmt in ("divoc_vc", "eu_dcc", "shc", "ddcc"):
        result = app_verifier().verify(issuance.qr_payload(final, fmt))
        assert result.status == "valid", (fmt, result.reason)
        assert result.format == fmt
        assert result.person["name"] == "वेद प्रकाश"
    entry = app_verifier().verify(issuance.qr_payload(final, "eu_dcc"))
    assert (entry.vaccination["dose"], entry.vaccination["total"]) == (2, 2)


def _citizen_with_a_dose(app, db, place):
    """A signed-in citizen client and their person, who has had one dose."""
    from tests.factories import citizen_sign_in

    facility, vaccinator, _admin = place
    account = _account(db)
    person = make_person(db, account=account)
    _dose(db, person, facility, vaccinator, 1)
    client = app.test_client()
    citizen_sign_in(client, account)
    return client, person


def test_citizen_downloads_and_api_verify(app, db, place):
    facility, vaccinator, _admin = place
    account = _account(db)
    person = make_person(db, account=account)
    _dose(db, person, facility, vaccinator, 1)
    client = app.test_client()
    assert client.get(f"/api/kit/v1/certificates/{person.reference_id}").status_code == 401
    from tests.factories import citizen_sign_in

    citizen_sign_in(client, account)
    info = client.get(f"/api/kit/v1/certificates/{person.reference_id}").get_json()
    assert info["kind"] == "provisional"
    png = client.get(f"/api/kit/v1/certificates/{person.reference_id}?as=png&format=eu_dcc")
    assert png.mimetype == "image/png"
    text = read_qr(png.data)[0].text
    verdict = client.post("/api/kit/v1/certificates/verify", json={"payload": text}).get_json()
    assert verdict["valid"] and verdict["format"] == "eu_dcc"
    page = client.post("/verify", data={"image": (io.BytesIO(png.data), "qr.png")},
                       content_type="multipart/form-data")
    assert "genuine and valid" in page.get_data(as_text=True)
    other = make_person(db, name="Someone Else")
    db.session.commit()
    assert client.get(f"/api/kit/v1/certificates/{other.reference_id}").status_code == 404
    assert client.get(f"/certificates/{person.reference_id}").status_code == 200
    pdf = client.get(f"/certificates/{person.reference_id}/divoc_vc.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data[:5] == b"%PDF-"


def test_correction_approved_reissues_and_revokes(app, db, place):
    from cowin_kit.certificates import issuance, operations
    from cowin_kit.certificates.verify import app_verifier
    from cowin_kit.core.models import AuditEntry

    facility, vaccinator, admin = place
    account = _account(db)
    person = make_person(db, account=account, name="Asha Devy")
    _dose(db, person, facility, vaccinator, 1)
    old = _certs(db, person)[0]
    old_text = issuance.qr_payload(old, "eu_dcc")
    req = operations.request_correction(account, person.reference_id, "name", "Asha Devi")
    with pytest.raises(Exception):
        operations.request_correction(account, person.reference_id, "name", "Asha D")
    db.session.rollback()
    client = app.test_client()
    sign_in(client, admin)
    listed = client.get("/api/kit/v1/certificates/corrections").get_json()
    assert [r["id"] for r in listed] == [req.id]
    response = client.post(f"/api/kit/v1/certificates/corrections/{req.id}/approve", json={"note": "ok"},
                           headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    certs = _certs(db, person)
    assert certs[0].revoked_at is not None and "name" in certs[0].revoke_reason
    new = certs[-1]
    assert new.revoked_at is None and new.data["name"] == "Asha Devi"
    assert app_verifier().verify(old_text).status == "revoked"
    assert app_verifier().verify(issuance.qr_payload(new, "eu_dcc")).status == "valid"
    actions = set(db.session.execute(sa.select(AuditEntry.action)).scalars())
    assert {"certificate.correction.request", "certificate.correction.approve", "certificate.revoke",
            "certificate.issue"} <= actions
    revocations = app.test_client().get("/api/kit/v1/certificates/revocations").get_json()
    assert [r["certificate_id"] for r in revocations["revoked"]] == [old.certificate_id]
    # the list's JWS verifies with the published document-signer key
    from cowin_kit.certificates.formats import jose
    from cowin_kit.certificates.stores import keystore

    header, payload, sig = revocations["jws"].split(".")
    assert jose.verify(keystore(app).active("hcert").public_key, "ES256", jose.b64u_decode(sig),
                       f"{header}.{payload}".encode())
    assert json.loads(jose.b64u_decode(payload))["revoked"] == revocations["revoked"]
    kid = keystore(app).active("shc").kid
    crl = app.test_client().get(f"/.well-known/crl/{kid}.json").get_json()
    assert crl["rids"] == [old.revocation_id] and crl["ctr"] == 2  # one update since the first


def test_foreign_dsc_in_trust_list_verifies(app, tmp_path):
    from cryptography.hazmat.primitives import serialization

    from cowin_kit.certificates.formats import eu_dcc, hcert
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier
    from tests.certificates.samples import certificate, ec_key_and_certificate

    import datetime as dt

    key, cert = ec_key_and_certificate("Foreign DSC")
    text = eu_dcc.encode(certificate(issued_at=dt.datetime.now(dt.timezone.utc), valid_until=None),
                         hcert.HcertSigner(key, cert))
    assert app_verifier().verify(text).status == "invalid"
    trust = keystore(app).root / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "foreign.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert app_verifier().verify(text).status == "valid"


def test_cli_keys_and_verify(app, db, place, runner, monkeypatch, tmp_path):
    from cowin_kit.certificates import issuance
    from cowin_kit.cli import cli

    facility, vaccinator, _admin = place
    person = make_person(db)
    _dose(db, person, facility, vaccinator, 1)
    text = issuance.qr_payload(_certs(db, person)[0], "shc")
    monkeypatch.setenv("COWIN_KIT_KEYS_DIR", app.config["KEYS_DIR"])
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_PUBLIC_URL", app.config["PUBLIC_URL"])
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "x")
    listed = runner.invoke(cli, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    assert "hcert" in listed.output and "active" in listed.output
    ok = runner.invoke(cli, ["certificate", "verify", text])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("VALID (shc)")
    other = "01" if text[-6:-4] == "00" else "00"  # a character whose every bit is signed
    bad = runner.invoke(cli, ["certificate", "verify", text[:-6] + other + text[-4:]])
    assert bad.exit_code == 1 and bad.output.startswith("INVALID")


def test_cowin_v2_download_helper(app, db, place):
    from cowin_kit.certificates.downloads import certificate_pdf_response
    from cowin_kit.certificates.operations import NoCertificate

    facility, vaccinator, _admin = place
    person = make_person(db)
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(NoCertificate):
            certificate_pdf_response(person)
    _dose(db, person, facility, vaccinator, 1)
    with app.test_request_context():
        response = certificate_pdf_response(person)
    assert response.mimetype == "application/pdf" and response.data[:5] == b"%PDF-"


def test_issued_certificates_verify_with_independent_libraries_against_published_keys(app, db, place,
                                                                                       dcc_schema):
    """EU DCC with cwt against the DSC from /keys; SHC with jwcrypto against /.well-known/jwks.json."""
    import base64
    import zlib

    import base45
    import cwt
    import jsonschema
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from jwcrypto import jwk, jws

    from cowin_kit.certificates import issuance

    facility, vaccinator, _admin = place
    person = make_person(db, name="Nguyễn Thị Đoàn")
    _dose(db, person, facility, vaccinator, 1)
    cert = _certs(db, person)[0]
    client = app.test_client()
    published = client.get("/api/kit/v1/certificates/keys").get_json()["formats"]
    dsc = x509.load_der_x509_certificate(base64.b64decode(published["eu_dcc"][0]["certificate"]))
    key = cwt.load_pem_hcert_dsc(dsc.public_bytes(serialization.Encoding.PEM))
    assert base64.b64encode(key.kid).decode() == published["eu_dcc"][0]["kid"]
    hc1 = issuance.qr_payload(cert, "eu_dcc")
    claims = cwt.decode(zlib.decompress(base45.b45decode(hc1[4:])), keys=[key])
    jsonschema.validate(claims[-260][1], dcc_schema)
    # the profile writes the family name last: surname and given names apart (DCC "Person name")
    names = claims[-260][1]["nam"]
    assert (names["fnt"], names["gnt"]) == ("DOAN", "NGUYEN<THI")
    assert claims[-260][1]["v"][0]["ci"] == cert.uvci

    keyset = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").get_data(as_text=True))
    token = issuance.render(cert, "shc")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    public = keyset.get_key(header["kid"])
    assert public.thumbprint() == header["kid"]
    checker = jws.JWS()
    checker.deserialize(token)
    checker.verify(public)
    body = json.loads(zlib.decompress(checker.payload, -15))
    assert body["iss"] == app.config["PUBLIC_URL"].rstrip("/")
    assert body["vc"]["rid"] == cert.revocation_id


def test_corrected_dose_revokes_and_reissues(app, db, place):
    from flask import current_app

    from cowin_kit.vaccination.signals import dose_corrected

    facility, vaccinator, _admin = place
    person = make_person(db)
    dose = _dose(db, person, facility, vaccinator, 1)
    dose.lot = "LOT-2"
    db.session.commit()
    dose_corrected.send(current_app._get_current_object(), dose=dose)
    old, new = _certs(db, person)
    assert old.revoked_at is not None and old.revoke_reason == "dose record corrected"
    assert new.revoked_at is None and new.data["doses"][-1]["batch"] == "LOT-2"


@pytest.mark.parametrize("number,total,booster,kind", [
    (1, 2, False, "provisional"), (2, 2, False, "final"), (1, 1, False, "final"), (3, 2, True, "booster")])
def test_certificate_kind(number, total, booster, kind):
    from types import SimpleNamespace

    from cowin_kit.certificates.issuance import certificate_kind

    assert certificate_kind(SimpleNamespace(dose_number=number, series_total=total, is_booster=booster)) == kind


def test_staff_corrections_page_and_verify_paste(app, db, place):
    from cowin_kit.certificates import issuance, operations

    facility, vaccinator, admin = place
    account = _account(db)
    person = make_person(db, account=account)
    _dose(db, person, facility, vaccinator, 1)
    req = operations.request_correction(account, person.reference_id, "birth_year", "1981")
    client = app.test_client()
    assert client.get("/staff/certificates/corrections").status_code == 302  # sign-in first
    sign_in(client, admin)
    page = client.get("/staff/certificates/corrections").get_data(as_text=True)
    assert "1981" in page
    done = client.post(f"/staff/certificates/corrections/{req.id}", data={"decision": "reject", "note": "no"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(req), req.id).status == "rejected"
    text = issuance.qr_payload(_certs(db, person)[0], "shc")
    verdict = app.test_client().post("/verify", data={"payload": text}).get_data(as_text=True)
    assert "genuine and valid" in verdict
    # Two digits are one base64url character; the last one's low bits are padding, so change the
    # third-to-last character, all of whose bits are signature bits.
    other = "01" if text[-6:-4] == "00" else "00"
    tampered = app.test_client().post("/verify", data={"payload": text[:-6] + other + text[-4:]}
                                      ).get_data(as_text=True)
    assert "could not be verified" in tampered


def test_foreign_divoc_issuer_from_trust_jwks(app):
    """A v2-context credential signed by another DIVOC country verifies once its key is trusted."""
    import datetime as dt

    from cowin_kit.certificates.formats import divoc_vc, jose
    from cowin_kit.certificates.formats.contexts import VACCINATION_V2
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier
    from tests.certificates.samples import certificate, ed25519_key

    key = ed25519_key()
    doc = divoc_vc.credential(certificate(name="Juan dela Cruz", valid_until=None))
    doc["@context"] = [doc["@context"][0], VACCINATION_V2]
    doc["credentialSubject"]["dob"] = "1987-03-01"
    signed = divoc_vc.sign(doc, key, "did:ph:moh", dt.datetime.now(dt.timezone.utc))
    payload = divoc_vc.qr_bytes(signed)
    assert app_verifier().verify(payload).status == "invalid"
    trust = keystore(app).root / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "ph.json").write_text(json.dumps({"iss": "did:ph:moh", "keys": [
        {**jose.public_jwk(key.public_key()), "kid": "did:ph:moh"}]}))
    result = app_verifier().verify(payload)
    assert result.status == "valid" and result.person["name"] == "Juan dela Cruz"


def test_record_dose_operation_issues_a_certificate(app, db, place):
    """Through the vaccination domain's own operation and signal, not a hand-sent one."""
    from cowin_kit.vaccination.operations import record_dose

    facility, vaccinator, _admin = place
    person = make_person(db, birth_year=1980)
    db.session.commit()
    with app.test_request_context():
        record_dose(vaccinator, person, vaccine="covishield", lot="4121Z025")
    certs = _certs(db, person)
    assert [(c.kind, c.dose_number) for c in certs] == [("provisional", 1)]
    assert certs[0].data["doses"][0]["batch"] == "4121Z025"


def test_public_verification_is_rate_limited(make_app):
    app = make_app(RATE_LIMIT_VERIFY="2 per minute")
    client = app.test_client()
    codes = [client.post("/api/kit/v1/certificates/verify", json={"payload": "HC1:XX"}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_certificate_page_shows_one_recommended_qr_and_more_formats_folded(app, db, place):
    """The profile's first format is the large QR; the others wait behind "More formats"."""
    import re

    client, person = _citizen_with_a_dose(app, db, place)
    html = client.get(f"/certificates/{person.reference_id}").get_data(as_text=True)
    main, _sep, folded = html.partition('<details class="more-formats">')
    assert folded, "the other formats are folded away"
    assert len(re.findall(r"<img [^>]*\.svg", main)) == 1
    assert re.search(r'<img src="[^"]*/divoc_vc\.svg"', main)  # India's first format
    assert "<summary>" in folded and len(re.findall(r"<img [^>]*\.svg", folded)) == 3
    assert "/divoc_vc.pdf" in main


def test_a_person_without_an_id_document_gets_certificates_that_verify(app, db, place):
    """A child registered without a document (issue 19) is named on the certificate by the
    kit's reference id: every format is issued, verifies, and the PDF renders."""
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.verify import app_verifier

    facility, vaccinator, _admin = place
    child = make_person(db, name="Meera", birth_year=2012)
    child.id_doc_type = child.id_hash = child.id_masked = None
    db.session.commit()
    _dose(db, child, facility, vaccinator, 1)
    cert = _certs(db, child)[0]
    for fmt in ("divoc_vc", "eu_dcc", "shc", "ddcc"):
        result = app_verifier().verify(issuance.qr_payload(cert, fmt))
        assert result.status == "valid", (fmt, result.reason)
        assert result.person["name"] == "Meera"
    signed = json.dumps(issuance.render(cert, "divoc_vc"), default=str)
    assert f"did:reference:{child.reference_id}" in signed
    from cowin_kit.certificates.pdf import build_pdf, texts

    data = issuance.certificate_data(cert)
    assert "XXXX" not in str(texts("en", data, cert.kind))
    assert build_pdf(data, cert.kind, ["en"], issuance.qr_payload(cert, "divoc_vc"))[:5] == b"%PDF-"
