"""Lottery release of a session's doses (issue #21): requests during a window, a verifiable draw
at its close, offers by SMS with a deadline, lapsed offers to the next in the draw.

The draw is ``lottery_draw`` (standard library only): this module stores requests, runs it on
what is stored and publishes its inputs (``published``). Speed gains nothing: a request made in
the last minute of the window has the same chance as one made in the first second, and a
person has one ticket per round however often they ask.

Invariants: a round's outstanding offers plus its confirmed appointments never exceed the doses
the session has free (``refill`` counts them under the round's row lock); one person holds at
most one active appointment per dose (the ``uq_appointment_active_dose`` index) and never an
offer while holding one (such entries are ``skipped``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cowin_kit.booking import allotted, errors, lottery_draw, offers, operations
from cowin_kit.booking.fair_models import CHANNELS, LotteryRequest, LotteryRound
from cowin_kit.booking.models import Appointment, SessionCapacity, VaccinationSession
from cowin_kit.booking.rules import area_timezone, person_of
from cowin_kit.core.audit import audit
from cowin_kit.core.db import committing, db, utcnow
from cowin_kit.core.errors import ValidationFailed
from cowin_kit.core.sms import register_sms_text
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.priority import priority_tier
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.queries import get_owned_beneficiary
from cowin_kit.web.formatting import format_date, format_datetime

register_sms_text("lottery_offer", _l(
    "%(name)s has been drawn for a vaccination on %(date)s at %(facility)s. Confirm on the "
    "portal by %(deadline)s, or the dose goes to the next person."))

#: Longest request window and confirmation deadline a round may have.
MAX_WINDOW = dt.timedelta(days=14)
MAX_CONFIRM_HOURS = 72


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise ValidationFailed(fields={"channel": [str(channel)]})
    return channel


# -- opening ------------------------------------------------------------------------------------

def open_round(staff, session: VaccinationSession, *, hours: int = 24, confirm_hours: int = 12,
               now: dt.datetime | None = None) -> LotteryRound:
    """Mark a session "lottery" and open its request window now for ``hours``; the seed's
    commitment is public from this moment. Commits."""
    now = now or utcnow()
    problems = {}
    if not 1 <= int(hours) <= MAX_WINDOW.total_seconds() // 3600:
        problems["hours"] = [_l("Between 1 and %(n)s hours.", n=int(MAX_WINDOW.days * 24))]
    if not 1 <= int(confirm_hours) <= MAX_CONFIRM_HOURS:
        problems["confirm_hours"] = [_l("Between 1 and %(n)s hours.", n=MAX_CONFIRM_HOURS)]
    if problems:
        raise ValidationFailed(fields=problems)
    if session.status != "open":
        raise errors.SessionClosed()
    existing = db.session.scalar(sa.select(LotteryRound).where(
        LotteryRound.session_id == session.id))
    if existing is not None:
        return existing
    seed = secrets.token_hex(32)
    lottery = LotteryRound(id=uuid.uuid4(), session_id=session.id, status="open", opens_at=now,
                           closes_at=now + dt.timedelta(hours=int(hours)),
                           confirm_hours=int(confirm_hours), seed=seed,
                           seed_commitment=lottery_draw.commitment(seed),
                           ticket_key=secrets.token_hex(32),
                           created_by=getattr(staff, "id", None))
    session.allocation = "lottery"
    db.session.add(lottery)
    audit("lottery.open", "vaccination_session", session.id, round=str(lottery.id),
          closes_at=lottery.closes_at.isoformat(), commitment=lottery.seed_commitment)
    try:
        db.session.commit()
    except IntegrityError:  # opened by someone else at the same moment
        db.session.rollback()
        return db.session.scalar(sa.select(LotteryRound).where(
            LotteryRound.session_id == session.id))
    return lottery


def round_of(session_id) -> LotteryRound:
    """The round of a session (by id or its text); LOTTERY_NOT_FOUND otherwise."""
    try:
        key = session_id if isinstance(session_id, uuid.UUID) else uuid.UUID(str(session_id))
    except (ValueError, TypeError, AttributeError):
        raise errors.LotteryNotFound() from None
    found = db.session.scalar(sa.select(LotteryRound).where(LotteryRound.session_id == key))
    if found is None:
        raise errors.LotteryNotFound()
    return found


# -- requests -----------------------------------------------------------------------------------

def enter(beneficiary, session_id, *, channel: str,
          now: dt.datetime | None = None) -> LotteryRequest:
    """Enter a person in a session's lottery; asking again returns the same request. Commits."""
    channel = _channel(channel)
    now = now or utcnow()
    lottery = round_of(session_id)
    if lottery.status != "open" or not lottery.opens_at <= now < lottery.closes_at:
        raise errors.LotteryClosed()
    mine = _request_of(lottery.id, beneficiary.id)
    if mine is not None:
        return mine
    session = operations.load_session(lottery.session_id)
    due = allotted.due_for(beneficiary, session)
    if _holds_slot(beneficiary.id, due.dose_number):
        raise errors.AlreadyBooked(dose=due.dose_number)
    request = LotteryRequest(
        id=uuid.uuid4(), round_id=lottery.id, beneficiary_id=beneficiary.id,
        ticket=lottery_draw.ticket(lottery.ticket_key, beneficiary.id),
        tier=priority_tier(get_profile(), person_of(beneficiary), session.date),
        dose_kind=due.dose_kind, dose_number=due.dose_number, channel=channel,
        status="entered")
    try:
        with committing():
            # The draw locks the round before it reads the requests: a request either waits for
            # the draw's commit (and is then refused) or commits before the draw reads.
            _lock_round(lottery.id, shared=True)
            db.session.refresh(lottery)
            if lottery.status != "open":
                raise errors.LotteryClosed()
            db.session.add(request)
            audit("lottery.enter", "lottery_round", lottery.id, request=str(request.id),
                  tier=request.tier, channel=channel)
    except IntegrityError:
        db.session.rollback()  # the same person's parallel request won: return it
        found = _request_of(lottery.id, beneficiary.id)
        if found is None:
            raise
        return found
    return request


