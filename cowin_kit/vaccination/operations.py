"""Every write at the vaccinator desk: record, correct, no-shows, walk-ins, secret codes.

Checks come first and the write commits once, so a refused dose changes nothing. The
``dose_recorded`` / ``dose_corrected`` signals go out after the commit.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.accounts.staff_permissions import require_scope
from cowin_kit.areas.models import Area
from cowin_kit.booking import standby
from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.booking.rules import history_of, local_now, person_of
from cowin_kit.core.audit import audit, audit_now
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Conflict, Forbidden, KitError, ValidationFailed
from cowin_kit.core.models import AuditEntry
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import normalize_mobile
from cowin_kit.profiles.schedule import Person, check_dose
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.operations import add_beneficiary
from cowin_kit.vaccination.models import DoseRecord
from cowin_kit.vaccination.signals import dose_corrected, dose_recorded, lot_checks

log = logging.getLogger(__name__)
LOT_RE = re.compile(r"^[A-Z0-9/-]{1,20}$")
CLOCK_SKEW = dt.timedelta(minutes=5)
#: Wrong secret codes allowed per appointment (4 digits: guessing must not pay off).
MAX_CODE_ATTEMPTS = 5


class LotFormat(ValidationFailed):
    code = "LOT_FORMAT"
    default_message = _l("A lot number is 1 to 20 characters: capital letters, digits, - or /.")


class SecretCodeMismatch(ValidationFailed):
    code = "SECRET_CODE_MISMATCH"
    default_message = _l("The secret code does not match this appointment.")


class TooManyCodeAttempts(Conflict):
    code = "TOO_MANY_CODE_ATTEMPTS"
    default_message = _l("Too many wrong secret codes for this appointment. Ask the facility "
                         "manager to check the person's identity document.")


class WrongDoseNumber(ValidationFailed):
    code = "WRONG_DOSE"
    default_message = _l("The next dose for this person is dose %(due)s, not dose %(asked)s.")


class AppointmentMismatch(Conflict):
    code = "APPOINTMENT_MISMATCH"
    default_message = _l("This appointment is not for this person, place, day or vaccine.")


class CorrectionWindowClosed(Conflict):
    code = "CORRECTION_WINDOW_CLOSED"
    default_message = _l("Doses can be corrected only within %(hours)s hours of recording.")


class AlreadyRecorded(Conflict):
    code = "DOSE_ALREADY_RECORDED"
    default_message = _l("This dose is already recorded for this person.")


def _emit(signal, dose: DoseRecord) -> None:
    """Tell subscribers about a committed dose; one failing subscriber never undoes the dose."""
    if signal.is_muted:
        return
    sender = current_app._get_current_object()
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, dose=dose)
        except Exception:  # noqa: BLE001 - logged; the dose itself is safely recorded
            log.exception("%s subscriber %r failed for dose %s", signal.name, receiver, dose.id)
            db.session.rollback()


def _check_lot(vaccine: str, lot: str, on: dt.date) -> None:
    """Refuse a lot the stock knows as expired on ``on`` or recalled (LOT_EXPIRED,
    LOT_RECALLED); a lot the stock does not track passes. Stock registers the check
    (``lot_checks``, from stock.setup)."""
    for check in lot_checks:
        check(vaccine, lot, on)


def clean_lot(lot: str | None) -> str:
    """Return the lot number in upper case, or raise LOT_FORMAT."""
    value = (lot or "").strip().upper()
    if not LOT_RE.match(value):
        raise LotFormat(fields={"lot": [LotFormat.default_message]})
    return value


def _staff_facility(staff, facility: Facility | None, appointment: Appointment | None) -> Facility:
    if facility is None and appointment is not None:
        facility = appointment.session.facility
    if facility is None and staff.facility_id:
        facility = db.session.get(Facility, staff.facility_id)
    if facility is None:
        raise ValidationFailed(fields={"facility": [_l("Choose the facility of the dose.")]})
    require_scope(staff, facility, "dose.record")
    return facility


def facility_local(facility: Facility, moment: dt.datetime) -> dt.datetime:
    return local_now(get_profile(), db.session.get(Area, facility.area_id), moment)


def _when(facility: Facility, administered_at: dt.datetime | None) -> tuple[dt.datetime, dt.date]:
    now = utcnow()
    moment = administered_at or now
    if moment.tzinfo is None:  # a wall-clock time typed at the desk: the facility's local time
        moment = facility_local(facility, moment)
    if moment > now + CLOCK_SKEW:
        raise ValidationFailed(fields={"administered_at": [_l("This time is in the future.")]})
    return moment.astimezone(dt.timezone.utc), facility_local(facility, moment).date()


def _due(profile, beneficiary, vaccine: str, on: dt.date, *, exclude: int | None = None):
    """Return the engine's DueDose for giving ``vaccine`` on ``on`` (raises when not eligible)."""
    history = [d for d in history_of(beneficiary.id) if d.dose_number != exclude]
    return check_dose(profile, person_of(beneficiary), history, vaccine, on)


