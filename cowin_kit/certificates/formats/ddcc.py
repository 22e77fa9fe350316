"""WHO DDCC:VS (Digital Documentation of COVID-19 Certificates: Vaccination Status) core data
set, carried in the HCERT container under claim -260 / 2: for COVID-19 doses and, with the
dose's ``codes`` naming the vaccine (``icd11_type``) and the disease (``disease``), for any
vaccine (routine_ddcc.py)."""

from __future__ import annotations

import datetime as dt

from . import hcert, jose
from .data import CertificateData

DDCC_CLAIM = 2
ICD11 = "http://id.who.int/icd11/mms"
ISO3166 = "urn:iso:std:iso:3166"  # value set iso3166-1-3
EMA_ORGANISATIONS = "https://spor.ema.europa.eu/v1/organisations"  # EU DCC vaccine-mah-manf codes
DISEASE = "RA01"  # WHO_DDCC_Disease_Targeted_COVID_19
GENERIC_VACCINE = "XM68M6"  # WHO_DDCC_Vaccines_COVID_19: COVID-19 vaccine
SEX = {"M": "male", "F": "female", "O": "other"}


def _coding(code: str, system: str = ICD11, display: str = "") -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _slug(text: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower()).strip("-") or "unknown"


def _identifier(system: str, value: str) -> dict:
    """A FHIR Identifier: the namespace (an absolute URI) and the value in it."""
    return {"system": system, "value": value}


def core_data_set(data: CertificateData, kid: bytes) -> dict:
    """The DDCC:VS core data set (logical model DDCCCoreDataSet.VS, RC2) for the certificate's
    latest dose. Codings carry their system: vaccine, brand and disease from ICD-11 (the WHO DDCC
    value sets), the manufacturer from the EMA organisations list the EU value set uses, else from
    this instance's code system; identifiers (person, vaccinator) carry a namespace URI; the
    vaccinator is an identifier, never a name."""
    dose = data.dose
    codes = dose.codes or {}
    base = data.issuer.url.rstrip("/")
    brand = (_coding(str(codes["icd11"])) if codes.get("icd11")
             else _coding(dose.vaccine_id, f"{base}/fhir/CodeSystem/vaccine", dose.vaccine_name))
    manufacturer = (_coding(str(codes["eu_ma"]), EMA_ORGANISATIONS, dose.manufacturer) if codes.get("eu_ma")
                    else _coding(_slug(dose.manufacturer), f"{base}/fhir/CodeSystem/manufacturer",
                                 dose.manufacturer))
    vaccination = {
        "vaccine": _coding(str(codes.get("icd11_type") or GENERIC_VACCINE)),
        "brand": brand,
        "manufacturer": manufacturer,
        "lot": dose.batch,
        "date": dose.date.isoformat(),
        "dose": dose.dose_number,
        "totalDoses": max(dose.series_total, dose.dose_number),
        "country": _coding(dose.country3 or data.issuer.country3, ISO3166),
        "centre": dose.facility_name,
        "disease": _coding(str(codes.get("disease") or DISEASE)),  # routine doses: the antigen's
    }
    if dose.vaccinator_id:
        vaccination["practitioner"] = _identifier(f"{base}/fhir/NamingSystem/staff", dose.vaccinator_id)
    if dose.next_dose_from:
        vaccination["nextDose"] = dose.next_dose_from.isoformat()
    if data.valid_until:
        vaccination["validFrom"] = dose.date.isoformat()
    period = {"start": data.issued_at.date().isoformat()}
    if data.valid_until:
        period["end"] = data.valid_until.isoformat()
    result = {
        "name": data.name,
        "birthDate": data.dob_text,
        "identifier": _identifier(f"{base}/fhir/NamingSystem/{_slug(data.subject[0])}", data.subject[1]),
        "sex": SEX.get(data.gender, "unknown"),
        "certificate": {
            "issuer": {"identifier": {"value": data.issuer.name}},
            "kid": kid.hex(),
            "hcid": {"value": data.uvci},
            "ddccid": {"value": data.certificate_id},
            "version": "RC2",
            "period": period,
        },
        "vaccination": vaccination,
    }
    return result


def prepare(data: CertificateData, alg: str, kid: bytes) -> jose.Unsigned:
    """The DDCC:VS before its signature (``kid``: the document signer's 8-byte key id)."""
    iat, exp = hcert.timestamps(data.issued_at, data.valid_until)
    claims = {1: data.issuer.country.upper(), 6: iat, 4: exp,
              hcert.HCERT_CLAIM: {DDCC_CLAIM: core_data_set(data, kid)}}
    return hcert.prepare(claims, alg, kid)


def encode(data: CertificateData, signer: hcert.HcertSigner) -> str:
    """Sign the DDCC:VS core data set and return the HC1 QR text."""
    return prepare(data, jose.alg_for(signer.private_key), signer.kid).sign_with(signer.private_key)


def structure_problem(body) -> str:
    """What makes a decoded DDCC:VS core data set unusable, or "" (a map with its vaccination
    event and certificate maps)."""
    if not isinstance(body, dict):
        return "the DDCC:VS is not a map"
    for key in ("vaccination", "certificate"):
        if not isinstance(body.get(key), dict):
            return f"{key} missing"
    return ""


def verify(text: str, keys_for, now: dt.datetime | None = None) -> dict:
    """Verify HC1 text and return the DDCC:VS core data set (raises hcert.HcertError)."""
    decoded = hcert.verify(text, keys_for, now)
    body = decoded.claims.get(hcert.HCERT_CLAIM) or {}
    if DDCC_CLAIM not in body:
        raise hcert.HcertError("no DDCC:VS in this health certificate")
    return body[DDCC_CLAIM]
