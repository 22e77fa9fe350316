"""Overdue routine doses are reminded too (#19): their own text, once when a dose becomes
overdue and again ``REMINDER_ROUTINE_OVERDUE_EVERY`` days later (up to ``..._TIMES``), never
to an opted-out mobile, one text for several antigens of one visit."""

from __future__ import annotations

import datetime as dt

import pytest

from cowin_kit.reminders import operations
from cowin_kit.reminders.models import ReminderLog
from cowin_kit.reminders.selection import Settings
from tests.reminders.helpers import NOON, account, days, person, texts


def _overdue(db, child, antigen: str, overdue_on, last_day=None):
    from cowin_kit.registration.models import RoutineDue

    db.session.add(RoutineDue(beneficiary_id=child.id, programme="uip_children",
                              antigen=antigen, dose_number=1, dose_name=antigen.upper(),
                              due_on=overdue_on - dt.timedelta(days=28), overdue_on=overdue_on,
                              last_day=last_day))


def test_overdue_routine_doses_are_texted_once_and_again_later(app, db):
    family = account(db, "+919800000101")
    asha = person(db, family, "Baby Asha", due_from=None)
    for antigen in ("opv", "diphtheria", "tetanus"):  # one visit: three antigens, one text
        _overdue(db, asha, antigen, days(-2))
    _overdue(db, asha, "measles", days(60))  # not yet
    ravi = person(db, account(db, "+919800000102"), "Baby Ravi", due_from=None)
    _overdue(db, ravi, "bcg", days(-29))  # overdue for four weeks: the second reminder
    old = person(db, account(db, "+919800000103"), "Baby Old", due_from=None)
    _overdue(db, old, "bcg", days(-45))  # between the windows: not today
    gone = person(db, account(db, "+919800000104"), "Baby Gone", due_from=None)
    _overdue(db, gone, "hepb", days(-1), last_day=days(-1))  # no longer given
    quiet = account(db, "+919800000105")
    _overdue(db, person(db, quiet, "Baby Quiet", due_from=None), "opv", days(-1))
    operations.set_opt_out(quiet.mobile, True, source="citizen")
    db.session.commit()

    result = operations.send(now=NOON)

    assert result.texts == 2 and result.opted_out == 1
    [first] = texts(db, family.mobile)
    assert first.purpose == "reminder_routine_overdue"
    assert "Baby Asha" in first.body and first.body.count("Baby Asha") == 1
    [second] = texts(db, "+919800000102")
    assert second.purpose == "reminder_routine_overdue" and "Baby Ravi" in second.body
    assert texts(db, "+919800000103") == [] and texts(db, "+919800000104") == []
    assert texts(db, quiet.mobile) == []
    keys = {r.beneficiary_id: r.due_key for r in db.session.query(ReminderLog)}
    assert keys == {asha.id: "R:2026-12-03:overdue0", ravi.id: "R:2026-11-06:overdue1"}
    assert operations.send(now=NOON).texts == 0  # once


def test_no_repeat_when_the_setting_asks_for_one_reminder(app, db):
    app.config["REMINDER_ROUTINE_OVERDUE_TIMES"] = 1
    ravi = person(db, account(db, "+919800000111"), "Baby Ravi", due_from=None)
    _overdue(db, ravi, "bcg", days(-29))
    db.session.commit()
    assert operations.send(now=NOON).texts == 0


@pytest.mark.parametrize("config", [{"REMINDER_ROUTINE_OVERDUE_EVERY": "0"},
                                    {"REMINDER_ROUTINE_OVERDUE_EVERY": "5"},
                                    {"REMINDER_ROUTINE_OVERDUE_TIMES": "-1"}])
def test_bad_overdue_cadence_is_refused(config):
    with pytest.raises(ValueError, match="ROUTINE_OVERDUE"):
        Settings.from_config(config)
