"""Booking failures with stable codes (the API returns them; pages show the message)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import Conflict, KitError, NotFound, ValidationFailed


class SessionNotFound(NotFound):
    code = "SESSION_NOT_FOUND"
    default_message = _l("This vaccination session does not exist.")


class AppointmentNotFound(NotFound):
    code = "APPOINTMENT_NOT_FOUND"
    default_message = _l("This appointment does not exist.")


class SessionFull(Conflict):
    code = "SESSION_FULL"
    default_message = _l("No doses of this kind are left in this session. Please choose another.")


class SessionClosed(Conflict):
    code = "SESSION_CLOSED"
    default_message = _l("This session is not open for booking.")


class SlotNotOffered(ValidationFailed):
    code = "SLOT_NOT_OFFERED"
    default_message = _l("This time slot is not offered by the session.")


class PastDate(ValidationFailed):
    code = "PAST_DATE"
    default_message = _l("This session has already taken place.")


class TooFarAhead(ValidationFailed):
    code = "TOO_FAR_AHEAD"
    default_message = _l("Sessions can be booked at most %(days)s days ahead.")


class AlreadyBooked(Conflict):
    code = "ALREADY_BOOKED"
    default_message = _l("This person already has an appointment for dose %(dose)s.")


class AgeOutOfBand(ValidationFailed):
    code = "AGE_OUT_OF_BAND"
    default_message = _l("This session is for ages %(band)s; this person is %(age)s.")


class WrongDose(ValidationFailed):
    code = "WRONG_DOSE"
    default_message = _l("The next dose for this person is dose %(due)s, not dose %(asked)s.")


class CancelTooLate(Conflict):
    code = "CANCEL_TOO_LATE"
    default_message = _l("Appointments can no longer be changed this close to the session.")


class NotActive(Conflict):
    code = "APPOINTMENT_NOT_ACTIVE"
    default_message = _l("This appointment is no longer active.")


class SlipNotAvailable(Conflict):
    """A slip is a pass to the vaccination desk: only a booked appointment has one."""

    code = "SLIP_NOT_AVAILABLE"
    default_message = _l("This appointment is no longer active, so it has no slip. Book a new "
                         "appointment from your page if you still need this dose.")


class SlipOfCancelled(SlipNotAvailable):
    default_message = _l("This appointment was cancelled, so its slip and secret code are no "
                         "longer valid. Book a new appointment from your page if you still need "
                         "this dose.")


class IdempotencyMismatch(Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = _l("This Idempotency-Key was already used for a different request.")


class LotteryOnly(Conflict):
    code = "LOTTERY_SESSION"
    default_message = _l("The doses of this session are allotted by a lottery: enter the lottery "
                         "instead of booking. Winners get an SMS to confirm.")


class LotteryClosed(Conflict):
    code = "LOTTERY_CLOSED"
    default_message = _l("This lottery does not accept requests now.")


class LotteryNotFound(NotFound):
    code = "LOTTERY_NOT_FOUND"
    default_message = _l("This session has no lottery.")


class OfferNotFound(Conflict):
    code = "NO_REQUEST"
    default_message = _l("This person has not asked for a dose here.")


class OfferExpired(Conflict):
    code = "OFFER_EXPIRED"
    default_message = _l("This offer has expired or was already answered.")


class NoDoseToOffer(Conflict):
    code = "NO_DOSE_TO_OFFER"
    default_message = _l("No dose of this kind is free in this session to offer.")


__all__ = [name for name, value in globals().items()
           if isinstance(value, type) and issubclass(value, KitError)]
