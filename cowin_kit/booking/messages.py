"""Localised SMS texts about appointments, in the beneficiary's language."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from cowin_kit.core.sms import register_sms_text, render_sms, send_sms
from cowin_kit.web.formatting import format_date

register_sms_text("booking", _l(
    "Vaccination booked for %(name)s on %(date)s, %(slot)s at %(facility)s. "
    "Secret code: %(code)s"))
register_sms_text("reschedule", _l(
    "Appointment for %(name)s moved to %(date)s, %(slot)s at %(facility)s. "
    "Secret code: %(code)s"))
register_sms_text("cancel", _l(
    "Appointment for %(name)s on %(date)s at %(facility)s is cancelled."))


def appointment_sms(beneficiary, appointment, purpose: str, mobile: str) -> None:
    """Text a mobile about a booked, moved or cancelled appointment, in the person's language."""
    from cowin_kit.profiles import get_profile

    locale = beneficiary.locale or get_profile().default_locale
    session = appointment.session
    with force_locale(locale):
        day = format_date(session.date, "medium")
    body = render_sms(purpose, locale, name=beneficiary.name, date=day, slot=appointment.slot,
                      facility=session.facility.name, code=appointment.secret_code)
    send_sms(mobile, body, purpose=purpose, locale=locale)
