"""WHO DDCC:VS to the letter: the core data set (logical model DDCCCoreDataSet.VS, version RC2,
WHO SMART guidelines "Digital Documentation of COVID-19 Certificates") and its value sets."""

from __future__ import annotations

import re

from cowin_kit.certificates.formats import ddcc, shc

from . import samples

ICD11 = "http://id.who.int/icd11/mms"
#: WHO_DDCC_Vaccines_COVID_19 and WHO_DDCC_Brands_COVID_19 (the codes the sample profile uses)
VACCINES = {"XM68M6", "XM9QW8", "XM1NL1", "XM0GQ8", "XM5JC5"}
BRANDS = {"XM97T2", "XM1G90", "XM4YL8", "XM8NQ0", "XM3DT5"}
ABSOLUTE_URI = re.compile(r"^(https?|urn):\S+$")


def core(**kw) -> dict:
    return ddcc.core_data_set(samples.certificate(**kw), b"\x01" * 8)


def test_identifier_is_an_identifier_with_a_system():
    """DDCCCoreDataSet.identifier: Identifier (system + value), not a bare string."""
    identifier = core()["identifier"]
    assert ABSOLUTE_URI.match(identifier["system"]) and identifier["system"].endswith("/aadhaar")
    assert identifier["value"] == "XXXXXXXX1234"


def test_codings_carry_their_system_and_value_set_codes():
    """vaccine, brand, disease: ICD-11 codes of the WHO DDCC value sets; country: ISO 3166-1
    alpha-3; manufacturer: a Coding with its system (who-ddcc-data-1: manufacturer or
    maholder SHALL be present)."""
    vaccination = core()["vaccination"]
    for name in ("vaccine", "brand", "manufacturer", "country", "disease"):
        coding = vaccination[name]
        assert ABSOLUTE_URI.match(coding["system"]) and coding["code"], name
    assert (vaccination["vaccine"]["system"], vaccination["vaccine"]["code"] in VACCINES) == (ICD11, True)
    assert (vaccination["brand"]["system"], vaccination["brand"]["code"] in BRANDS) == (ICD11, True)
    assert vaccination["disease"] == {"system": ICD11, "code": "RA01"}
    assert vaccination["country"] == {"system": "urn:iso:std:iso:3166", "code": "IND"}
    assert vaccination["manufacturer"] == {"system": "https://spor.ema.europa.eu/v1/organisations",
                                           "code": "ORG-100001981", "display": "Serum Institute of India"}


def test_codes_missing_from_the_profile_use_the_instance_code_systems_not_icd11():
    """A vaccine without an ICD-11 brand code must not put a local id under the ICD-11 system."""
    bare = samples.dose(2, 2, codes={}, vaccine_id="novavax", vaccine_name="Covovax",
                        manufacturer="Serum Institute of India")
    vaccination = core(doses=(samples.dose(1, 2), bare))["vaccination"]
    assert vaccination["brand"] == {"system": "https://cowin.example/fhir/CodeSystem/vaccine",
                                    "code": "novavax", "display": "Covovax"}
    assert vaccination["manufacturer"]["system"] == "https://cowin.example/fhir/CodeSystem/manufacturer"
    assert vaccination["manufacturer"]["code"] == "serum-institute-of-india"
    assert vaccination["vaccine"] == {"system": ICD11, "code": "XM68M6"}


def test_practitioner_is_an_identifier_not_the_vaccinators_name():
    """vaccination.practitioner: Identifier ("health worker identifier")."""
    dose = samples.dose(2, 2, vaccinator_id="42")
    data = core(doses=(samples.dose(1, 2), dose))
    assert data["vaccination"]["practitioner"] == {
        "system": "https://cowin.example/fhir/NamingSystem/staff", "value": "42"}
    assert "Asha" not in repr(data)  # the vaccinator's name (Dr. Asha Patil) is not carried
    assert "practitioner" not in core()["vaccination"]  # no vaccinator recorded: no element


def test_shc_signature_must_be_canonical_base64url():
    """A JWS whose signature text has spare bits set is another text, refused (RFC 7515 2)."""
    key = samples.ec_key_and_certificate()[0]
    token = shc.encode(samples.certificate(), key, "k")
    head, _, sig = token.rpartition(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare = alphabet[alphabet.index(sig[-1]) ^ 1]  # flip a bit beyond the 512 signature bits
    assert shc.verify(token, lambda iss, kid: key.public_key())
    try:
        shc.verify(f"{head}.{sig[:-1]}{spare}", lambda iss, kid: key.public_key())
    except shc.ShcError:
        return
    raise AssertionError("a non-canonical signature text verified")