def _check_vaccine(profile, vaccine: str) -> None:
    try:
        profile.vaccine(vaccine)
    except KitError:
        raise ValidationFailed(fields={"vaccine": [_l("This vaccine is not in the country "
                                                      "profile.")]}) from None


def verify_secret_code(staff, appointment: Appointment, code: str | None) -> None:
    """Check the 4-digit code the person shows; a wrong code is refused and logged.

    At most MAX_CODE_ATTEMPTS codes are ever compared per appointment, even for a burst of
    parallel guesses: the appointment row is locked (SELECT ... FOR UPDATE) before the failures
    are counted, and a failure is committed (audit_now) before the lock is released, so each
    check counts every earlier one. The lock is held until the request's transaction ends.
    (SQLite, for demos only, runs one writer at a time and ignores FOR UPDATE.)
    """
    require_scope(staff, appointment.session.facility, "appointment.verify")
    db.session.execute(sa.select(Appointment.id).where(Appointment.id == appointment.id)
                       .with_for_update())
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "appointment.verify", AuditEntry.object_id == str(appointment.id),
        AuditEntry.outcome == "denied"))
    if failures >= MAX_CODE_ATTEMPTS:
        raise TooManyCodeAttempts()
    given = (code or "").strip()
    if not hmac.compare_digest(given.encode(), appointment.secret_code.encode()):
        audit_now("appointment.verify", "appointment", appointment.id, outcome="denied")
        raise SecretCodeMismatch(fields={"secret_code": [SecretCodeMismatch.default_message]})


def record_dose(staff, beneficiary, *, vaccine: str, lot: str, dose_number: int | None = None,
                appointment: Appointment | None = None, facility: Facility | None = None,
                administered_at: dt.datetime | None = None) -> DoseRecord:
    """Record a dose given now (or at ``administered_at``) and complete its appointment."""
    profile = get_profile()
    facility = _staff_facility(staff, facility, appointment)
    lot = clean_lot(lot)
    _check_vaccine(profile, vaccine)
    moment, on = _when(facility, administered_at)
    _check_lot(vaccine, lot, on)
    due = _due(profile, beneficiary, vaccine, on)
    if dose_number not in (None, "") and int(dose_number) != due.dose_number:
        raise WrongDoseNumber(due=due.dose_number, asked=dose_number)
    session_id = None
    if appointment is not None:
        session = appointment.session
        if (appointment.beneficiary_id != beneficiary.id or appointment.status != "booked"
                or session.facility_id != facility.id or session.date != on
                or session.vaccine != vaccine or appointment.dose_number != due.dose_number):
            raise AppointmentMismatch()
        session_id = session.id
    else:
        session_id = db.session.execute(sa.select(VaccinationSession.id).where(
            VaccinationSession.facility_id == facility.id, VaccinationSession.date == on,
            VaccinationSession.vaccine == vaccine, VaccinationSession.status == "open")
            .limit(1)).scalar()
    record = DoseRecord(beneficiary_id=beneficiary.id,
                        appointment_id=appointment.id if appointment else None,
                        session_id=session_id, facility_id=facility.id, vaccinator_id=staff.id,
                        vaccine=vaccine, lot=lot, dose_number=due.dose_number,
                        series_total=due.series_total, is_booster=due.is_booster,
                        administered_on=on, administered_at=moment, recorded_at=utcnow())
    released = _release_other_bookings(beneficiary.id, due.dose_number, appointment)
    db.session.add(record)
    if appointment is not None:
        appointment.status = "completed"
    try:  # a parallel desk recording the same dose loses here, on the unique constraint
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRecorded() from None
    audit("dose.record", "dose", record.id, beneficiary=beneficiary.reference_id,
          dose=record.dose_number, vaccine=vaccine, lot=lot, facility=facility.id,
          appointment=str(appointment.id) if appointment else None,
          released=[str(a) for a in released])
    db.session.commit()
    _emit(dose_recorded, record)
    return record


