"""Standby lists (issue #21): people opt in per facility and day; doses that come free there
(cancellations, no-shows, the rest of an opened vial) are offered in the order of opting in, by
SMS, with a short window to confirm.

The desk declares the free doses ("call standby: N doses left": ``call``). Each offer is claimed
with one conditional UPDATE of the call's counters (CHECK ``taken + outstanding <= doses``), so
offers never exceed the doses declared, however many desks and jobs run at once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cowin_kit.booking import allotted, claims, errors, offers, operations
from cowin_kit.booking.fair_models import CHANNELS, PriorityCheck, StandbyCall, StandbyEntry
from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession
from cowin_kit.core.audit import audit
from cowin_kit.core.db import committing, db, utcnow
from cowin_kit.core.errors import KitError, ValidationFailed
from cowin_kit.core.sms import register_sms_text
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.queries import get_owned_beneficiary
from cowin_kit.web.formatting import format_number

register_sms_text("standby_offer", _l(
    "A vaccination dose is free today at %(facility)s for %(name)s. Confirm on the portal "
    "within %(minutes)s minutes and come to the centre, or it goes to the next person."))

MAX_CALL = 100  # doses one call may declare (a few vials)
AUTO_CONFIRM_MINUTES = 30  # to confirm a dose freed by a cancellation or a no-show
call_table = StandbyCall.__table__
entry_table = StandbyEntry.__table__


def join(beneficiary, facility_id, day: dt.date, *, channel: str) -> StandbyEntry:
    """Put a person on a facility's standby list for a day; asking again returns the same entry.
    There must be an open session there that day in which the person could be vaccinated."""
    if channel not in CHANNELS:
        raise ValidationFailed(fields={"channel": [str(channel)]})
    existing = _entry(beneficiary.id, facility_id, day)
    if existing is not None:
        return existing
    sessions = list(db.session.scalars(sa.select(VaccinationSession).where(
        VaccinationSession.facility_id == facility_id, VaccinationSession.date == day,
        VaccinationSession.status == "open")))
    if not sessions:
        raise ValidationFailed(_l("This centre has no open session on this day."),
                               fields={"date": [_l("No open session at this centre on this "
                                                   "day.")]})
    refusal: KitError | None = None
    for session in sessions:
        try:
            due = allotted.due_for(beneficiary, operations.load_session(session.id))
        except KitError as exc:
            refusal = exc
            continue
        if _has_booking(beneficiary.id, due.dose_number):
            raise errors.AlreadyBooked(dose=due.dose_number)
        break
    else:
        raise refusal
    entry = StandbyEntry(beneficiary_id=beneficiary.id, facility_id=facility_id, date=day,
                         channel=channel, status="waiting")
    try:
        db.session.add(entry)
        db.session.flush()
        audit("standby.join", "facility", facility_id, entry=entry.id, date=day.isoformat())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _entry(beneficiary.id, facility_id, day)
    return entry


def _entry(beneficiary_id, facility_id, day) -> StandbyEntry | None:
    return db.session.scalar(sa.select(StandbyEntry).where(
        StandbyEntry.beneficiary_id == beneficiary_id, StandbyEntry.facility_id == facility_id,
        StandbyEntry.date == day))


def _has_booking(beneficiary_id: int, dose_number: int) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
        Appointment.beneficiary_id == beneficiary_id, Appointment.dose_number == dose_number,
        Appointment.status == "booked")))


def call(staff, session: VaccinationSession, doses: int, *, dose_kind: str = "1",
         confirm_minutes: int = 30, now: dt.datetime | None = None) -> StandbyCall:
    """The desk declares ``doses`` free in the session: offer them down the list. Commits."""
    problems = {}
    if not isinstance(doses, int) or not 1 <= doses <= MAX_CALL:
        problems["doses"] = [_l("A number from 1 to %(n)s.", n=MAX_CALL)]
    if not isinstance(confirm_minutes, int) or not 5 <= confirm_minutes <= 240:
        problems["confirm_minutes"] = [_l("A number from 5 to 240.")]
    if dose_kind not in {c.dose_kind for c in session.capacities}:
        problems["dose_kind"] = [_l("This session has no doses of this kind.")]
    if problems:
        raise ValidationFailed(fields=problems)
    if session.status != "open":
        raise errors.SessionClosed()
    declared = StandbyCall(session_id=session.id, dose_kind=dose_kind, doses=doses,
                           outstanding=0, taken=0, confirm_minutes=confirm_minutes,
                           called_by=getattr(staff, "id", None))
    with committing():
        db.session.add(declared)
        db.session.flush()
        offered = _offer(declared, session, now or utcnow())
        audit("standby.call", "vaccination_session", session.id, call=declared.id,
              doses=doses, dose_kind=dose_kind, offered=offered)
    return declared


def offer_freed(session: VaccinationSession, dose_kind: str, *, source: str, doses: int = 1,
                staff=None, now: dt.datetime | None = None) -> int:
    """Offer doses freed by a real event (``source``: a citizen's ``cancellation``, a
    ``no_show`` marked at the desk) down the facility's standby list for the session's day, in
    the caller's transaction (the caller commits): the same claims as a desk's ``call``.
    Return how many offers went out; when nobody waiting fits, nothing is recorded.

    A lottery session's freed doses go down its draw instead (``lottery.refill_session``)."""
    if session.status != "open" or session.allocation == "lottery":
        return 0
    waiting = db.session.scalar(sa.select(StandbyEntry.id).where(
        StandbyEntry.facility_id == session.facility_id, StandbyEntry.date == session.date,
        StandbyEntry.status == "waiting").limit(1))
    if waiting is None:  # most cancellations: nobody on the list, one cheap query
        return 0
    declared = StandbyCall(session_id=session.id, dose_kind=dose_kind, doses=doses,
                           outstanding=0, taken=0, confirm_minutes=AUTO_CONFIRM_MINUTES,
                           source=source, called_by=getattr(staff, "id", None))
    db.session.add(declared)
    db.session.flush()
    made = _offer(declared, session, now or utcnow())
    if not made:
        db.session.delete(declared)
        db.session.flush()
        return 0
    audit("standby.auto_offer", "vaccination_session", session.id, call=declared.id,
          source=source, doses=doses, offered=made)
    return made


