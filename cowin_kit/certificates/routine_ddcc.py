"""WHO DDCC:VS certificates for routine immunisation doses (routine.yaml products), one per
antigen of the product that has an ICD-11 disease code.

The DDCC:VS core data set names one disease targeted (``vaccination.disease`` 0..1) and one
dose number in one series, while a routine product may cover several antigens (MR: measles
and rubella; pentavalent: five) whose series count doses differently (a pentavalent dose can
be Hib dose 1 and hepatitis B dose 2 after the birth dose). So a routine dose gives one
DDCC:VS per antigen: the same vaccine (the product's ICD-11 code), lot, date, centre and
country, and that antigen's disease, dose number and total doses (docs/certificates.md).

They are signed on request from the ``routine_dose`` row, like a COVID-19 certificate's formats
on first download, with the active HC1 key; the identifiers are derived from the row (stable
across downloads): HCID ``URN:UVCI:01:<CC>:CKR<dose id><antigen>``, DDCC id
``R<dose id>-<antigen>``. There is no certificate row: a corrected routine dose changes what is
signed next time, and routine certificates are not on the revocation list (no migration yet).
The citizen API offers them: ``GET /api/kit/v1/certificates/<reference_id>/routine``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from cowin_kit.accounts.models import StaffUser
from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db, utcnow
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary, RoutineDose

from .formats import Address, CertificateData, DoseData, ddcc, eu_dcc
from .formats.hcert import kid_for
from .issuance import GENDER_WORDS, _address, _issuer, _split
from .keys import sign_unsigned
from .lifecycle import check_dsc
from .stores import keystore


@dataclass(frozen=True)
class RoutineCertificate:
    antigen: str  # routine.yaml antigens[].id
    antigen_name: str
    data: CertificateData


def _total_doses(routine, antigen: str) -> int:
    """The antigen's doses in the longest series the programmes give it (0: none)."""
    return max((len(s.doses) for p in routine.programmes for s in p.series if s.antigen == antigen),
               default=0)


def _dose_number(routine, doses: list[RoutineDose], dose: RoutineDose, antigen: str) -> int:
    """This dose's number among the person's ``doses`` of products with the antigen, by date."""
    return sum(1 for r in doses if antigen in routine.antigens_of(r.product)
               and (r.given_on, r.id) <= (dose.given_on, dose.id))


def certificates_for(dose: RoutineDose, issued_at: dt.datetime | None = None,
                     doses: list[RoutineDose] | None = None) -> list[RoutineCertificate]:
    """The DDCC:VS data of a routine dose: one per antigen of its product with a disease code,
    none when the product has no ICD-11 vaccine code (the profile names no WHO code for it).
    Issued now (``issued_at``): the CWT's iat, and its exp a year later as for COVID-19
    certificates without an end of validity — a dose recorded years ago still downloads a
    valid certificate. ``doses``: all the person's routine doses when the caller has them
    (``doses_of``), so that a person's certificates read them once."""
    issued_at = issued_at or utcnow()
    profile = get_profile()
    routine = profile.routine
    product = routine.product(dose.product) if routine else None
    if product is None or not product.icd11:
        return []
    person = db.session.get(Beneficiary, dose.beneficiary_id)
    facility = db.session.get(Facility, dose.facility_id) if dose.facility_id else None
    vaccinator = db.session.get(StaffUser, dose.vaccinator_id) if dose.vaccinator_id else None
    issuer = _issuer(profile)
    names = {a.id: a for a in routine.antigens}
    if person.passport_surname:
        family, given = person.passport_surname, person.passport_given_names or ""
    else:
        family, given = _split(profile, person.name)
    if doses is None:
        doses = doses_of(person.id)
    out = []
    for antigen_id in product.antigens:
        antigen = names.get(antigen_id)
        if antigen is None or not antigen.icd11:
            continue
        number = _dose_number(routine, doses, dose, antigen_id)
        opaque = f"CKR{dose.id}{antigen_id.replace('_', '')}"
        data = CertificateData(
            certificate_id=f"R{dose.id}-{antigen_id}", uvci=eu_dcc.make_uvci(issuer.country, opaque),
            reference_id=person.reference_id, name=person.name, birth_year=person.birth_year,
            birth_date=person.birth_date, gender=person.gender,
            gender_label=GENDER_WORDS.get(person.gender, "Other"), id_type=person.id_doc_type or "",
            id_masked=person.id_masked or "", nationality=profile.country_name("en"),
            address=_address(person.area_id, profile.alpha2), issuer=issuer, issued_at=issued_at,
            family_name=family, given_names=given, passport_number=person.passport_number or "",
            doses=(DoseData(
                vaccine_id=product.id, vaccine_name=product.name, manufacturer="",
                codes={"icd11_type": product.icd11, "disease": antigen.icd11}, batch=dose.lot,
                date=dose.given_on, dose_number=number,
                series_total=max(_total_doses(routine, antigen_id), number),
                facility_name=facility.name if facility else "",
                facility_address=_address(facility.area_id, profile.alpha2, facility.address or "",
                                          facility.postal_code or "") if facility else Address(),
                vaccinator_name=vaccinator.full_name if vaccinator else "",
                vaccinator_id=str(vaccinator.id) if vaccinator else "",
                country=profile.alpha2, country3=profile.alpha3),))
        out.append(RoutineCertificate(antigen_id, antigen.name, data))
    return out


def doses_of(person_id: int) -> list[RoutineDose]:
    """A person's routine doses, oldest first."""
    return list(db.session.scalars(sa.select(RoutineDose).where(RoutineDose.beneficiary_id == person_id)
                                   .order_by(RoutineDose.given_on, RoutineDose.id)))


def sign(certificates: list[RoutineCertificate]) -> list[str]:
    """The HC1 texts (QR payloads) of routine DDCC:VS certificates, signed in one batch with
    the active HC1 key (refused, like COVID-19 ones, when its signer certificate is not valid)."""
    if not certificates:
        return []
    store = keystore(current_app)
    key = store.active("hcert")
    check_dsc(key.certificate)
    kid = kid_for(key.certificate)
    return sign_unsigned(store, [(key.kid, "ddcc", ddcc.prepare(c.data, key.algorithm, kid))
                                 for c in certificates])
