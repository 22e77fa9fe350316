"""``cowin-kit lottery``: open lottery rounds, run the draws and offer deadlines (the scheduled
job), publish and verify a draw (docs/fair-access.md)."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from cowin_kit.areas.models import Area
from cowin_kit.booking import lottery, lottery_draw, operations, standby
from cowin_kit.booking.models import Facility, VaccinationSession
from cowin_kit.cli.common import pass_app
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError


def _refused(exc) -> click.ClickException:
    details = "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in exc.fields.items())
    return click.ClickException(f"{exc.text()} {details}".strip())


@click.group("lottery")
def lottery_group() -> None:
    """Slot lotteries and standby offers (fair access when doses are scarce)."""


@lottery_group.command("open")
@click.option("--session", "session_id", default=None, help="One session's id.")
@click.option("--area", "area_code", default=None, metavar="CODE",
              help="Every open session in this area (and below) on --date.")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD")
@click.option("--hours", default=24, show_default=True, type=int,
              help="How long the request window stays open.")
@click.option("--confirm-hours", default=12, show_default=True, type=int,
              help="How long a winner has to confirm.")
@pass_app
def open_command(app, session_id, area_code, day, hours, confirm_hours) -> None:
    """Open lottery rounds now; prints each session's seed commitment (publish it)."""
    import sqlalchemy as sa

    if bool(session_id) == bool(area_code):
        raise click.UsageError("give --session ID, or --area CODE with --date")
    try:
        if session_id:
            sessions = [operations.load_session(session_id)]
        else:
            try:
                when = dt.date.fromisoformat(day or "")
            except ValueError:
                raise click.UsageError("--date YYYY-MM-DD is needed with --area") from None
            area = db.session.scalar(sa.select(Area).where(Area.code == area_code))
            if area is None:
                raise click.ClickException(f"no area with code {area_code!r}")
            sessions = list(db.session.scalars(
                sa.select(VaccinationSession).join(Facility).join(Area, Area.id == Facility.area_id)
                .where(Area.path.startswith(area.path), VaccinationSession.date == when,
                       VaccinationSession.status == "open")))
        for session in sessions:
            opened = lottery.open_round(None, session, hours=hours, confirm_hours=confirm_hours)
            click.echo(f"{session.id}\tcloses {opened.closes_at.isoformat()}\t"
                       f"commitment {opened.seed_commitment}")
    except KitError as exc:
        raise _refused(exc) from None
    if not sessions:
        click.echo("No open session matches.")


@lottery_group.command("run")
@pass_app
def run_command(app) -> None:
    """Draw every round whose window has closed, and pass lapsed lottery and standby offers
    on to the next person. Run it every few minutes (cron, a Kubernetes CronJob)."""
    drawn = 0
    for lottery_round in lottery.due_rounds():
        lottery.draw(lottery_round)
        drawn += 1
    lapsed = lottery.expire_offers()
    standby_lapsed = standby.expire_offers()
    click.echo(f"drawn {drawn} round(s); {lapsed} lottery offer(s) and {standby_lapsed} "
               "standby offer(s) lapsed and went to the next person")


@lottery_group.command("publish")
@click.argument("session_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@pass_app
def publish_command(app, session_id, output) -> None:
    """Write a drawn round's inputs and outcome (the same JSON the API publishes)."""
    try:
        text = json.dumps(lottery.published(lottery.round_of(session_id)), indent=1)
    except KitError as exc:
        raise _refused(exc) from None
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text)


@lottery_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def verify_command(path) -> None:
    """Recompute a published draw offline (no database, no instance needed); exit 1 when it
    does not follow from its seed and entries."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        problems = lottery_draw.verify(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"{path}: not a published draw ({exc})") from None
    for problem in problems:
        click.echo(f"MISMATCH: {problem}")
    if problems:
        sys.exit(1)
    click.echo(f"OK: {len(data['entries'])} entries; the order and the first offers follow "
               "from the revealed seed, which matches its commitment")


commands = [lottery_group]
