"""Names for travel (EU DCC schema 1.3 "Person name": fn/gn and their ICAO 9303 forms fnt/gnt;
ICAO Doc 9303 Part 3 section 6 and Appendix B for the transliteration tables): surname and given
names kept apart, whole-word romanisation of Indic scripts, and the name as in the passport."""

from __future__ import annotations

import zlib

import base45
import cbor2
import pypdfium2 as pdfium
import pytest

from cowin_kit.certificates.formats import eu_dcc
from cowin_kit.certificates.formats.icao import split_name, transliterate

from . import samples
from .test_issuance import _signed_in_citizen, app, place  # noqa: F401 - fixtures
from .world import make_person


@pytest.mark.parametrize("name,expected", [
    # Indic scripts: romanised word by word, consonant clusters and vowels kept (was KSITIJ<SRIVASTV)
    ("क्षितिज श्रीवास्तव", "KSHITIJ<SHRIVASTAV"),
    ("वेद प्रकाश", "VED<PRAKASH"),
    ("अंजलि चौधरी", "ANJALI<CHAUDHARI"),
    ("অমিত চক্রবর্তী", "AMIT<CHAKRAVARTI"),
    ("હાર્દિક પટેલ", "HARDIK<PATEL"),
    ("ಕೃಷ್ಣ", "KRISHNA"),  # Kannada says its final vowel
    # ICAO 9303-3 Appendix B worked example (Arabic, the X scheme)
    ("ابو بكر محمد بن زكريا الرازي", "ABW<BKR<MXHMD<BN<ZKRYA<ALRAZY"),
    ("فاطمة", "FAXTTMXAH"),  # teh marbuta ending a name part: XAH
    # ICAO Latin and Cyrillic tables
    ("Jürgen Müller-Lüdenscheidt", "JUERGEN<MUELLER<LUEDENSCHEIDT"),
    ("Щербаков Юрий", "SHCHERBAKOV<IURII"),
    ("Nguyễn Thị Đoàn", "NGUYEN<THI<DOAN"),
])
def test_icao_forms(name, expected):
    assert transliterate(name) == expected


def test_names_split_as_the_profile_writes_them():
    assert split_name("Asha Devi") == ("Devi", "Asha")
    assert split_name("Nguyễn Thị Đoàn", "family_given") == ("Nguyễn", "Thị Đoàn")
    assert split_name("García López Juan Carlos", "family_given", 2) == ("García López", "Juan Carlos")
    assert split_name("Prabhakaran") == ("Prabhakaran", "")


def test_dcc_keeps_surname_and_given_names_apart():
    data = samples.certificate(name="क्षितिज श्रीवास्तव", family_name="श्रीवास्तव", given_names="क्षितिज")
    assert eu_dcc.dcc_payload(data)["nam"] == {"fn": "श्रीवास्तव", "fnt": "SHRIVASTAV",
                                               "gn": "क्षितिज", "gnt": "KSHITIJ"}
    mononym = eu_dcc.dcc_payload(samples.certificate(name="Prabhakaran", family_name="Prabhakaran"))["nam"]
    assert mononym == {"fn": "Prabhakaran", "fnt": "PRABHAKARAN"}


def _dcc(text: str) -> dict:
    message = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    return cbor2.loads(message.value[2])[-260][1]


def test_issued_certificates_split_the_name_and_use_the_passport(app, db, place):  # noqa: F811
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.verify import app_verifier

    client, person = _signed_in_citizen(app, db, place, name="क्षितिज श्रीवास्तव")
    base = f"/api/kit/v1/certificates/{person.reference_id}"
    first = issuance.current_for(person.id)
    assert _dcc(issuance.qr_payload(first, "eu_dcc"))["nam"] == {
        "fn": "श्रीवास्तव", "fnt": "SHRIVASTAV", "gn": "क्षितिज", "gnt": "KSHITIJ"}

    refused = client.put(f"{base}/passport", json={"number": "Z1", "surname": "श्रीवास्तव"},
                         headers={"X-Requested-With": "XMLHttpRequest"})
    assert refused.status_code == 422  # ValidationFailed, as every field error of the API
    assert set(refused.get_json()["error"]["fields"]) == {"number", "surname"}

    answer = client.put(f"{base}/passport", json={"number": "z 1234567", "surname": "Shrivastava",
                                                  "given_names": "Kshitij"},
                        headers={"X-Requested-With": "XMLHttpRequest"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    db.session.expire_all()
    new = issuance.current_for(person.id)
    assert new.certificate_id == answer.get_json()["certificate_id"] != first.certificate_id
    text = issuance.qr_payload(new, "eu_dcc")
    assert _dcc(text)["nam"] == {"fn": "SHRIVASTAVA", "fnt": "SHRIVASTAVA", "gn": "KSHITIJ", "gnt": "KSHITIJ"}
    assert app_verifier().verify(text).valid
    pdf = pdfium.PdfDocument(client.get(f"{base}?as=pdf&lang=en").data)
    page_text = pdf[0].get_textpage().get_text_range()
    assert "Z1234567" in page_text and "SHRIVASTAVA, KSHITIJ" in page_text


def test_passport_form_on_the_certificate_page(app, db, place):  # noqa: F811
    from cowin_kit.certificates import issuance

    client, person = _signed_in_citizen(app, db, place, name="Asha Devi")
    page = client.get(f"/certificates/{person.reference_id}").get_data(as_text=True)
    assert 'name="number"' in page and 'name="surname"' in page
    done = client.post(f"/certificates/{person.reference_id}/passport",
                       data={"number": "K7654321", "surname": "DEVI", "given_names": "ASHA"}, follow_redirects=True)
    assert "on your new certificate" in done.get_data(as_text=True)
    db.session.expire_all()
    nam = _dcc(issuance.qr_payload(issuance.current_for(person.id), "eu_dcc"))["nam"]
    assert (nam["fnt"], nam["gnt"]) == ("DEVI", "ASHA")
    other = make_person(db, name="Someone Else")
    db.session.commit()
    assert client.post(f"/certificates/{other.reference_id}/passport", data={"number": "K7654321",
                                                                             "surname": "X"}).status_code == 404
