"""``cowin-kit reminders``: the scheduled job that texts due and overdue doses, and opt-outs
for STOP replies a gateway forwards (docs/reminders.md)."""

from __future__ import annotations

import click

from cowin_kit.cli.common import pass_app
from cowin_kit.core.db import db
from cowin_kit.core.sms import wait_for_deliveries
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import InvalidMobile, normalize_mobile
from cowin_kit.reminders import operations


@click.group("reminders")
def reminders_group() -> None:
    """SMS reminders of due and overdue doses."""


def _line(result: operations.RunResult) -> str:
    return (f"{result.considered} considered, {result.reminded} reminded in {result.texts} "
            f"text(s); skipped: {result.already} already reminded, {result.opted_out} opted "
            f"out, {result.capped} over the daily cap")


@reminders_group.command("send")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; write nothing.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Stop after about this many people (each page is committed).")
@pass_app
def send_command(app, dry_run, limit) -> None:
    """Queue reminders for people whose next dose starts within REMINDER_DAYS_AHEAD days or
    became overdue in the last REMINDER_CATCH_UP_DAYS days: one text per mobile, in the
    person's language, outside the quiet hours, within the daily cap. Run it every hour or
    so (cron, the chart's CronJob); a second run the same day sends nothing new."""
    try:
        result = operations.send(
            dry_run=dry_run, limit=limit,
            progress=lambda r: click.echo(f"… {_line(r)}", err=True))
    except ValueError as exc:  # a REMINDER_* setting
        raise click.ClickException(str(exc)) from exc
    when = result.local_time.strftime("%Y-%m-%d %H:%M %Z")
    if result.quiet:
        click.echo(f"quiet hours in {get_profile().timezone} ({when}): nothing queued")
        return
    if result.busy:
        click.echo("another `reminders send` is running: nothing queued")
        return
    prefix = "dry run, nothing written: " if dry_run else ""
    suffix = " (stopped early: --limit or quiet hours)" if result.stopped_early else ""
    click.echo(f"{prefix}{_line(result)} at {when}{suffix}")
    if not dry_run and not wait_for_deliveries(timeout=600):
        click.echo("some texts are still being delivered; `cowin-kit sms deliver` sends them")


def _mobile(raw: str) -> str:
    try:
        return normalize_mobile(get_profile(), raw)
    except InvalidMobile as exc:
        raise click.BadParameter(exc.text(), param_hint="MOBILE") from exc


def _opt_command(name: str, out: bool, doc: str, done: str, unchanged: str):
    @reminders_group.command(name, help=doc)
    @click.argument("mobile")
    @pass_app
    def command(app, mobile) -> None:
        changed = operations.set_opt_out(_mobile(mobile), out, source="stop")
        db.session.commit()
        click.echo(done if changed else unchanged)

    return command


opt_out_command = _opt_command(
    "opt-out", True, "Stop reminders to MOBILE (e.g. a STOP reply the SMS gateway forwarded).",
    "opted out", "already opted out")
opt_in_command = _opt_command("opt-in", False, "Resume reminders to MOBILE.", "opted in",
                              "was not opted out")


commands = [reminders_group]
