"""Who is reminded: people whose stored next dose (``Beneficiary.next_due_*``, kept by the
schedule engine when a dose is recorded) starts soon or has just become overdue.

Every read is a range scan of an index, in keyset pages (``(date, id) > last seen``, never
OFFSET), so a run reads only the people in its window, however many millions are registered:

- due: ``ix_beneficiary_next_due`` (booster, next_due_from, id), once for primary doses and
  once for boosters, ``next_due_from`` between ``today - catch_up_days`` and
  ``today + days_ahead``;
- overdue: ``ix_beneficiary_next_due_until`` (next_due_until, id), ``next_due_until`` between
  ``today - catch_up_days`` and yesterday: the days a run may have missed, not everyone ever late;
- routine: ``ix_beneficiary_next_routine_due`` (next_routine_due, id), the same window as due;
- routine overdue: ``ix_routine_due_overdue`` (overdue_on, beneficiary_id) of the open routine
  doses per antigen (registration/routine_rows.py), ``overdue_on`` between
  ``today - catch_up_days`` and today; then again ``routine_overdue_every`` days later, up to
  ``routine_overdue_times`` reminders in all (each repeat its own window and its own claim).

Any programme that keeps these columns (the COVID schedules, a routine schedule) is covered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary, RoutineDue

#: (stage, booster) of the scans of a run, in order; "routine": the next routine immunisation
#: dose (``next_routine_due``, kept by registration/children.py), texted as "due".
SCANS = (("due", False), ("due", True), ("overdue", None), ("routine", None))


def scans(settings: "Settings") -> tuple:
    """The scans of a run: ``SCANS``, then the routine overdue reminder and its repeats
    (``("routine_overdue", n)``: the n-th reminder of a dose overdue, from 0)."""
    return SCANS + tuple(("routine_overdue", n) for n in range(settings.routine_overdue_times))

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclasses.dataclass(frozen=True)
class Settings:
    """``REMINDER_*`` settings (docs/configuration.md)."""

    days_ahead: int = 3
    catch_up_days: int = 7
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)
    daily_cap: int = 2
    batch: int = 2000
    #: Overdue routine doses: how many reminders in all, and the days between them.
    routine_overdue_times: int = 2
    routine_overdue_every: int = 28

    @classmethod
    def from_config(cls, config) -> "Settings":
        """Read and check the settings; ValueError names the bad one and what is expected."""
        values = {}
        for name, key in (("days_ahead", "REMINDER_DAYS_AHEAD"),
                          ("catch_up_days", "REMINDER_CATCH_UP_DAYS"),
                          ("daily_cap", "REMINDER_DAILY_CAP"), ("batch", "REMINDER_BATCH"),
                          ("routine_overdue_times", "REMINDER_ROUTINE_OVERDUE_TIMES"),
                          ("routine_overdue_every", "REMINDER_ROUTINE_OVERDUE_EVERY")):
            raw = config.get(key, getattr(cls, name))
            try:
                values[name] = int(raw)
            except (TypeError, ValueError):
                raise ValueError(f"COWIN_KIT_{key} must be a whole number, not {raw!r}") from None
            if values[name] < (1 if name in ("batch", "routine_overdue_every") else 0):
                raise ValueError(f"COWIN_KIT_{key} must not be negative (batch and "
                                 "routine overdue every: at least 1)")
        if values["routine_overdue_every"] <= values["catch_up_days"]:
            raise ValueError("COWIN_KIT_REMINDER_ROUTINE_OVERDUE_EVERY must be more than "
                             "COWIN_KIT_REMINDER_CATCH_UP_DAYS (each repeat has its own days)")
        quiet = str(config.get("REMINDER_QUIET_HOURS", "21:00-08:00") or "")
        if quiet.strip():
            match = _HOURS.match(quiet)
            hours = [int(g) for g in match.groups()] if match else []
            if not match or hours[0] > 23 or hours[2] > 23 or hours[1] > 59 or hours[3] > 59:
                raise ValueError("COWIN_KIT_REMINDER_QUIET_HOURS must be HH:MM-HH:MM (local "
                                 f"time, e.g. 21:00-08:00) or empty, not {quiet!r}")
            values["quiet_start"] = dt.time(hours[0], hours[1])
            values["quiet_end"] = dt.time(hours[2], hours[3])
        else:  # no quiet hours
            values["quiet_start"] = values["quiet_end"] = dt.time(0, 0)
        return cls(**values)

    def is_quiet(self, local: dt.datetime) -> bool:
        """Whether ``local`` (the country's wall clock) falls in the quiet hours."""
        start, end, now = self.quiet_start, self.quiet_end, local.time()
        if start == end:
            return False
        if start < end:
            return start <= now < end
        return now >= start or now < end  # across midnight


def local_now(timezone: str, now: dt.datetime) -> dt.datetime:
    """``now`` (aware, any zone) on the country's wall clock."""
    return now.astimezone(ZoneInfo(timezone))


@dataclasses.dataclass(frozen=True)
class Due:
    """One person to remind, with the account's mobile."""

    person_id: int
    name: str
    locale: str | None
    account_locale: str | None
    mobile: str
    stage: str  # due | overdue | routine_overdue
    due_key: str
    due_from: dt.date
    due_until: dt.date | None


def due_key(stage: str, number: int | None, booster: bool | None, due_from: dt.date) -> str:
    """The dose and stage a reminder is about: a new dose (or a moved date) is a new key."""
    return f"{'B' if booster else ''}{number or 0}:{due_from.isoformat()}:{stage}"


def page(stage: str, booster: bool | None, today: dt.date, settings: Settings,
         after: tuple | None) -> tuple[list[Due], tuple | None]:
    """One keyset page of people to remind at ``stage``; returns them and the key to continue
    after (None when the scan is done). People without a citizen account (walk-ins) have no
    mobile to text and are left out."""
    if stage == "routine_overdue":
        return _routine_overdue_page(booster, today, settings, after)
    b = Beneficiary
    earliest = today - dt.timedelta(days=settings.catch_up_days)
    latest = today + dt.timedelta(days=settings.days_ahead)
    if stage == "due":
        key = (b.next_due_from, b.id)
        window = (b.next_due_booster == booster, b.next_due_from >= earliest,
                  b.next_due_from <= latest,
                  sa.or_(b.next_due_until.is_(None), b.next_due_until >= today))
    elif stage == "routine":
        key = (b.next_routine_due, b.id)
        window = (b.next_routine_due >= earliest, b.next_routine_due <= latest)
    else:
        key = (b.next_due_until, b.id)
        window = (b.next_due_until >= earliest, b.next_due_until < today)
    # The page from the person index alone, then its accounts by primary key: a join let the
    # planner hash every citizen account for each page.
    stmt = (sa.select(b.id, b.name, b.locale, b.account_id, b.next_dose_number,
                      b.next_due_booster, b.next_due_from, b.next_due_until,
                      b.next_routine_due, b.next_routine_overdue)
            .where(*window, b.account_id.is_not(None)).order_by(*key).limit(settings.batch))
    if after is not None:
        stmt = stmt.where(sa.tuple_(*key) > sa.tuple_(*after))
    rows = db.session.execute(stmt).all()
    accounts = _accounts(rows)
    people = [_due(r, stage, accounts[r.account_id]) for r in rows if r.account_id in accounts]
    if len(rows) < settings.batch:
        return people, None
    last = rows[-1]
    return people, (getattr(last, key[0].key), last.id)


def _accounts(rows) -> dict:
    account = CitizenAccount
    return {row.id: row for row in db.session.execute(
        sa.select(account.id, account.mobile, account.locale)
        .where(account.id.in_({r.account_id for r in rows})))} if rows else {}


def _routine_overdue_page(repeat: int, today: dt.date, settings: Settings,
                          after: tuple | None) -> tuple[list[Due], tuple | None]:
    """One keyset page of the people with a routine dose overdue since the ``repeat``-th
    window (``repeat * routine_overdue_every`` days back, ``catch_up_days`` long), read from
    ``ix_routine_due_overdue``; then the people and their accounts by primary key. A person
    with several antigens overdue the same day (one visit) is reminded once."""
    d, b = RoutineDue, Beneficiary
    latest = today - dt.timedelta(days=repeat * settings.routine_overdue_every)
    earliest = latest - dt.timedelta(days=settings.catch_up_days)
    key = (d.overdue_on, d.beneficiary_id)
    stmt = (sa.select(d.beneficiary_id, d.overdue_on)
            .where(d.overdue_on >= earliest, d.overdue_on <= latest,
                   sa.or_(d.last_day.is_(None), d.last_day >= today))
            .order_by(*key).limit(settings.batch))
    if after is not None:
        stmt = stmt.where(sa.tuple_(*key) > sa.tuple_(*after))
    rows = db.session.execute(stmt).all()
    people_rows = {r.id: r for r in db.session.execute(
        sa.select(b.id, b.name, b.locale, b.account_id)
        .where(b.id.in_({r.beneficiary_id for r in rows}), b.account_id.is_not(None)))}
    accounts = _accounts(list(people_rows.values()))
    people, seen = [], set()
    for r in rows:
        who = people_rows.get(r.beneficiary_id)
        if who is None or who.account_id not in accounts or (who.id, r.overdue_on) in seen:
            continue
        seen.add((who.id, r.overdue_on))
        account = accounts[who.account_id]
        people.append(Due(who.id, who.name, who.locale, account.locale, account.mobile,
                          "routine_overdue", f"R:{r.overdue_on.isoformat()}:overdue{repeat}",
                          r.overdue_on, r.overdue_on))
    if len(rows) < settings.batch:
        return people, None
    return people, (rows[-1].overdue_on, rows[-1].beneficiary_id)


def _due(row, stage: str, account) -> Due:
    if stage == "routine":  # a routine dose: texted as due, keyed by its date
        return Due(row.id, row.name, row.locale, account.locale, account.mobile, "due",
                   f"R:{row.next_routine_due.isoformat()}:due", row.next_routine_due,
                   row.next_routine_overdue)
    return Due(row.id, row.name, row.locale, account.locale, account.mobile, stage,
               due_key(stage, row.next_dose_number, row.next_due_booster, row.next_due_from),
               row.next_due_from, row.next_due_until)
