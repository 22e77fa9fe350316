"""``cowin-kit seed`` and ``cowin-kit reports rollup|targets|export``."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from cowin_kit.areas.models import Area
from cowin_kit.cli.common import pass_app
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration import routine_refresh, routine_rows
from cowin_kit.registration.next_due import rebuild
from cowin_kit.reporting import exports
from cowin_kit.reporting.bands import age_bands
from cowin_kit.reporting.labels import local_today
from cowin_kit.reporting.operations import TargetsRejected, import_targets
from cowin_kit.reporting.catalog import all_reports
from cowin_kit.reporting.reports import Params
from cowin_kit.reporting.rollup import rebuild_counters, rollup_span
from cowin_kit.reporting.seed import seed


def _bands():
    return age_bands(get_profile())


def run_rollup(echo=click.echo) -> int:
    """Rebuild every counter from the records with a progress bar; return doses counted."""
    started = time.monotonic()
    with click.progressbar(length=rollup_span(), label="Rolling up doses (days)") as bar:
        total = rebuild_counters(_bands(), progress=bar.update)
    db.session.commit()
    echo(f"Counted {total:,} doses in {time.monotonic() - started:.1f}s.")
    return total


def run_rebuild_due(echo=click.echo) -> int:
    """Recompute every person's stored next dose with a progress bar; return rows changed."""
    import sqlalchemy as sa

    started = time.monotonic()
    people = db.session.scalar(sa.select(sa.func.count(Beneficiary.id)))
    with click.progressbar(length=people, label="Next doses (people)") as bar:
        changed = rebuild(db.session, get_profile(), progress=bar.update)
    echo(f"Updated the next dose of {changed:,} people in {time.monotonic() - started:.1f}s.")
    started = time.monotonic()
    routine, today = get_profile().routine, local_today()
    with click.progressbar(length=routine_rows.candidates_count(db.session, routine, today),
                           label="Routine doses due (people)") as bar:
        rows = routine_rows.rebuild(db.session, routine, today, progress=bar.update)
    echo(f"Stored {rows:,} open routine doses (per antigen) in "
         f"{time.monotonic() - started:.1f}s.")
    return changed


@click.command("seed")
@click.option("--beneficiaries", type=click.IntRange(1), default=10_000, show_default=True)
@click.option("--facilities", type=click.IntRange(1), default=200, show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help="Spread doses over this many past days (up to today).")
@click.option("--batch", type=click.IntRange(100), default=20_000, show_default=True)
@click.option("--random-seed", type=int, default=2021, show_default=True)
@pass_app
def seed_command(app, beneficiaries: int, facilities: int, days: int, batch: int,
                 random_seed: int):
    """Add synthetic facilities, sessions, people and doses (load tests), then roll up."""
    started = time.monotonic()
    with click.progressbar(length=beneficiaries, label="Seeding beneficiaries") as bar:
        try:
            made = seed(get_profile(), beneficiaries=beneficiaries, facilities=facilities,
                        days=days, today=local_today(), batch=batch, rng_seed=random_seed,
                        progress=bar.update)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(", ".join(f"{v:,} {k}" for k, v in made.items())
               + f" in {time.monotonic() - started:.1f}s.")
    run_rollup()
    run_rebuild_due()


@click.group("reports")
def reports_group():
    """Dashboard counters, target populations and report exports."""


@reports_group.command("rollup")
@pass_app
def rollup_command(app):
    """Rebuild the dashboard counters from the dose records (repair, after bulk loads)."""
    run_rollup()


@reports_group.command("rebuild-due")
@pass_app
def rebuild_due_command(app):
    """Recompute every person's next due dose and open routine doses per antigen (after bulk
    loads or a schedule change)."""
    run_rebuild_due()


@reports_group.command("refresh-routine-due")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
              help="The day of the last run (default: a week ago; a week of missed runs is "
                   "caught up). Doses whose last day has passed are refreshed whatever it is.")
