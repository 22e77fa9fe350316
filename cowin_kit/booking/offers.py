"""What lottery offers and standby offers share (#21): taking an offer once, before its deadline,
and texting one in the person's language through the SMS queue."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

from flask_babel import force_locale

from cowin_kit.booking import errors
from cowin_kit.booking.operations import _account_mobile
from cowin_kit.core.db import db
from cowin_kit.core.sms import queue_sms, render_sms
from cowin_kit.profiles import get_profile

log = logging.getLogger(__name__)


def take(table, row_id, now: dt.datetime) -> None:
    """Mark an offer confirmed, once and before its deadline (one conditional UPDATE: two
    clicks, or a click racing the lapse job, confirm it at most once); OFFER_EXPIRED else."""
    taken = db.session.execute(table.update().where(
        table.c.id == row_id, table.c.status == "offered",
        table.c.offer_expires_at > now).values(status="confirmed"))
    if taken.rowcount != 1:
        raise errors.OfferExpired()


def text(person, key: str, params: Callable[[], dict]) -> None:
    """Queue the SMS ``key`` to the person's account mobile in the caller's transaction;
    ``params`` runs in the person's locale (dates, numbers). A broken translation is logged
    and the offer stands (the person also sees it on the portal)."""
    mobile = _account_mobile(person)
    if not mobile:
        return
    locale = person.locale or get_profile().default_locale
    try:
        with force_locale(locale):
            values = params()
        body = render_sms(key, locale, name=person.name, **values)
    except (KeyError, ValueError, TypeError):
        log.exception("could not write the %s SMS", key)
        return
    queue_sms(mobile, body, purpose=key, locale=locale)