def _request_of(round_id, beneficiary_id: int) -> LotteryRequest | None:
    return db.session.scalar(sa.select(LotteryRequest).where(
        LotteryRequest.round_id == round_id, LotteryRequest.beneficiary_id == beneficiary_id))


def _holds_slot(beneficiary_id: int, dose_number: int, *, besides=None) -> bool:
    """An active appointment, or an open lottery offer elsewhere, for this dose."""
    booked = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
        Appointment.beneficiary_id == beneficiary_id, Appointment.dose_number == dose_number,
        Appointment.status == "booked"))
    offers = sa.select(sa.func.count()).select_from(LotteryRequest).where(
        LotteryRequest.beneficiary_id == beneficiary_id,
        LotteryRequest.dose_number == dose_number, LotteryRequest.status == "offered")
    if besides is not None:
        offers = offers.where(LotteryRequest.id != besides)
    return bool(booked or db.session.scalar(offers))


def _lock_round(round_id, *, shared: bool = False) -> None:
    db.session.execute(sa.select(LotteryRound.id).where(LotteryRound.id == round_id)
                       .with_for_update(read=shared))


# -- the draw and the offers ----------------------------------------------------------------------

def due_rounds(now: dt.datetime | None = None) -> list[LotteryRound]:
    """Open rounds whose window has closed (the scheduled job draws them)."""
    return list(db.session.scalars(sa.select(LotteryRound).where(
        LotteryRound.status == "open", LotteryRound.closes_at <= (now or utcnow()))
        .order_by(LotteryRound.closes_at)))


def draw(lottery: LotteryRound, *, staff=None, now: dt.datetime | None = None) -> dict:
    """Reveal the seed, rank every request and make the first offers. Commits.

    Only after the window has closed; a round drawn already is not drawn again (the answer is
    its summary), so the scheduled job and a staff member clicking at once do no harm."""
    now = now or utcnow()
    with committing():
        _lock_round(lottery.id)
        db.session.refresh(lottery)
        if lottery.status != "open":
            db.session.rollback()
            return summary(lottery)
        if now < lottery.closes_at:
            raise errors.LotteryClosed(_l("The request window is still open: the draw runs at "
                                          "its close."), code="LOTTERY_NOT_CLOSED")
        requests = list(db.session.scalars(sa.select(LotteryRequest).where(
            LotteryRequest.round_id == lottery.id)))
        order = lottery_draw.draw_order(lottery.seed, [
            {"ticket": r.ticket, "tier": r.tier} for r in requests])
        by_ticket = {r.ticket: r for r in requests}
        for rank, ticket in enumerate(order, start=1):
            by_ticket[ticket].rank = rank
            by_ticket[ticket].status = "not_drawn"
        lottery.status = "drawn"
        lottery.drawn_at = now
        lottery.drawn_capacity = _free_doses(lottery.session_id)
        db.session.flush()
        offered = _refill(lottery, now)
        audit("lottery.draw", "lottery_round", lottery.id, requests=len(requests),
              offered=offered, seed=lottery.seed, staff=getattr(staff, "id", None))
    return summary(lottery)