@click.option("--batch", type=click.IntRange(1), default=2000, show_default=True)
@pass_app
def refresh_routine_due_command(app, since, batch: int):
    """Recompute only the people whose open routine doses moved on with the calendar (a dose
    whose last day passed, a child reaching a catch-up age or adult documents, a pregnancy
    long past its expected delivery); daily, cheap, safe to run twice."""
    routine, today = get_profile().routine, local_today()
    if routine is None:
        click.echo("The profile has no routine schedule: nothing to refresh.")
        return
    started = time.monotonic()
    since = since.date() if since else today - dt.timedelta(days=7)
    with click.progressbar(length=0, label="Routine doses due (people)") as bar:
        def begin(n: int) -> None:
            bar.length = n

        result = routine_refresh.refresh(db.session, routine, since, today, batch=batch,
                                         start=begin, progress=bar.update)
    if result.busy:
        click.echo("Another run is refreshing the routine doses; this one did nothing.")
        return
    click.echo(f"Checked {result.stale:,} people, updated {result.changed:,} "
               f"({result.rows:,} open routine doses) in {time.monotonic() - started:.1f}s.")


@reports_group.command("targets")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def targets_command(app, csv_file: Path):
    """Import target populations (CSV: area_code, age_band, population); all rows or none."""
    try:
        saved = import_targets(csv_file.read_text(encoding="utf-8-sig"), get_profile())
    except TargetsRejected as exc:
        for error in exc.errors:
            click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s); nothing was imported") from exc
    click.echo(f"Saved {saved} target populations.")


@reports_group.command("export")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--area", "area_code", help="Area code (default: the whole country).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--cohort", help="fic, dropout: birth year (2024) or month (2024-03).")
@click.option("--antigen", help="routine_due: one antigen of routine.yaml (default: all).")
@click.option("--status", type=click.Choice(["due", "overdue"]),
              help="routine_due: only due (not yet overdue) or only overdue doses.")
@pass_app
def export_command(app, kind: str, fmt: str, output: Path, area_code: str | None,
                   date_from, date_to, cohort: str | None, antigen: str | None,
                   status: str | None):
    """Write a report (coverage, dose2_due, booster_due, noshow, wastage, aefi, equity, fic,
    dropout, routine_due) to a file."""
    import sqlalchemy as sa

    reports = all_reports()
    if kind not in reports:
        raise click.BadParameter(f"use one of: {', '.join(reports)}", param_hint="KIND")
    area = None
    if area_code:
        area = db.session.scalar(sa.select(Area).where(Area.code == area_code))
        if area is None:
            raise click.BadParameter(f"no area with code {area_code}", param_hint="--area")
    today = local_today()
    end = date_to.date() if date_to else today
    params = Params(area=area, date_from=date_from.date() if date_from else
                    end - dt.timedelta(days=29), date_to=end, today=today, cohort=cohort,
                    antigen=antigen, status=status)
    report = reports[kind]
    if report.check is not None:
        with app.test_request_context():
            try:
                report.check(params)
            except KitError as exc:
                raise click.UsageError("; ".join(
                    [exc.text(), *(str(m) for ms in exc.fields.values() for m in ms)])) from None
    if report.personal:
        filters = {"antigen": antigen, "status": status}
        audit("report.export", "report", kind, area=area_code, via="cli", output=str(output),
              **{k: v for k, v in filters.items() if v and report.by_antigen})
        db.session.commit()
    with app.test_request_context(), \
            click.progressbar(length=report.size(params), label=f"Exporting {kind}") as bar:
        if fmt == "csv":
            with output.open("w", encoding="utf-8", newline="") as handle:
                for chunk in exports.csv_chunks(report, params, tick=bar.update):
                    handle.write(chunk)
        else:
            with output.open("wb") as handle:
                exports.write_xlsx(report, params, handle, tick=bar.update)
    click.echo(f"Wrote {output}.")


commands = [seed_command, reports_group]
