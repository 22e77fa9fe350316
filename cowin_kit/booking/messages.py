"""Localised SMS texts about appointments, in the beneficiary's language."""

from __future__ import annotations

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db
from cowin_kit.core.sms import register_sms_text, render_sms, send_sms

register_sms_text("booking", _l(
    "Vaccination booked for %(name)s on %(date)s, %(slot)s at %(facility)s. "
    "Secret code: %(code)s"))
register_sms_text("reschedule", _l(
    "Appointment for %(name)s moved to %(date)s, %(slot)s at %(facility)s. "
    "Secret code: %(code)s"))
register_sms_text("cancel", _l(
    "Appointment for %(name)s on %(date)s at %(facility)s is cancelled."))


def appointment_sms(beneficiary, appointment, purpose: str) -> None:
    """Text the account's mobile about a booked, moved or cancelled appointment."""
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.profiles import get_profile

    if beneficiary is None or beneficiary.account_id is None:
        return  # walk-ins registered at the desk have no mobile to text
    account = db.session.get(CitizenAccount, beneficiary.account_id)
    if account is None:
        return
    locale = beneficiary.locale or get_profile().default_locale
    session = appointment.session
    with force_locale(locale):
        day = format_date(session.date, "medium")
    body = render_sms(purpose, locale, name=beneficiary.name, date=day, slot=appointment.slot,
                      facility=session.facility.name, code=appointment.secret_code)
    send_sms(account.mobile, body, purpose=purpose, locale=locale)
