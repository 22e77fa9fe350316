"""The text a person gets once a dose's certificate is issued: the link to it, in their language.

Transactional, like a booking's text: sent whatever the reminder setting (docs/reminders.md).
The link leads to the citizen's certificate page, behind the OTP sign-in; it carries nothing
secret."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.db import db
from cowin_kit.core.models import SmsMessage
from cowin_kit.core.sms import queue_sms, register_sms_text, render_sms
from cowin_kit.profiles import get_profile

log = logging.getLogger(__name__)

register_sms_text("certificate", _l(
    "Dose %(dose)s for %(name)s is recorded. The vaccination certificate: %(url)s"))


def certificate_sms(person, cert) -> SmsMessage | None:
    """Queue the certificate's link to the person's account mobile in the caller's transaction
    (walk-ins without an account get none). A broken translation is logged, not raised: the
    certificate stands."""
    if person is None or person.account_id is None:
        return None
    account = db.session.execute(sa.select(CitizenAccount.mobile, CitizenAccount.locale).where(
        CitizenAccount.id == person.account_id)).first()
    if account is None:
        return None
    locale = person.locale or account.locale or get_profile().default_locale
    url = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/certificates/{person.reference_id}"
    try:
        body = render_sms("certificate", locale, dose=cert.dose_number, name=person.name, url=url)
    except (KeyError, ValueError, TypeError):
        log.exception("could not write the certificate SMS for certificate %s", cert.id)
        return None
    return queue_sms(account.mobile, body, purpose="certificate", locale=locale)
