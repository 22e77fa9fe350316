"""``cowin-kit sms outbox``: read the messages held by the outbox SMS backend."""

from __future__ import annotations

import click

from cowin_kit.cli.common import pass_app


@click.group("sms")
def sms_group() -> None:
    """Text messages sent to citizens."""


@sms_group.command("outbox")
@click.option("--mobile", default=None, help="Only messages for this mobile number.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@pass_app
def outbox_command(app, mobile: str | None, limit: int) -> None:
    """Show the newest messages held by the outbox backend (demo and tests)."""
    from cowin_kit.core.errors import KitError
    from cowin_kit.core.sms import outbox
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.phones import normalize_mobile

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


commands = [sms_group]
