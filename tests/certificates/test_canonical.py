"""The fast canonical form equals pyld's URDNA2015 output byte for byte."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from cowin_kit.certificates.formats import Address, canonical, divoc_vc
from cowin_kit.certificates.formats.contexts import SECURITY_V2, document_loader

from .samples import certificate, dose

OPTIONS = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
SCRIPTS = ["वेद प्रकाश", "محمد علي", "Nguyễn Thị Đoàn", "Щербаков Юрий", 'say "hi"\\ \n\t\r', ""]

names = st.one_of(st.sampled_from(SCRIPTS), st.text(max_size=30),
                  st.text(alphabet="अआइकखगघ्ािीـبتثجحخ\"\\\n\r\t ĐặễЖЩ", max_size=20))


def pyld_form(doc: dict) -> str:
    return jsonld.normalize(copy.deepcopy(doc), OPTIONS)


@st.composite
def credentials(draw):
    text = names
    addr = st.builds(Address, street=text, street2=text, district=text, city=text, region=text,
                     country=st.sampled_from(["IN", "VN", ""]), postal_code=st.sampled_from(["", "411007", "0"]))
    n = draw(st.integers(1, 4))
    total = draw(st.integers(1, 3))
    facility = draw(addr)
    same_facility = draw(st.booleans())
    doses = [dose(i, total, facility_name=draw(text), vaccinator_name=draw(text),
                  batch=draw(st.sampled_from(["", "B1", "COVISHIELD"])),
                  facility_address=facility if same_facility else draw(addr)) for i in range(1, n + 1)]
    data = certificate(name=draw(text), doses=doses, address=draw(addr), nationality=draw(text),
                       gender_label=draw(st.sampled_from(["Male", "Female", "Other", ""])))
    doc = divoc_vc.credential(data)
    if draw(st.booleans()):
        # many doses: one evidence entry per dose, optionally identical facilities (blank-node ties)
        evidence = []
        for d in data.doses:
            single = divoc_vc.credential(certificate(doses=[d], certificate_id=f"{d.dose_number}0"))["evidence"][0]
            evidence.append(single)
        doc["evidence"] = evidence
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_fast_canonical_form_equals_pyld(doc):
    assert canonical.canonicalize_credential(doc) == pyld_form(doc)


def test_identical_blank_nodes_need_the_n_degree_hash():
    facility = Address(street="Same", district="Same", country="IN")
    doc = divoc_vc.credential(certificate(doses=[dose(1, facility_address=facility)]))
    first = doc["evidence"][0]
    second = copy.deepcopy(first)
    second["id"] = first["id"] + "-2"
    third = copy.deepcopy(first)
    third["id"] = first["id"] + "-3"
    doc["evidence"] = [first, second, third]
    assert canonical.canonicalize_credential(doc) == pyld_form(doc)


@pytest.mark.parametrize("kind", ["Ed25519Signature2018", "RsaSignature2018"])
def test_proof_options_canonical_form_equals_pyld(kind):
    options = {"@context": SECURITY_V2, "type": kind, "created": "2021-07-24T06:20:50Z",
               "verificationMethod": "https://cowin.example/api/kit/v1/certificates/keys#abc",
               "proofPurpose": "assertionMethod"}
    assert canonical.canonicalize_proof(options) == pyld_form(options)


def test_unknown_shape_falls_back_to_pyld():
    doc = divoc_vc.credential(certificate())
    doc["evidence"][0]["unknownField"] = "x"
    with pytest.raises(canonical.Unsupported):
        canonical.canonicalize_credential(doc)
    assert divoc_vc.canonicalize(doc) == pyld_form(doc)


def test_issuance_date_format_matches_cowin():
    doc = divoc_vc.credential(certificate(issued_at=dt.datetime(2021, 1, 16, 6, 20, 50, 275000,
                                                                tzinfo=dt.timezone.utc)))
    assert doc["issuanceDate"] == "2021-01-16T06:20:50.275Z"


def test_vaccination_context_v2_terms_equal_pyld():
    from cowin_kit.certificates.formats.contexts import VACCINATION_V2

    doc = divoc_vc.credential(certificate(name="वेद प्रकाश"))
    doc["@context"] = [doc["@context"][0], VACCINATION_V2]
    doc["credentialSubject"]["dob"] = "1987-03-01"
    doc["evidence"][0]["icd11Code"] = "XM9QW8"
    doc["evidence"][0]["prophylaxis"] = "COVID-19 vaccine, non-replicating viral vector"
    assert canonical.canonicalize_credential(doc) == pyld_form(doc)
    v1 = divoc_vc.credential(certificate())
    v1["credentialSubject"]["dob"] = "1987-03-01"  # undefined under v1: not ours to canonicalise
    with pytest.raises(canonical.Unsupported):
        canonical.canonicalize_credential(v1)
