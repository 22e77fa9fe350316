"""`cowin-kit reminders send` and the opt-out commands (#19)."""

from __future__ import annotations

import datetime as dt

from cowin_kit.cli import cli
from cowin_kit.reminders import operations
from tests.reminders.helpers import account, person, texts


def _env(app, database_url, **extra) -> dict:
    return {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
            "COWIN_KIT_PROFILE": app.config["PROFILE"],
            "COWIN_KIT_PROFILES_DIR": app.config["PROFILES_DIR"], **extra}


def _today_in_india() -> dt.date:
    return operations.local_now("Asia/Kolkata", dt.datetime.now(dt.timezone.utc)).date()


def test_send_dry_run_then_send_then_nothing_new(app, db, runner, database_url):
    person(db, account(db, "+919800000201"), "Asha", due_from=_today_in_india())
    db.session.commit()
    env = _env(app, database_url, COWIN_KIT_REMINDER_QUIET_HOURS="")

    dry = runner.invoke(cli, ["reminders", "send", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing written: 1 considered, 1 reminded in 1 text(s)" in dry.output
    assert texts(db) == []

    sent = runner.invoke(cli, ["reminders", "send", "--limit", "10"], env=env)
    assert sent.exit_code == 0, sent.output
    assert "1 reminded in 1 text(s)" in sent.output and len(texts(db)) == 1
    again = runner.invoke(cli, ["reminders", "send"], env=env)
    assert "0 reminded in 0 text(s); skipped: 1 already reminded" in again.output
    assert len(texts(db)) == 1


def test_send_in_quiet_hours_says_so(app, db, runner, database_url):
    person(db, account(db, "+919800000202"), "Asha", due_from=_today_in_india())
    db.session.commit()
    env = _env(app, database_url, COWIN_KIT_REMINDER_QUIET_HOURS="00:00-23:59")
    result = runner.invoke(cli, ["reminders", "send"], env=env)
    assert result.exit_code == 0 and "quiet hours in Asia/Kolkata" in result.output
    assert "nothing queued" in result.output and texts(db) == []


def test_bad_settings_and_mobiles_are_refused_clearly(app, runner, database_url):
    bad = runner.invoke(cli, ["reminders", "send"],
                        env=_env(app, database_url, COWIN_KIT_REMINDER_DAILY_CAP="many"))
    assert bad.exit_code == 1 and "COWIN_KIT_REMINDER_DAILY_CAP must be a whole number" in bad.output
    wrong = runner.invoke(cli, ["reminders", "opt-out", "123"], env=_env(app, database_url))
    assert wrong.exit_code == 2 and "MOBILE" in wrong.output


def test_a_stop_reply_opts_out_and_opt_in_resumes(app, db, runner, database_url):
    env = _env(app, database_url)
    result = runner.invoke(cli, ["reminders", "opt-out", "98000 00203"], env=env)
    assert result.exit_code == 0 and "opted out" in result.output
    assert operations.opted_out("+919800000203")
    assert "already opted out" in runner.invoke(
        cli, ["reminders", "opt-out", "+919800000203"], env=env).output
    assert "opted in" in runner.invoke(cli, ["reminders", "opt-in", "9800000203"], env=env).output
    db.session.rollback()
    assert not operations.opted_out("+919800000203")
