"""WHO DDCC:VS (Digital Documentation of COVID-19 Certificates: Vaccination Status) core data
set, carried in the HCERT container under claim -260 / 2."""

from __future__ import annotations

import datetime as dt

from . import hcert
from .data import CertificateData

DDCC_CLAIM = 2
ICD11 = "http://id.who.int/icd11/mms"
DISEASE = "RA01"
GENERIC_VACCINE = "XM68M6"
SEX = {"M": "male", "F": "female", "O": "other"}


def _coding(code: str, system: str = ICD11) -> dict:
    return {"system": system, "code": code}


def core_data_set(data: CertificateData, kid: bytes) -> dict:
    """The DDCC:VS core data set for the certificate's latest dose."""
    dose = data.dose
    codes = dose.codes or {}
    vaccination = {
        "vaccine": _coding(str(codes.get("icd11_type") or GENERIC_VACCINE)),
        "brand": _coding(str(codes.get("icd11") or dose.vaccine_id)),
        "manufacturer": {"code": str(codes.get("eu_ma") or ""), "display": dose.manufacturer},
        "lot": dose.batch,
        "date": dose.date.isoformat(),
        "dose": dose.dose_number,
        "totalDoses": max(dose.series_total, dose.dose_number),
        "country": _coding(dose.country3 or data.issuer.country3, "urn:iso:std:iso:3166"),
        "centre": dose.facility_name,
        "disease": _coding(DISEASE),
    }
    if dose.vaccinator_name:
        vaccination["practitioner"] = {"value": dose.vaccinator_name}
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
        "identifier": data.id_masked,
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


def encode(data: CertificateData, signer: hcert.HcertSigner) -> str:
    """Sign the DDCC:VS core data set and return the HC1 QR text."""
    iat, exp = hcert.timestamps(data.issued_at, data.valid_until)
    claims = {1: data.issuer.country.upper(), 6: iat, 4: exp,
              hcert.HCERT_CLAIM: {DDCC_CLAIM: core_data_set(data, signer.kid)}}
    return hcert.sign(signer, claims)


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
