"""Book appointments; capacity is claimed with one conditional UPDATE. Rescheduling and
cancelling are in :mod:`cowin_kit.booking.changes`, doses allotted by the standby list or a
lottery in :mod:`cowin_kit.booking.allotted`; all three use the checks here and the claims of
:mod:`cowin_kit.booking.claims`.

The claim ``UPDATE session_capacity SET booked = booked + 1 WHERE … AND booked < capacity``
is decided by the database row lock, so no two requests can take the last dose, on PostgreSQL
(READ COMMITTED re-checks the condition after waiting for the lock) and on SQLite (one writer at
a time). Every check runs before the first write, and any failure after it rolls back, so a
refused request changes nothing. A session whose every dose kind was seen full is flagged in
Redis (``full_sessions``): the next attempts are refused before any query, until a change that
frees a dose commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401 - sa.orm.joinedload
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.booking import errors, full_sessions, session_cache
from cowin_kit.booking.claims import _claim_and_commit, _insert_claim_and_commit
from cowin_kit.booking.fair_models import CHANNELS
from cowin_kit.booking.messages import appointment_sms
from cowin_kit.booking.models import Appointment, VaccinationSession
from cowin_kit.booking.rules import (age_at, area_timezone, bookings_and_history, history_of,
                                     local_now, person_of, slot_end, slot_start)
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.schedule import check_dose
from cowin_kit.registration.models import Beneficiary

appointment_table = Appointment.__table__


def book(beneficiary, session_id, slot: str, *, dose_number: int | None = None,
         idempotency_key: str | None = None, on: dt.datetime | dt.date | None = None,
         channel: str | None = None) -> Appointment:
    """Book the beneficiary's next dose in a session and slot; retries with a key are safe.
    ``channel`` (web, api, walk_in, assisted) is recorded for the equity report."""
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"unknown booking channel {channel!r}")
    profile = get_profile()
    key_hash = idempotency_hash(beneficiary.id, idempotency_key)
    # A session known full is refused before any query, except that a retry of a request
    # that booked (it may have taken the last dose) gets its appointment back.
    token = None if key_hash else full_sessions.token_or_refuse(session_id)
    # One read for all: a retry of this request, the person's active appointments and doses.
    mine, history = bookings_and_history(beneficiary.id, key_hash)
    for found in mine:
        if key_hash and found.idempotency_key == key_hash:
            return db.session.get(Appointment, found.appointment_id)
    if key_hash:
        token = full_sessions.token_or_refuse(session_id)
    # The session's static part and capacity ids as cached at this generation (no query), or
    # read now and remembered.
    session = session_cache.get(session_id, token)
    if session is None:
        session = load_session(session_id)
        session_cache.put(session, token)
    due = _check_bookable(profile, beneficiary, session, slot, on, history=history)
    if dose_number is not None and int(dose_number) != due.dose_number:
        raise errors.WrongDose(due=due.dose_number, asked=dose_number)
    if any(a.status == "booked" and a.dose_number == due.dose_number for a in mine):
        raise errors.AlreadyBooked(dose=due.dose_number)
    mobile = _account_mobile(beneficiary)

    capacity_id = _capacity_of(session, due.dose_kind, token=token)
    try:
        appointment = Appointment(
            id=uuid.uuid4(), beneficiary_id=beneficiary.id, session_id=session.id,
            capacity_id=capacity_id, dose_number=due.dose_number, slot=slot,
            secret_code=f"{secrets.randbelow(10000):04d}", status="booked",
            idempotency_key=key_hash, channel=channel)
        # The slip shows the session and centre just read: no query for them after commit.
        set_committed_value(appointment, "session", session)
        db.session.add(appointment)
        entry = audit("appointment.book", "appointment", appointment.id,
                      session=str(session.id), dose=due.dose_number, dose_kind=due.dose_kind,
                      slot=slot)
        message = _notify(beneficiary, appointment, "booking", mobile, session=session)
        # Insert first (the appointment, its audit entry and its SMS) and claim last: the
        # session's hot capacity row then stays locked only from the claim to the commit,
        # which is what bounds bookings per second.
        try:
            if not _insert_claim_and_commit(capacity_id, [appointment, entry, message]):
                db.session.flush()
                _claim_and_commit(capacity_id)
        except errors.SessionFull:
            session_cache.forget(session.id)  # its copy showed a dose the claim did not find
            _flag_if_all_full(session, token, capacity_id)
            raise
    except IntegrityError:
        db.session.rollback()
        # Lost a race to a retry of the same request, or to a parallel booking of this dose.
        if key_hash and (existing := _by_key(key_hash)) is not None:
            return existing
        raise errors.AlreadyBooked(dose=due.dose_number) from None
    except BaseException:
        db.session.rollback()
        raise
    return appointment


# -- checks -------------------------------------------------------------------------------------

def load_session(session_id) -> VaccinationSession:
    """Return a session by id (a UUID or its text); tampered or unknown ids are not found."""
    try:
        key = session_id if isinstance(session_id, uuid.UUID) else uuid.UUID(str(session_id))
    except (ValueError, TypeError, AttributeError):
        raise errors.SessionNotFound() from None
    session = db.session.get(VaccinationSession, key,
                             options=[sa.orm.joinedload(VaccinationSession.facility),
                                      sa.orm.joinedload(VaccinationSession.capacities)],
                             populate_existing=True)  # capacities as of now
    if session is None:
        raise errors.SessionNotFound()
    return session


def _check_bookable(profile, beneficiary, session: VaccinationSession, slot: str, on, *,
                    allotted: bool = False, history: list | None = None):
    """Run every check a booking needs and return the engine's DueDose for the session.
    A lottery session's doses are only ``allotted`` (a won draw, a standby offer).
    ``history``: the person's doses when already read."""
    if session.status != "open" or not session.facility.active:
        raise errors.SessionClosed()
    if session.allocation == "lottery" and not allotted:
        raise errors.LotteryOnly()
    if not isinstance(slot, str) or slot not in (session.slots or []):
        raise errors.SlotNotOffered()
    now = local_now(profile, on=on, tz=area_timezone(profile, session.facility.area_id))
    if session.date < now.date() or (
            session.date == now.date() and slot_end(session, slot) <= now.time()):
        raise errors.PastDate()
    days_ahead = int(profile.booking.days_ahead)
    if session.date > now.date() + dt.timedelta(days=days_ahead):
        raise errors.TooFarAhead(days=days_ahead)
    person = person_of(beneficiary)
    if history is None:
        history = history_of(beneficiary.id)
    due = check_dose(profile, person, history, session.vaccine, session.date)
    age = age_at(profile, person, session.date)
    if age < session.min_age or (session.max_age is not None and age > session.max_age):
        band = f"{session.min_age}+" if session.max_age is None else \
            f"{session.min_age}–{session.max_age}"
        raise errors.AgeOutOfBand(band=band, age=age)
    return due


