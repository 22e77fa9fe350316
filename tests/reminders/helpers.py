"""People with a stored next dose, for the reminder tests."""

from __future__ import annotations

import datetime as dt

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.models import SmsMessage
from tests.factories import make_person

#: 11:30 in India (Asia/Kolkata): outside the default quiet hours (21:00-08:00).
NOON = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 12, 5)


def account(db, mobile: str, locale: str | None = None) -> CitizenAccount:
    row = CitizenAccount(mobile=mobile, locale=locale)
    db.session.add(row)
    db.session.flush()
    return row


def person(db, owner, name: str, *, due_from: dt.date | None, due_until: dt.date | None = None,
           booster: bool = False, number: int = 2, locale: str | None = None):
    """A person whose next dose the schedule engine stored (as after a recorded dose)."""
    row = make_person(db, name=name, account=owner, locale=locale)
    row.next_dose_number, row.next_due_booster = number, booster
    row.next_due_from = due_from
    row.next_due_until = due_until or (due_from + dt.timedelta(days=28) if due_from else None)
    db.session.flush()
    return row


def texts(db, mobile: str | None = None) -> list[SmsMessage]:
    query = db.session.query(SmsMessage).filter(SmsMessage.purpose.like("reminder_%"))
    if mobile:
        query = query.filter(SmsMessage.mobile == mobile)
    return query.order_by(SmsMessage.id).all()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)