def on_dose_freed(_sender, *, session: VaccinationSession, dose_kind: str,
                  now: dt.datetime | None) -> int:
    """``signals.dose_freed``: offer a citizen's cancelled dose down the standby list; return
    how many offers went out (a true value holds the dose)."""
    return offer_freed(session, dose_kind, source="cancellation", now=now)


def _give_back_unoffered(declared: StandbyCall) -> int:
    """A cancellation's dose nobody is left to take goes back to its session: one conditional
    UPDATE per dose (the call's row lock orders it against offers made at the same moment)."""
    released = 0
    capacity_id = db.session.scalar(sa.select(SessionCapacity.id).where(
        SessionCapacity.session_id == declared.session_id,
        SessionCapacity.dose_kind == declared.dose_kind))
    while db.session.execute(call_table.update().where(
            call_table.c.id == declared.id,
            call_table.c.taken + call_table.c.outstanding < call_table.c.doses)
            .values(doses=call_table.c.doses - 1)).rowcount == 1:
        if capacity_id is not None:
            claims.release_dose(capacity_id)
        released += 1
    return released


def _offer(declared: StandbyCall, session: VaccinationSession, now: dt.datetime) -> int:
    """Offer the call's free doses to the waiting people in order; return how many offers."""
    made = 0
    waiting = list(db.session.scalars(sa.select(StandbyEntry).where(
        StandbyEntry.facility_id == session.facility_id, StandbyEntry.date == session.date,
        StandbyEntry.status == "waiting").order_by(StandbyEntry.id)))
    for entry in waiting:
        person = db.session.get(Beneficiary, entry.beneficiary_id)
        try:
            due = allotted.due_for(person, session, on=now)
        except KitError:
            continue  # not for this session (another vaccine, age band or dose)
        if due.dose_kind != declared.dose_kind or _has_booking(person.id, due.dose_number):
            continue
        claimed = db.session.execute(call_table.update().where(
            call_table.c.id == declared.id,
            call_table.c.taken + call_table.c.outstanding < call_table.c.doses)
            .values(outstanding=call_table.c.outstanding + 1))
        if claimed.rowcount != 1:
            break  # every declared dose is offered or taken
        moved = db.session.execute(entry_table.update().where(
            entry_table.c.id == entry.id, entry_table.c.status == "waiting").values(
            status="offered", call_id=declared.id,
            offer_expires_at=now + dt.timedelta(minutes=declared.confirm_minutes)))
        if moved.rowcount != 1:  # offered by another call meanwhile: give the dose back
            db.session.execute(call_table.update().where(call_table.c.id == declared.id)
                               .values(outstanding=call_table.c.outstanding - 1))
            continue
        _text_offer(person, session, declared)
        made += 1
    return made