def _free_doses(session_id) -> dict[str, int]:
    # Columns, not objects: a dose released earlier in this transaction counts.
    return {kind: max(free, 0) for kind, free in db.session.execute(
        sa.select(SessionCapacity.dose_kind, SessionCapacity.capacity - SessionCapacity.booked)
        .where(SessionCapacity.session_id == session_id))}


def _refill(lottery: LotteryRound, now: dt.datetime) -> int:
    """Offer every free dose of the session to the next requests in draw order (the round's
    row is locked by the caller); return how many offers went out."""
    free = _free_doses(lottery.session_id)
    outstanding = dict(db.session.execute(
        sa.select(LotteryRequest.dose_kind, sa.func.count())
        .where(LotteryRequest.round_id == lottery.id, LotteryRequest.status == "offered")
        .group_by(LotteryRequest.dose_kind)).all())
    made = 0
    for kind, doses in sorted(free.items()):
        left = doses - int(outstanding.get(kind, 0))
        if left <= 0:
            continue
        waiting = db.session.scalars(sa.select(LotteryRequest).where(
            LotteryRequest.round_id == lottery.id, LotteryRequest.dose_kind == kind,
            LotteryRequest.status == "not_drawn").order_by(LotteryRequest.rank))
        for request in waiting:
            if left <= 0:
                break
            if _holds_slot(request.beneficiary_id, request.dose_number, besides=request.id):
                request.status = "skipped"
                continue
            request.status = "offered"
            request.offer_expires_at = now + dt.timedelta(hours=lottery.confirm_hours)
            _text_offer(request, lottery)
            left -= 1
            made += 1
    db.session.flush()
    return made


def refill_session(session_id, now: dt.datetime | None = None) -> int:
    """A dose of a drawn lottery session came free (a winner cancelled): offer it to the next
    in the draw, in the caller's transaction (the caller commits); return how many offers."""
    lottery = db.session.scalar(sa.select(LotteryRound).where(
        LotteryRound.session_id == session_id))
    if lottery is None or lottery.status != "drawn":
        return 0  # an open round's draw counts the freed dose when it runs
    _lock_round(lottery.id)
    db.session.refresh(lottery)
    return _refill(lottery, now or utcnow())


def on_dose_released(_sender, *, session_id, allocation: str, now: dt.datetime | None) -> None:
    """``signals.dose_released``: a cancelled winner's dose goes to the next in the draw."""
    if allocation == "lottery":
        refill_session(session_id, now)


def _text_offer(request: LotteryRequest, lottery: LotteryRound) -> None:
    session = db.session.get(VaccinationSession, lottery.session_id)

    def params() -> dict:
        tz = area_timezone(get_profile(), session.facility.area_id)
        return {"date": format_date(session.date, "medium"), "facility": session.facility.name,
                "deadline": format_datetime(request.offer_expires_at.astimezone(tz), "short")}

    offers.text(db.session.get(Beneficiary, request.beneficiary_id), "lottery_offer", params)


def confirm(request: LotteryRequest, slot: str, *, now: dt.datetime | None = None) -> Appointment:
    """The winner takes the offered dose in a slot of the session. Commits."""
    now = now or utcnow()
    table = LotteryRequest.__table__
    with committing():
        offers.take(table, request.id, now)
        lottery = db.session.get(LotteryRound, request.round_id)
        session = operations.load_session(lottery.session_id)
        person = db.session.get(Beneficiary, request.beneficiary_id)
        appointment = allotted.book_allotted(person, session, slot, channel=request.channel,
                                             on=now)
        db.session.execute(table.update().where(table.c.id == request.id)
                           .values(appointment_id=appointment.id))
        audit("lottery.confirm", "lottery_round", lottery.id, request=str(request.id))
    return appointment


def decline(request: LotteryRequest, *, now: dt.datetime | None = None) -> None:
    """The winner gives the dose back: it goes to the next in the draw at once. Commits."""
    _end_offers([request.id], "declined", now or utcnow())


def expire_offers(now: dt.datetime | None = None) -> int:
    """Offers past their deadline lapse and go to the next in the draw; return how many."""
    now = now or utcnow()
    ids = list(db.session.scalars(sa.select(LotteryRequest.id).where(
        LotteryRequest.status == "offered", LotteryRequest.offer_expires_at <= now)))
    return _end_offers(ids, "expired", now) if ids else 0


