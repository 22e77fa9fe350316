"""Reads for the desk and AEFI pages: today's list, look-ups, a person's card."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession
from cowin_kit.booking.rules import history_of, person_of
from cowin_kit.core.collation import sort_by_name
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import mask_mobile, normalize_mobile
from cowin_kit.profiles.schedule import next_dose
from cowin_kit.registration.models import Beneficiary
# by_reference, count_lookup: the desk's pages use them as queries.*; they live in registration
from cowin_kit.registration.queries import by_reference, count_lookup, find_by_document  # noqa: F401
from cowin_kit.vaccination.models import AefiReport, DoseRecord

LOOKUP_KINDS = ("reference", "mobile", "document")


def today_appointments(facility_id: int, day: dt.date) -> list[tuple[Appointment, Beneficiary]]:
    """Return the day's appointments at a facility with their people, by slot."""
    rows = db.session.execute(
        sa.select(Appointment, Beneficiary)
        .join(VaccinationSession, VaccinationSession.id == Appointment.session_id)
        .join(Beneficiary, Beneficiary.id == Appointment.beneficiary_id)
        .where(VaccinationSession.facility_id == facility_id, VaccinationSession.date == day,
               Appointment.status.in_(("booked", "completed", "no_show")))
        .order_by(Appointment.slot, Beneficiary.name)).all()
    by_name = sort_by_name(((r[0], r[1]) for r in rows), lambda row: row[1].name)
    return sorted(by_name, key=lambda row: row[0].slot)  # by slot, then name (stable)


def guess_kind(value: str) -> str:
    """Guess what a typed look-up value is: a 14-digit reference id, a mobile or a document."""
    digits = re.sub(r"[\s-]", "", value)
    if re.fullmatch(r"\d{14}", digits):
        return "reference"
    if re.fullmatch(r"\+?\d{8,13}", digits):
        return "mobile"
    return "document"


def find_beneficiaries(value: str, kind: str | None = None,
                       doc_type: str | None = None) -> list[Beneficiary]:
    """Find people by exact reference id, mobile or identity document (never by name)."""
    value = (value or "").strip()
    if not value:
        return []
    kind = kind or guess_kind(value)
    if kind == "reference":
        ref = re.sub(r"[\s-]", "", value)
        found = db.session.execute(sa.select(Beneficiary).where(
            Beneficiary.reference_id == ref)).scalar_one_or_none()
        return [found] if found else []
    if kind == "mobile":
        e164 = normalize_mobile(get_profile(), value)
        return list(db.session.execute(
            sa.select(Beneficiary).join(CitizenAccount, CitizenAccount.id == Beneficiary.account_id)
            .where(CitizenAccount.mobile == e164).order_by(Beneficiary.name)).scalars())
    if kind == "document":
        profile = get_profile()
        types = [doc_type] if doc_type else [d.id for d in profile.id_documents]
        found = []
        for doc in types:
            try:
                hit = find_by_document(doc, value)
            except KitError as exc:
                if exc.status == 422:  # not a valid number for this document type
                    continue
                raise
            if hit is not None:
                found.append(hit)
        return found
    return []


@dataclass
class PersonCard:
    """What the desk shows about one person."""

    beneficiary: Beneficiary
    doses: list[DoseRecord]
    appointment: Appointment | None  # booked today at this facility
    due: object  # schedule engine DueDose or NotEligible
    mobile_masked: str | None = None
    allowed: list[str] = field(default_factory=list)
    day: dt.date | None = None  # the facility's today

    @property
    def due_later(self) -> bool:
        """The next dose is known but not yet due: the desk shows when, and offers no form."""
        earliest = getattr(self.due, "earliest", None)
        return earliest is not None and self.day is not None and earliest > self.day


def person_card(beneficiary: Beneficiary, facility: Facility, day: dt.date) -> PersonCard:
    """Gather a person's doses, today's appointment here and the dose the schedule proposes."""
    doses = list(db.session.execute(sa.select(DoseRecord).where(
        DoseRecord.beneficiary_id == beneficiary.id).order_by(DoseRecord.dose_number)).scalars())
    appointment = db.session.execute(
        sa.select(Appointment).join(VaccinationSession)
        .where(Appointment.beneficiary_id == beneficiary.id, Appointment.status == "booked",
               VaccinationSession.facility_id == facility.id, VaccinationSession.date == day)
        .limit(1)).scalar_one_or_none()
    due = next_dose(get_profile(), person_of(beneficiary), history_of(beneficiary.id), day)
    mobile = None
    if beneficiary.account_id:
        account = db.session.get(CitizenAccount, beneficiary.account_id)
        mobile = mask_mobile(account.mobile) if account else None
    allowed = list(getattr(due, "allowed_vaccines", ()) or ())
    if appointment is not None and appointment.session.vaccine in allowed:
        allowed = [appointment.session.vaccine]
    return PersonCard(beneficiary, doses, appointment, due, mobile, allowed, day)


def aefi_reports(facility_filter=None, limit: int = 200) -> list[tuple[AefiReport, DoseRecord]]:
    """Return the newest AEFI reports with their doses, limited by a facility condition."""
    query = (sa.select(AefiReport, DoseRecord)
             .join(DoseRecord, DoseRecord.id == AefiReport.dose_record_id)
             .order_by(AefiReport.created_at.desc()).limit(limit))
    if facility_filter is not None:
        query = query.where(facility_filter)
    return [(r[0], r[1]) for r in db.session.execute(query).all()]
