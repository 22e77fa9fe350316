"""FHIR R4 export of one person: a Bundle (collection) of their Patient and Immunization
resources, for DHIS2, OpenMRS or a national health record."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app

from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import NotFound
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DoseRecord

ICD11 = "http://id.who.int/icd/release/11/mms"
SNOMED = "http://snomed.info/sct"
PERFORMER_FUNCTION = "http://terminology.hl7.org/CodeSystem/v2-0443"
GENDERS = {"M": "male", "F": "female", "O": "other"}
#: Stable uuids per record so repeated exports give the same fullUrls.
NAMESPACE = uuid.UUID("8f1f4b9e-3c6e-4b71-9a55-5f3e0c0e4a21")


def _system(kind: str) -> str:
    base = (current_app.config.get("PUBLIC_URL") or "http://localhost").rstrip("/")
    return f"{base}/fhir/sid/{kind}"


def _urn(kind: str, key) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


def patient_resource(person: Beneficiary) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": person.reference_id,
        "identifier": [{"system": _system("beneficiary-reference"), "value": person.reference_id}],
        "name": [{"text": person.name}],
        "gender": GENDERS.get(person.gender, "unknown"),
        "birthDate": (person.birth_date.isoformat() if person.birth_date
                      else f"{person.birth_year:04d}"),
    }
    if person.locale:
        resource["communication"] = [{"language": {"coding": [{
            "system": "urn:ietf:bcp:47", "code": person.locale.replace("_", "-")}]},
            "preferred": True}]
    return resource


def vaccine_code(profile, vaccine_id: str) -> dict:
    """The profile's codes for a product: ICD-11 (MMS) and SNOMED CT."""
    try:
        vaccine = profile.vaccine(vaccine_id)
    except NotFound:
        return {"text": vaccine_id}
    codes = vaccine.codes or {}
    coding = []
    if codes.get("icd11"):
        coding.append({"system": ICD11, "code": codes["icd11"], "display": vaccine.name})
    if codes.get("snomed"):
        coding.append({"system": SNOMED, "code": str(codes["snomed"]), "display": vaccine.name})
    return {"coding": coding, "text": vaccine.name} if coding else {"text": vaccine.name}


def immunization_resource(profile, dose: DoseRecord, facility: Facility, patient_url: str) -> dict:
    manufacturer = None
    try:
        manufacturer = profile.vaccine(dose.vaccine).manufacturer
    except NotFound:
        pass
    protocol = {"doseNumberPositiveInt": dose.dose_number,
                "series": "booster" if dose.is_booster else "primary"}
    if not dose.is_booster:
        protocol["seriesDosesPositiveInt"] = dose.series_total
    resource = {
        "resourceType": "Immunization",
        "id": f"dose-{dose.id}",
        "identifier": [{"system": _system("dose-record"), "value": str(dose.id)}],
        "status": "completed",
        "vaccineCode": vaccine_code(profile, dose.vaccine),
        "patient": {"reference": patient_url},
        "occurrenceDateTime": dose.administered_at.isoformat(),
        "recorded": dose.recorded_at.isoformat(),
        "primarySource": True,
        "lotNumber": dose.lot,
        "location": {"display": facility.name,
                     "identifier": {"system": _system("facility"), "value": facility.code}},
        "performer": [{
            "function": {"coding": [{"system": PERFORMER_FUNCTION, "code": "AP",
                                     "display": "Administering Provider"}]},
            "actor": {"display": facility.name,
                      "identifier": {"system": _system("facility"), "value": facility.code}}}],
        "protocolApplied": [protocol],
    }
    if manufacturer:
        resource["manufacturer"] = {"display": manufacturer}
    return resource


def patient_bundle(profile, person: Beneficiary) -> dict:
    """Return a FHIR R4 Bundle (type collection): the Patient, then one Immunization per dose."""
    patient_url = _urn("patient", person.reference_id)
    rows = db.session.execute(
        sa.select(DoseRecord, Facility).join(Facility, Facility.id == DoseRecord.facility_id)
        .where(DoseRecord.beneficiary_id == person.id).order_by(DoseRecord.dose_number)).all()
    entries = [{"fullUrl": patient_url, "resource": patient_resource(person)}]
    for dose, facility in rows:
        entries.append({"fullUrl": _urn("dose", dose.id),
                        "resource": immunization_resource(profile, dose, facility, patient_url)})
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": utcnow().replace(microsecond=0).isoformat(),
        "entry": entries,
    }
