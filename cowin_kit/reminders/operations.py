"""Send the due-dose reminders (the scheduled job) and keep each mobile's opt-out.

A run (``send``): outside the country's quiet hours, for each keyset page of people due or just
overdue (``selection.page``), it leaves out opted-out mobiles and mobiles that reached the daily
cap, *claims* each person's reminder in ``reminder_log`` (INSERT … ON CONFLICT DO NOTHING: a
reminder already claimed — by an earlier run today, or by a second run at the same moment — is
not claimed again), and queues one text per mobile naming its claimed people, in their
language, in the same transaction as the claim. Each page is committed on its own.

On PostgreSQL a run also holds an advisory lock: a second run started at the same time (two pods)
finds it taken and stops, so the daily cap is exact too. Without it the claims alone still keep
anyone from being reminded twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from babel.lists import format_list
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, run_lock, utcnow
from cowin_kit.core.keys import keyed_hash
from cowin_kit.core.sms import queue_sms, register_sms_text, render_sms
from cowin_kit.profiles import get_profile
from cowin_kit.reminders.models import ReminderLog, SmsOptOut
from cowin_kit.reminders.selection import Due, Settings, local_now, page, scans
from cowin_kit.web.formatting import format_date

register_sms_text("reminder_due", _l(
    "Vaccination reminder: the next dose for %(names)s can be given from %(date)s. "
    "Book at %(url)s. To stop reminders: %(stop)s"))
register_sms_text("reminder_overdue", _l(
    "Vaccination reminder: the dose for %(names)s was due by %(date)s and is now overdue. "
    "Book at %(url)s. To stop reminders: %(stop)s"))
register_sms_text("reminder_routine_overdue", _l(
    "Vaccination reminder: %(names)s missed a routine vaccination due before %(date)s. Visit "
    "a vaccination centre soon; see the doses at %(url)s. To stop reminders: %(stop)s"))

#: Any 64-bit number: the PostgreSQL advisory lock one run holds.
LOCK_KEY = 0x52454D494E444552  # "REMINDER"


def mobile_hash(mobile: str) -> str:
    """The keyed hash a mobile number is kept as in the reminder log and the opt-out list."""
    return keyed_hash("sms-mobile", mobile.encode())


@dataclasses.dataclass
class RunResult:
    """What a run did (the CLI prints it)."""

    quiet: bool = False
    busy: bool = False
    local_time: dt.datetime | None = None
    considered: int = 0
    reminded: int = 0
    texts: int = 0
    opted_out: int = 0
    capped: int = 0
    already: int = 0
    stopped_early: bool = False


def _run_lock():
    """Yield whether this run may go ahead (PostgreSQL: the advisory lock was free)."""
    return run_lock(db.engine, LOCK_KEY)


def _insert(table):
    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(table)


def _unclaimed(people: list[Due]) -> list[Due]:
    """The people whose reminder is not in the log yet (a dry run claims nothing)."""
    if not people:
        return []
    table = ReminderLog.__table__
    rows = db.session.execute(sa.select(table.c.beneficiary_id, table.c.due_key).where(
        table.c.beneficiary_id.in_([p.person_id for p in people])))
    logged = {(person_id, key) for person_id, key in rows}
    return [p for p in people if (p.person_id, p.due_key) not in logged]


def _claim(people: list[Due], hashes: dict[str, str], today: dt.date, now: dt.datetime
           ) -> set[int]:
    """Insert the reminders' log rows unless they exist; return the people claimed now."""
    if not people:
        return set()
    table = ReminderLog.__table__
    stmt = (_insert(table).on_conflict_do_nothing(index_elements=["beneficiary_id", "due_key"])
            .returning(table.c.beneficiary_id))
    # Many parameter sets: SQLAlchemy sends them as a few multi-row INSERTs ("insertmanyvalues")
    # from one cached compiled statement, and returns the ids of the rows inserted.
    return set(db.session.execute(stmt, [
        {"beneficiary_id": p.person_id, "due_key": p.due_key, "mobile_hash": hashes[p.mobile],
         "sent_on": today, "sent_at": now} for p in people]).scalars())


def _texts_today(hashes: list[str], today: dt.date) -> dict[str, int]:
    table = ReminderLog.__table__
    return dict(db.session.execute(
        sa.select(table.c.mobile_hash, sa.func.count(sa.distinct(table.c.sms_message_id)))
        .where(table.c.mobile_hash.in_(hashes), table.c.sent_on == today)
        .group_by(table.c.mobile_hash)).all())


class Texts:
    """Reminder texts of one run: each translation and each date in each language is looked
    up once (a run writes thousands of texts from a handful of both)."""

    def __init__(self) -> None:
        self.base = current_app.config["PUBLIC_URL"].rstrip("/")
        self.templates: dict[tuple[str, str], str] = {}
        self.dates: dict[tuple[str, dt.date], str] = {}

    def _date(self, locale: str, day: dt.date) -> str:
        if (locale, day) not in self.dates:
            with force_locale(locale):
                self.dates[locale, day] = format_date(day, "medium")
        return self.dates[locale, day]

    def text(self, people: list[Due], locale: str) -> str:
        """The text for one mobile's people at one stage, in ``locale``."""
        key = (people[0].stage, locale)
        if key not in self.templates:
            self.templates[key] = render_sms(f"reminder_{key[0]}", locale)  # unfilled
        day = min((p.due_from if p.stage == "due" else p.due_until) for p in people)
        names = people[0].name if len(people) == 1 else format_list(
            [p.name for p in people], locale=locale)
        return self.templates[key] % {"names": names, "date": self._date(locale, day),
                                      "url": f"{self.base}/my",
                                      "stop": f"{self.base}/my/reminders"}


