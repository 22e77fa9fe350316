"""Localised SMS texts about appointments, in the beneficiary's language."""

from __future__ import annotations

import logging

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from cowin_kit.core.sms import queue_sms, register_sms_text, render_sms
from cowin_kit.profiles import get_profile
from cowin_kit.web.formatting import format_date

log = logging.getLogger(__name__)

register_sms_text("booking", _l(
    "Vaccination booked for %(name)s on %(date)s, %(slot)s at %(facility)s. "
    "Secret code: %(code)s"))
register_sms_text("reschedule", _l(
    "Appointment for %(name)s moved to %(date)s, %(slot)s at %(facility)s. "
    "Secret code: %(code)s"))
register_sms_text("cancel", _l(
    "Appointment for %(name)s on %(date)s at %(facility)s is cancelled."))


def appointment_sms(beneficiary, appointment, purpose: str, mobile: str, *, session=None,
                    slot: str | None = None):
    """Queue a text about a booked, moved or cancelled appointment, in the person's language,
    in the caller's transaction (it goes out only if that commits). ``session`` and ``slot``
    give the appointment's new place when the ORM object does not carry it yet."""
    locale = beneficiary.locale or get_profile().default_locale
    session = session or appointment.session
    try:
        with force_locale(locale):
            day = format_date(session.date, "medium")
        body = render_sms(purpose, locale, name=beneficiary.name, date=day,
                          slot=slot or appointment.slot, facility=session.facility.name,
                          code=appointment.secret_code)
    except (KeyError, ValueError, TypeError):  # a broken translation must not undo a booking
        log.exception("could not write the %s SMS for appointment %s", purpose, appointment.id)
        return None
    return queue_sms(mobile, body, purpose=purpose, locale=locale)
