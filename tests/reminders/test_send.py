"""Who `reminders send` texts (#19): due soon, just overdue, not yet due, opted out, quiet
hours, the daily cap, a second run the same day, the person's language."""

from __future__ import annotations

import datetime as dt

import pytest

from cowin_kit.reminders import operations
from cowin_kit.reminders.models import ReminderLog
from cowin_kit.reminders.selection import Settings
from tests.reminders.helpers import NOON, account, days, person, texts


def test_due_and_overdue_people_are_texted_once_per_mobile(app, db):
    family = account(db, "+919800000001")
    person(db, family, "Asha", due_from=days(1))  # due in a day: reminded
    person(db, family, "Ravi", due_from=days(-2))  # due since two days: reminded, same text
    late = account(db, "+919800000002")
    person(db, late, "Meena", due_from=days(-40), due_until=days(-3))  # overdue since 3 days
    far = account(db, "+919800000003")
    person(db, far, "Gopal", due_from=days(20))  # not yet
    person(db, far, "Old", due_from=days(-90), due_until=days(-60))  # overdue long ago
    person(db, far, "Done", due_from=None, due_until=None)  # schedule complete
    db.session.commit()

    result = operations.send(now=NOON)

    assert (result.reminded, result.texts) == (3, 2)
    [family_text] = texts(db, "+919800000001")
    assert family_text.purpose == "reminder_due"
    assert "Asha" in family_text.body and "Ravi" in family_text.body
    assert "http://localhost/my/reminders" in family_text.body  # how to stop them
    [late_text] = texts(db, "+919800000002")
    assert late_text.purpose == "reminder_overdue" and "Meena" in late_text.body
    assert texts(db, "+919800000003") == []


def test_a_second_run_the_same_day_queues_nothing_new(app, db):
    person(db, account(db, "+919800000011"), "Asha", due_from=days(0))
    db.session.commit()
    assert operations.send(now=NOON).texts == 1
    again = operations.send(now=NOON + dt.timedelta(hours=3))
    assert (again.texts, again.already) == (0, 1)
    assert len(texts(db)) == 1
    row = db.session.query(ReminderLog).one()
    assert row.sms_message_id == texts(db)[0].id and row.sent_on == dt.date(2026, 12, 5)


def test_opted_out_mobiles_get_nothing_until_they_opt_back_in(app, db):
    owner = account(db, "+919800000021")
    person(db, owner, "Asha", due_from=days(0))
    operations.set_opt_out(owner.mobile, True, source="citizen", account_id=owner.id)
    db.session.commit()
    result = operations.send(now=NOON)
    assert (result.texts, result.opted_out) == (0, 1)
    operations.set_opt_out(owner.mobile, False, source="citizen", account_id=owner.id)
    db.session.commit()
    assert operations.send(now=NOON).texts == 1


def test_quiet_hours_in_the_country_time_zone_queue_nothing(app, db):
    person(db, account(db, "+919800000031"), "Asha", due_from=days(0))
    db.session.commit()
    late_evening = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.timezone.utc)  # 21:30 in India
    result = operations.send(now=late_evening)
    assert result.quiet and result.texts == 0 and texts(db) == []
    app.config["REMINDER_QUIET_HOURS"] = ""  # none
    assert operations.send(now=late_evening).texts == 1


def test_the_daily_cap_per_mobile_holds_the_rest_for_another_day(app, db):
    app.config.update(REMINDER_DAILY_CAP=1)
    owner = account(db, "+919800000041")
    person(db, owner, "Asha", due_from=days(0))  # a due text
    person(db, owner, "Ravi", due_from=days(-30), due_until=days(-1))  # an overdue text
    db.session.commit()
    first = operations.send(now=NOON)
    assert (first.texts, first.capped) == (1, 1)
    assert operations.send(now=NOON).texts == 0  # still today
    tomorrow = operations.send(now=NOON + dt.timedelta(days=1))
    assert tomorrow.texts == 1 and "Ravi" in texts(db)[-1].body


def test_texts_are_in_the_person_language(app, db):
    owner = account(db, "+919800000051", locale="en_IN")
    person(db, owner, "Asha", due_from=days(0), locale="hi_IN")
    english = account(db, "+919800000052", locale=None)
    person(db, english, "Ravi", due_from=days(0))
    db.session.commit()
    operations.send(now=NOON)
    [hindi] = texts(db, owner.mobile)
    assert hindi.locale == "hi_IN"
    assert "दिस" in hindi.body  # the date in Hindi (दिसंबर), whatever the catalog translates
    [default] = texts(db, english.mobile)
    assert default.locale == "en_IN" and "Dec" in default.body


def test_dry_run_counts_and_writes_nothing(app, db):
    person(db, account(db, "+919800000061"), "Asha", due_from=days(0))
    db.session.commit()
    result = operations.send(now=NOON, dry_run=True)
    assert (result.reminded, result.texts) == (1, 1)
    assert texts(db) == [] and db.session.query(ReminderLog).count() == 0


def test_pages_are_walked_by_key_and_limit_stops_early(app, db):
    app.config.update(REMINDER_BATCH=2)
    for i in range(5):
        person(db, account(db, f"+91980000007{i}"), f"P{i}", due_from=days(i % 2))
    db.session.commit()
    stopped = operations.send(now=NOON, limit=2)
    assert stopped.stopped_early and stopped.texts == 2
    rest = operations.send(now=NOON)
    assert rest.texts == 3 and len(texts(db)) == 5  # every one once, across pages


@pytest.mark.parametrize("value", ["21-8", "25:00-08:00", "x"])
def test_bad_quiet_hours_are_refused_with_the_expected_form(value):
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        Settings.from_config({"REMINDER_QUIET_HOURS": value})


def test_quiet_hours_across_midnight():
    settings = Settings.from_config({"REMINDER_QUIET_HOURS": "21:00-08:00"})
    at = lambda h, m=0: dt.datetime(2026, 12, 5, h, m)  # noqa: E731
    assert settings.is_quiet(at(21)) and settings.is_quiet(at(3)) and settings.is_quiet(at(7, 59))
    assert not settings.is_quiet(at(8)) and not settings.is_quiet(at(20, 59))


def test_routine_doses_kept_on_the_row_are_reminded_too(app, db):
    owner = account(db, "+919800000081")
    child = person(db, owner, "Baby Asha", due_from=None)
    child.next_routine_due, child.next_routine_overdue = days(2), days(30)
    later = person(db, account(db, "+919800000082"), "Baby Ravi", due_from=None)
    later.next_routine_due = days(40)
    db.session.commit()
    result = operations.send(now=NOON)
    assert result.texts == 1
    [text] = texts(db, owner.mobile)
    assert text.purpose == "reminder_due" and "Baby Asha" in text.body
    assert db.session.query(ReminderLog).one().due_key == "R:2026-12-07:due"
    assert operations.send(now=NOON).texts == 0  # once
