"""``cowin-kit sms outbox`` reads the messages held by the outbox backend; ``cowin-kit sms
deliver`` sends the notifications a stopped process left queued; ``cowin-kit sms purge`` deletes
finished texts after the retention period. The commands chain: ``cowin-kit sms deliver purge``
(the chart's CronJob) runs both."""

from __future__ import annotations

import click

from cowin_kit.cli.common import pass_app
from cowin_kit.core.db import utcnow
from cowin_kit.core.errors import KitError
from cowin_kit.core.sms import deliver_queued, purge_finished, stranded
from cowin_kit.core.sms_outbox import outbox
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.phones import normalize_mobile


@click.group("sms", chain=True)
def sms_group() -> None:
    """Text messages sent to citizens (commands chain: `sms deliver purge`)."""


@sms_group.command("outbox")
@click.option("--mobile", default=None, help="Only messages for this mobile number.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@pass_app
def outbox_command(app, mobile: str | None, limit: int) -> None:
    """Show the newest messages held by the outbox backend (demo and tests)."""
    if mobile:
        try:
            mobile = normalize_mobile(get_profile(), mobile)
        except KitError as exc:
            raise click.BadParameter(exc.text(), param_hint="--mobile") from exc
    messages = outbox(mobile, limit)
    if not messages:
        click.echo("No messages in the outbox" + (f" for {mobile}." if mobile else "."))
        return
    for message in messages:
        stamp = message.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"{stamp}  {message.mobile}  [{message.purpose}, {message.locale}]  "
                   f"{message.body}")


@sms_group.command("deliver")
@click.option("--older-than", "older_than", default=300, show_default=True,
              type=click.IntRange(0, None), metavar="SECONDS",
              help="Only messages waiting at least this long (younger ones are still in "
                   "their process's hands).")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 100000))
@pass_app
def deliver_command(app, older_than: int, limit: int) -> None:
    """Deliver notifications left queued by a process that stopped (run it from cron or a
    Kubernetes CronJob; safe beside running workers and other runs)."""
    import datetime as dt

    cutoff = utcnow() - dt.timedelta(seconds=older_than)
    ids = stranded(cutoff, limit)
    if not ids:
        click.echo("No queued messages to deliver.")
        return
    counts = {"sent": 0, "failed": 0}
    with click.progressbar(ids, label=f"Delivering {len(ids)} queued messages") as bar:
        for message_id in bar:
            for message in deliver_queued([message_id], stale_before=cutoff):
                counts["sent" if message.status == "sent" else "failed"] += 1
    click.echo(f"Sent {counts['sent']}, failed {counts['failed']} "
               f"(a failed message keeps the provider's answer as its error).")


@sms_group.command("purge")
@click.option("--older-than-days", "days", default=None, type=click.IntRange(1, None),
              metavar="DAYS", help="Retention in days (default: COWIN_KIT_SMS_RETENTION_DAYS).")
@pass_app
def purge_command(app, days: int | None) -> None:
    """Delete texts that are finished (sent, held or failed) and older than the retention; texts
    still waiting to go out are kept. Run it daily (cron, systemd timer, the chart's CronJob)."""
    import datetime as dt

    days = days if days is not None else int(app.config["SMS_RETENTION_DAYS"])
    if days < 1:
        raise click.BadParameter("must be at least 1 day", param_hint="COWIN_KIT_SMS_RETENTION_DAYS")
    removed = purge_finished(utcnow() - dt.timedelta(days=days))
    click.echo(f"Deleted {removed} finished text messages older than {days} days.")


commands = [sms_group]