def _check_changeable(profile, appointment: Appointment, on) -> None:
    """Refuse changes to inactive appointments and within the profile's cut-off."""
    if appointment.status != "booked":
        raise errors.NotActive()
    session = appointment.session
    now = local_now(profile, on=on, tz=area_timezone(profile, session.facility.area_id))
    starts = dt.datetime.combine(session.date, slot_start(session, appointment.slot),
                                 tzinfo=now.tzinfo)
    cutoff = profile.booking.cancel_cutoff or dt.timedelta(0)
    if now > starts - cutoff:
        raise errors.CancelTooLate()


def _beneficiary(appointment: Appointment):
    return db.session.get(Beneficiary, appointment.beneficiary_id)


# -- writes on capacity -------------------------------------------------------------------------

def _capacity_of(session: VaccinationSession, dose_kind: str, holding: int | None = None, *,
                 token: bytes | None = None) -> int:
    """The id of the session's capacity for a dose kind; a kind it does not offer is full.

    A capacity already seen full is refused here, before any write (on a rush day most
    requests are these), unless the appointment moving already ``holding`` one of its doses;
    one seen with doses left is decided by the atomic claim. A session seen with every kind
    full is flagged (``full_sessions``) at the generation ``token`` read before its rows."""
    for capacity in session.capacities:
        if capacity.dose_kind == dose_kind:
            if capacity.id != holding and capacity.booked >= capacity.capacity:
                _flag_if_all_full(session, token)
                raise errors.SessionFull()
            return capacity.id
    raise errors.SessionFull()


def _flag_if_all_full(session: VaccinationSession, token: bytes | None,
                      claimed_full: int | None = None) -> None:
    if token is not None and all(c.id == claimed_full or c.booked >= c.capacity
                                 for c in session.capacities):
        full_sessions.mark_full(session.id, token)


# -- lookups ------------------------------------------------------------------------------------

def idempotency_hash(beneficiary_id: int, key: str | None) -> str | None:
    """Scope a client's Idempotency-Key to the beneficiary (keys of others never collide)."""
    if not key:
        return None
    return hashlib.sha256(f"{beneficiary_id}:{key}".encode()).hexdigest()


def _by_key(key_hash: str) -> Appointment | None:
    return db.session.execute(
        sa.select(Appointment).where(Appointment.idempotency_key == key_hash)).scalar_one_or_none()


def _retry_or_active(beneficiary_id: int, key_hash: str | None) -> list[Appointment]:
    cond = sa.and_(Appointment.beneficiary_id == beneficiary_id, Appointment.status == "booked")
    if key_hash:
        cond = sa.or_(cond, Appointment.idempotency_key == key_hash)
    return list(db.session.execute(sa.select(Appointment).where(cond)).scalars())


def _account_mobile(beneficiary) -> str | None:
    """The mobile of the beneficiary's account (usually already loaded by sign-in)."""
    if beneficiary is None or beneficiary.account_id is None:
        return None  # walk-ins registered at the desk have no mobile to text
    account = db.session.get(CitizenAccount, beneficiary.account_id)
    return account.mobile if account else None


# -- messages -----------------------------------------------------------------------------------

def _notify(beneficiary, appointment: Appointment, purpose: str, mobile: str | None,
            **where):
    """Queue the localised SMS to the beneficiary's account mobile in the current transaction:
    it is sent if and only if the change commits, and never delays the change (delivery to a
    remote gateway happens after the commit, off the request thread). Returns the queued
    message, if any."""
    if not mobile:
        return None

    return appointment_sms(beneficiary, appointment, purpose, mobile, **where)