def _queue(people: list[Due], texts: Texts, dry_run: bool) -> tuple[int, list[dict]]:
    """Queue one text per mobile; return how many and the log rows to link to them."""
    by_mobile: dict[str, list[Due]] = defaultdict(list)
    for person in people:
        by_mobile[person.mobile].append(person)
    default = get_profile().default_locale
    links, messages = [], []
    for mobile, group in by_mobile.items():
        locale = group[0].locale or group[0].account_locale or default
        body = texts.text(group, locale)
        if dry_run:
            continue
        message = queue_sms(mobile, body, purpose=f"reminder_{group[0].stage}", locale=locale)
        messages.append((message, group))
    if messages:
        db.session.flush()
        links = [{"p": p.person_id, "k": p.due_key, "m": message.id}
                 for message, group in messages for p in group]
    return len(by_mobile), links


def _link(links: list[dict]) -> None:
    if links:
        table = ReminderLog.__table__
        db.session.execute(table.update().where(
            table.c.beneficiary_id == sa.bindparam("p"), table.c.due_key == sa.bindparam("k"))
            .values(sms_message_id=sa.bindparam("m")), links)


def _one_page(people: list[Due], today: dt.date, now: dt.datetime, settings: Settings,
              texts: Texts, result: RunResult, dry_run: bool) -> None:
    hashes = {m: mobile_hash(m) for m in {p.mobile for p in people}}
    opted = set(db.session.scalars(sa.select(SmsOptOut.mobile_hash).where(
        SmsOptOut.mobile_hash.in_(list(hashes.values())))))
    sent = _texts_today(list(hashes.values()), today)
    wanted = []
    for person in people:
        digest = hashes[person.mobile]
        if digest in opted:
            result.opted_out += 1
        elif sent.get(digest, 0) >= settings.daily_cap:
            result.capped += 1
        else:
            wanted.append(person)
    # A mobile texted in this page counts towards its cap in the next pages (its log rows).
    if dry_run:
        claimed_people = _unclaimed(wanted)
    else:
        claimed = _claim(wanted, hashes, today, now)
        claimed_people = [p for p in wanted if p.person_id in claimed]
    result.already += len(wanted) - len(claimed_people)
    queued, links = _queue(claimed_people, texts, dry_run)
    _link(links)
    result.texts += queued
    result.reminded += len(claimed_people)


def send(*, now: dt.datetime | None = None, limit: int | None = None, dry_run: bool = False,
         lock: bool = True, progress: Callable[[RunResult], None] = lambda r: None) -> RunResult:
    """Queue the reminders due now (see the module's docstring); commits page by page.
    ``limit`` stops after about that many people were considered; ``dry_run`` counts and
    writes nothing. ``now``: the run's moment (default: now); a run that reaches the quiet
    hours (``now`` plus the time it has taken) stops there."""
    settings = Settings.from_config(current_app.config)
    timezone = get_profile().timezone
    now = now or utcnow()
    started = time.monotonic()
    local = local_now(timezone, now)
    result = RunResult(local_time=local)
    if settings.is_quiet(local):
        result.quiet = True
        return result
    today = local.date()
    texts = Texts()
    with (_run_lock() if lock else _no_lock()) as free:
        if not free:
            result.busy = True
            return result
        for stage, booster in scans(settings):
            after, more = None, True
            while more:
                if limit is not None and result.considered >= limit:
                    result.stopped_early = True
                    return result
                people, after = page(stage, booster, today, settings, after)
                more = after is not None
                result.considered += len(people)
                _one_page(people, today, now, settings, texts, result, dry_run)
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
                progress(result)
                if more and settings.is_quiet(local_now(
                        timezone, now + dt.timedelta(seconds=time.monotonic() - started))):
                    result.stopped_early = True  # quiet hours began during the run
                    return result
    return result


@contextmanager
def _no_lock():
    yield True


# -- opt-out ----------------------------------------------------------------------------------

def opted_out(mobile: str) -> bool:
    return db.session.get(SmsOptOut, mobile_hash(mobile)) is not None


def set_opt_out(mobile: str, out: bool, *, source: str, account_id: int | None = None) -> bool:
    """Stop (``out``) or resume reminders to ``mobile``; audit-logged; returns whether anything
    changed. Does not commit."""
    digest = mobile_hash(mobile)
    row = db.session.get(SmsOptOut, digest)
    if out == (row is not None):
        return False
    if out:
        db.session.add(SmsOptOut(mobile_hash=digest, source=source))
    else:
        db.session.delete(row)
    audit("reminders.opt_out" if out else "reminders.opt_in", "citizen_account", account_id,
          source=source)
    return True