def _text_offer(person, session: VaccinationSession, declared: StandbyCall) -> None:
    offers.text(person, "standby_offer", lambda: {
        "facility": session.facility.name, "minutes": format_number(declared.confirm_minutes)})


def confirm(entry: StandbyEntry, *, now: dt.datetime | None = None) -> Appointment:
    """The person takes the offered dose (the session's last slot of the day). Commits."""
    now = now or utcnow()
    with committing():
        offers.take(entry_table, entry.id, now)
        declared = db.session.get(StandbyCall, entry.call_id)
        db.session.execute(call_table.update().where(call_table.c.id == declared.id).values(
            outstanding=call_table.c.outstanding - 1, taken=call_table.c.taken + 1))
        session = operations.load_session(declared.session_id)
        person = db.session.get(Beneficiary, entry.beneficiary_id)
        held = declared.source == "cancellation"  # the dose is still counted in ``booked``
        appointment = allotted.book_allotted(person, session, session.slots[-1],
                                             channel=entry.channel, extend=not held,
                                             held=held, on=now)
        db.session.execute(entry_table.update().where(entry_table.c.id == entry.id)
                           .values(appointment_id=appointment.id))
        audit("standby.confirm", "vaccination_session", session.id, entry=entry.id)
    return appointment


def expire_offers(now: dt.datetime | None = None) -> int:
    """Lapsed offers free their dose for the next person on the list; return how many."""
    now = now or utcnow()
    lapsed = list(db.session.execute(sa.select(entry_table.c.id, entry_table.c.call_id).where(
        entry_table.c.status == "offered", entry_table.c.offer_expires_at <= now)))
    ended = 0
    with committing():
        calls = set()
        for entry_id, call_id in lapsed:
            done = db.session.execute(entry_table.update().where(
                entry_table.c.id == entry_id, entry_table.c.status == "offered").values(
                status="expired"))
            if done.rowcount == 1:
                db.session.execute(call_table.update().where(call_table.c.id == call_id)
                                   .values(outstanding=call_table.c.outstanding - 1))
                calls.add(call_id)
                ended += 1
        for call_id in sorted(calls):
            declared = db.session.get(StandbyCall, call_id)
            _offer(declared, operations.load_session(declared.session_id), now)
            if declared.source == "cancellation":
                _give_back_unoffered(declared)
    return ended


def my_entry(account, reference_id, facility_id, day: dt.date) -> StandbyEntry:
    """The account's beneficiary's place on a facility's list for a day (else not found)."""
    person = get_owned_beneficiary(account, reference_id)
    found = _entry(person.id, facility_id, day)
    if found is None:
        raise errors.OfferNotFound()
    return found


def check_priority(staff, beneficiary, group_id: str, outcome: str, evidence: str = "", *,
                   facility_id: int | None = None):
    """Record that staff checked a person's priority group at the desk. Commits.

    ``not_confirmed`` also takes the group off the person, so it no longer moves them up a
    lottery or opens a phase to them; ``confirmed`` adds it when they had not claimed it."""
    known = {g.id for g in get_profile().eligibility.priority_groups}
    problems = {}
    if group_id not in known:
        problems["group"] = [_l("Not a priority group of this country.")]
    if outcome not in ("confirmed", "not_confirmed"):
        problems["outcome"] = [_l("Choose confirmed or not confirmed.")]
    if not isinstance(evidence, str) or len(evidence) > 120:
        problems["evidence"] = [_l("At most %(n)s characters.", n=120)]
    if problems:
        raise ValidationFailed(fields=problems)
    groups = [g for g in (beneficiary.groups or []) if g != group_id]
    if outcome == "confirmed":
        groups.append(group_id)
    beneficiary.groups = groups
    if group_id == "comorbidity":
        beneficiary.comorbidity = outcome == "confirmed"
    check = PriorityCheck(beneficiary_id=beneficiary.id, group_id=group_id, outcome=outcome,
                          evidence=evidence.strip(), checked_by=getattr(staff, "id", None),
                          facility_id=facility_id)
    db.session.add(check)
    audit("beneficiary.priority_check", "beneficiary", beneficiary.reference_id,
          group=group_id, outcome=outcome)
    db.session.commit()
    return check


def entry_view(entry: StandbyEntry) -> dict:
    return {"entry_id": entry.id, "facility_id": entry.facility_id,
            "date": entry.date.isoformat(), "status": entry.status,
            "offer_expires_at": entry.offer_expires_at.isoformat()
            if entry.offer_expires_at else None,
            "appointment_id": str(entry.appointment_id) if entry.appointment_id else None}