def _end_offers(ids, status: str, now: dt.datetime) -> int:
    table = LotteryRequest.__table__
    ended = 0
    with committing():
        rounds = set()
        for request_id in ids:
            where = [table.c.id == request_id, table.c.status == "offered"]
            if status == "expired":
                where.append(table.c.offer_expires_at <= now)
            done = db.session.execute(table.update().where(*where).values(status=status))
            if done.rowcount == 1:
                ended += 1
                rounds.add(db.session.scalar(sa.select(table.c.round_id)
                                             .where(table.c.id == request_id)))
            elif status == "declined":
                raise errors.OfferExpired()
        for round_id in sorted(rounds, key=str):
            _lock_round(round_id)
            _refill(db.session.get(LotteryRound, round_id), now)
            audit(f"lottery.offer_{status}", "lottery_round", round_id)
    return ended


# -- what is published ------------------------------------------------------------------------------

def summary(lottery: LotteryRound) -> dict:
    """A round as anyone may see it: no seed before the draw, no person."""
    counts = dict(db.session.execute(
        sa.select(LotteryRequest.status, sa.func.count()).where(
            LotteryRequest.round_id == lottery.id).group_by(LotteryRequest.status)).all())
    return {"session_id": str(lottery.session_id), "round_id": str(lottery.id),
            "status": lottery.status, "opens_at": lottery.opens_at.isoformat(),
            "closes_at": lottery.closes_at.isoformat(),
            "confirm_hours": lottery.confirm_hours, "commitment": lottery.seed_commitment,
            "seed": lottery.seed if lottery.status == "drawn" else None,
            "drawn_at": lottery.drawn_at.isoformat() if lottery.drawn_at else None,
            "requests": sum(counts.values()),
            "outcomes": {k: int(v) for k, v in sorted(counts.items())}}


def published(lottery: LotteryRound) -> dict:
    """The draw's inputs and outcome as JSON anyone can recompute (``lottery_draw.verify``)."""
    if lottery.status != "drawn":
        raise errors.LotteryClosed(_l("The draw has not taken place yet."),
                                   code="LOTTERY_NOT_DRAWN")
    session = db.session.get(VaccinationSession, lottery.session_id)
    requests = list(db.session.scalars(sa.select(LotteryRequest).where(
        LotteryRequest.round_id == lottery.id)))
    entries = sorted(({"ticket": r.ticket, "tier": r.tier, "dose_kind": r.dose_kind,
                       "status": r.status} for r in requests), key=lambda e: e["ticket"])
    order = [r.ticket for r in sorted(requests, key=lambda r: r.rank or 0)]
    skipped = sorted(r.ticket for r in requests if r.status == "skipped")
    capacity = lottery.drawn_capacity or {}
    kinds = {e["ticket"]: e["dose_kind"] for e in entries}
    return {"format": lottery_draw.FORMAT, "round": str(lottery.id),
            "session": str(session.id), "facility": session.facility.code,
            "date": session.date.isoformat(), "vaccine": session.vaccine,
            "opens_at": lottery.opens_at.isoformat(), "closes_at": lottery.closes_at.isoformat(),
            "commitment": lottery.seed_commitment, "seed": lottery.seed,
            "capacity": capacity, "entries": entries, "order": order, "skipped": skipped,
            "first_offers": lottery_draw.first_offers(order, kinds, capacity, skipped),
            "rule": "order = sort by (tier, SHA-256(seed || pool || ticket)), pool = SHA-256 of "
                    "all tickets in ticket order; first offers = the first "
                    "capacity[kind] tickets of each dose kind in that order, less skipped"}


def my_request(account, session_id, reference_id) -> LotteryRequest:
    """The request in a session's lottery of one of the account's beneficiaries; another
    account's person is not found (as everywhere in the kit)."""
    person = get_owned_beneficiary(account, reference_id)
    found = _request_of(round_of(session_id).id, person.id)
    if found is None:
        raise errors.OfferNotFound()
    return found


def request_view(request: LotteryRequest) -> dict:
    return {"request_id": str(request.id), "session_id": str(request.round.session_id),
            "ticket": request.ticket, "tier": request.tier, "dose": request.dose_number,
            "status": request.status, "rank": request.rank,
            "offer_expires_at": request.offer_expires_at.isoformat()
            if request.offer_expires_at else None,
            "appointment_id": str(request.appointment_id) if request.appointment_id else None}