def _release_other_bookings(beneficiary_id: int, dose_number: int,
                            keep: Appointment | None) -> list:
    """Cancel a booking for this dose elsewhere (the person came here) and free its capacity."""
    query = sa.select(Appointment.id, Appointment.capacity_id).where(
        Appointment.beneficiary_id == beneficiary_id, Appointment.dose_number == dose_number,
        Appointment.status == "booked")
    if keep is not None:
        query = query.where(Appointment.id != keep.id)
    rows = db.session.execute(query).all()
    for appointment_id, capacity_id in rows:
        db.session.execute(sa.update(Appointment).where(Appointment.id == appointment_id)
                           .values(status="cancelled", cancelled_reason="vaccinated_elsewhere",
                                   updated_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.execute(sa.update(SessionCapacity).where(SessionCapacity.id == capacity_id,
                                                            SessionCapacity.booked > 0)
                           .values(booked=SessionCapacity.booked - 1)
                           .execution_options(synchronize_session=False))
    return [r[0] for r in rows]


def correction_window() -> dt.timedelta:
    """How long after recording a dose entry may still be corrected."""
    return dt.timedelta(hours=float(current_app.config.get("DOSE_CORRECTION_HOURS", 24)))


def _dose_snapshot(dose: DoseRecord) -> dict:
    return {"vaccine": dose.vaccine, "lot": dose.lot, "dose_number": dose.dose_number,
            "administered_at": dose.administered_at.isoformat(),
            "administered_on": dose.administered_on.isoformat(),
            "series_total": dose.series_total, "is_booster": dose.is_booster}


def correct_dose(staff, dose: DoseRecord, *, reason: str, vaccine: str | None = None,
                 lot: str | None = None, administered_at: dt.datetime | None = None) -> DoseRecord:
    """Fix a wrong entry within the correction window; the audit log keeps before and after."""
    profile = get_profile()
    facility = db.session.get(Facility, dose.facility_id)
    require_scope(staff, facility, "dose.correct")
    window = correction_window()
    if utcnow() - dose.recorded_at > window:
        raise CorrectionWindowClosed(hours=int(window.total_seconds() // 3600))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_l("Say what was wrong.")]})
    new_vaccine = vaccine or dose.vaccine
    _check_vaccine(profile, new_vaccine)
    new_lot = clean_lot(lot) if lot not in (None, "") else dose.lot
    moment, on = (_when(facility, administered_at) if administered_at
                  else (dose.administered_at, dose.administered_on))
    beneficiary = db.session.get(Beneficiary, dose.beneficiary_id)
    # The corrected entry must still be a dose the schedule allows in its place.
    due = _due(profile, beneficiary, new_vaccine, on, exclude=dose.dose_number)
    if due.dose_number != dose.dose_number:
        raise WrongDoseNumber(due=due.dose_number, asked=dose.dose_number)
    before = _dose_snapshot(dose)
    dose.vaccine, dose.lot = new_vaccine, new_lot
    dose.administered_at, dose.administered_on = moment, on
    dose.series_total, dose.is_booster = due.series_total, due.is_booster
    dose.corrected_at = utcnow()
    after = _dose_snapshot(dose)
    if after == before:
        db.session.rollback()
        raise ValidationFailed(_l("Nothing was changed."), code="NO_CHANGE")
    audit("dose.correct", "dose", dose.id, reason=reason[:500], before=before, after=after)
    db.session.commit()
    _emit(dose_corrected, dose)
    return dose


def mark_no_show(staff, appointment: Appointment, *,
                 now: dt.datetime | None = None) -> Appointment:
    """Mark a booked appointment of today or earlier as a no-show; its dose is offered to
    the next person on the centre's standby list for the day who fits the session (#21)."""
    facility = appointment.session.facility
    require_scope(staff, facility, "appointment.no_show")
    if appointment.status != "booked":
        raise Conflict(_l("Only booked appointments can be marked as no-show."),
                       code="NOT_BOOKED")
    if appointment.session.date > facility_today(facility):
        raise Conflict(_l("This appointment is not due yet."), code="NOT_DUE_YET")
    appointment.status = "no_show"
    audit("appointment.no_show", "appointment", appointment.id)
    _offer_to_standby(staff, appointment, now)
    db.session.commit()
    return appointment


def _offer_to_standby(staff, appointment: Appointment, now: dt.datetime | None) -> None:
    """The dose kept for a no-show goes down the standby list (as a desk's call of one dose:
    a confirmation beyond the session's capacity raises it by one)."""
    session = appointment.session
    kind = next((c.dose_kind for c in session.capacities if c.id == appointment.capacity_id),
                None)
    if kind is not None:
        standby.offer_freed(session, kind, source="no_show", staff=staff, now=now)


def mark_day_no_shows(staff, facility: Facility, day: dt.date) -> int:
    """After closing time, mark everyone still booked for ``day`` here as a no-show."""
    require_scope(staff, facility, "appointment.no_show")
    now = facility_local(facility, utcnow())
    if day > now.date() or (day == facility_today(facility) and now.time() < facility.closes):
        raise Conflict(_l("No-shows can be marked for the whole day after closing time."),
                       code="NOT_DUE_YET")
    ids = db.session.scalars(sa.select(Appointment.id).join(VaccinationSession).where(
        VaccinationSession.facility_id == facility.id, VaccinationSession.date == day,
        Appointment.status == "booked")).all()
    if ids:
        db.session.execute(sa.update(Appointment).where(Appointment.id.in_(ids))
                           .values(status="no_show", updated_at=utcnow())
                           .execution_options(synchronize_session=False))
        audit("appointment.no_show", "facility", facility.id, day=day.isoformat(),
              appointments=[str(i) for i in ids])
    db.session.commit()
    return len(ids)


def desk_account(e164: str, locale: str | None) -> CitizenAccount:
    """The citizen account of a mobile (normalised), opened for a person registered at the
    desk when there is none yet: committed with the registration, or rolled back with it."""
    account = db.session.execute(sa.select(CitizenAccount).where(
        CitizenAccount.mobile == e164)).scalar_one_or_none()
    if account is None:
        account = CitizenAccount(mobile=e164, locale=locale)
        db.session.add(account)
        db.session.flush()
        audit("account.create", "citizen_account", account.id, by="desk")
    return account


def walk_in(staff, *, person: dict, vaccine: str, lot: str, mobile: str | None = None,
            administered_at: dt.datetime | None = None) -> DoseRecord:
    """Register a person at the desk (mobile optional) and record their dose in one flow."""
    if staff.facility_id is None:
        raise Forbidden()
    profile = get_profile()
    facility = _staff_facility(staff, None, None)
    # Refuse before registering anyone: bad lot, unknown vaccine, not eligible today.
    lot = clean_lot(lot)
    _check_vaccine(profile, vaccine)
    _, on = _when(facility, administered_at)
    _check_lot(vaccine, lot, on)
    e164 = normalize_mobile(profile, mobile) if (mobile or "").strip() else None
    birth_year = person.get("birth_year")
    birth_date = person.get("birth_date")
    if birth_date and not birth_year:
        birth_year = birth_date.year
    if birth_year:
        check_dose(profile, Person(birth_year=int(birth_year), birth_date=birth_date,
                                   groups=tuple(person.get("groups") or ()),
                                   gender=person.get("gender")), [], vaccine, on)
    account = desk_account(e164, person.get("locale")) if e164 else None
    beneficiary = add_beneficiary(
        account, name=person.get("name", ""), birth_year=birth_year, birth_date=birth_date,
        gender=person.get("gender", ""), id_doc_type=person.get("id_doc_type", ""),
        id_number=person.get("id_number", ""), groups=person.get("groups") or (),
        locale=person.get("locale"), registered_by=staff.id)
    return record_dose(staff, beneficiary, vaccine=vaccine, lot=lot, facility=facility,
                       administered_at=administered_at)
