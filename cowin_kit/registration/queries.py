"""Reads about beneficiaries: a citizen's own, one by reference id, one by identity document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.booking.models import Appointment
from cowin_kit.core.db import db
from cowin_kit.core.errors import NotFound
from cowin_kit.core.keys import identity_hash_key
from cowin_kit.core.outage import limit
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.identity import id_hash
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DoseRecord


class BeneficiaryNotFound(NotFound):
    code = "BENEFICIARY_NOT_FOUND"
    default_message = _l("No beneficiary with this reference id is registered with your "
                         "mobile number.")


def beneficiaries_of(account: CitizenAccount) -> list[Beneficiary]:
    """Return the beneficiaries registered under an account, oldest first."""
    return list(db.session.scalars(
        sa.select(Beneficiary).where(Beneficiary.account_id == account.id)
        .order_by(Beneficiary.created_at, Beneficiary.id)))


def count_of(account: CitizenAccount) -> int:
    """Return how many beneficiaries an account has registered."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary)
                             .where(Beneficiary.account_id == account.id)) or 0


def get_owned_beneficiary(account: CitizenAccount, reference_id: str, *,
                          for_update: bool = False) -> Beneficiary:
    """Return the account's beneficiary with this reference id; NotFound for anyone else's."""
    query = sa.select(Beneficiary).where(Beneficiary.reference_id == str(reference_id).strip(),
                                         Beneficiary.account_id == account.id)
    if for_update:
        query = query.with_for_update()
    beneficiary = db.session.scalar(query)
    if beneficiary is None:
        raise BeneficiaryNotFound()
    return beneficiary


def document_hash(doc_type: str, normalized: str) -> str:
    """Return the keyed hash under which a (normalised) document number is stored."""
    return id_hash(doc_type, normalized, identity_hash_key())


def find_by_document(doc_type: str, number: str) -> Beneficiary | None:
    """Return the beneficiary registered with this document, if any (invalid numbers raise)."""
    checked = get_profile().id_document(doc_type).validate(number)
    return db.session.scalar(sa.select(Beneficiary).where(
        Beneficiary.id_doc_type == doc_type,
        Beneficiary.id_hash == document_hash(doc_type, checked.normalized)))


@dataclass
class VaccinationStatus:
    """What a citizen sees about one beneficiary: doses received and open appointments."""

    doses: int = 0
    series_total: int | None = None
    last_vaccine: str | None = None
    last_dose_on: dt.date | None = None
    appointments: list = field(default_factory=list)

    @property
    def state(self) -> str:
        """Return "none", "partial" or "full" (primary series complete)."""
        if not self.doses:
            return "none"
        if self.series_total and self.doses >= self.series_total:
            return "full"
        return "partial"


def vaccination_status(beneficiaries: list[Beneficiary]) -> dict[int, VaccinationStatus]:
    """Return the vaccination status of each beneficiary by id, in two queries."""
    ids = [b.id for b in beneficiaries]
    status = {i: VaccinationStatus() for i in ids}
    if not ids:
        return status
    for dose in db.session.scalars(sa.select(DoseRecord).where(DoseRecord.beneficiary_id.in_(ids))
                                   .order_by(DoseRecord.dose_number)):
        entry = status[dose.beneficiary_id]
        entry.doses += 1
        entry.series_total = dose.series_total
        entry.last_vaccine = dose.vaccine
        entry.last_dose_on = dose.administered_on
    for appointment in db.session.scalars(
            sa.select(Appointment).where(Appointment.beneficiary_id.in_(ids),
                                         Appointment.status == "booked")
            .order_by(Appointment.dose_number)):
        status[appointment.beneficiary_id].appointments.append(appointment)
    return status


def count_lookup(staff) -> None:
    """Count one look-up of personal data by this staff user; refuse beyond the hourly limit.

    A desk handles a person every minute or two; a login scraping people is stopped. While Redis
    is down the limit is counted in this process, so desks go on vaccinating (core.outage).
    """
    limit("staff-lookup", str(current_app.config.get("STAFF_LOOKUP_LIMIT") or "600 per hour"),
          key=f"staff:{staff.id}")


def by_reference(reference_id: str) -> Beneficiary:
    """Return the person with this reference id (404 otherwise).

    Staff address people by the random 14-digit reference id, never by the sequential row id,
    so a desk login cannot walk through everyone by counting.
    """
    beneficiary = db.session.execute(sa.select(Beneficiary).where(
        Beneficiary.reference_id == reference_id)).scalar_one_or_none()
    if beneficiary is None:
        abort(404)
    return beneficiary
