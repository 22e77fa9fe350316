"""``cowin-kit profile validate | list | show | check-id`` (no database needed)."""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from cowin_kit.profiles.areafile import read_areas
from cowin_kit.config import DEFAULTS
from cowin_kit.core.errors import NotFound

from .identity import InvalidIdDocument
from .loader import ProfileError, list_profiles, load_profile, resolve_profile_dir
from .validate import validate_folder


def profiles_dir() -> str:
    return os.environ.get("COWIN_KIT_PROFILES_DIR") or str(DEFAULTS["PROFILES_DIR"])


def _load(code: str):
    try:
        return load_profile(code, profiles_dir())
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("profile")
def profile_group() -> None:
    """Check and inspect country profiles (country_profiles/<cc>/)."""


@profile_group.command("validate")
@click.argument("paths", nargs=-1, required=True)
def validate_command(paths) -> None:
    """Validate profile folders, profile.yaml files or profile codes.

    Prints one line per problem as file:line: message and exits 1 when there is any.
    """
    total = 0
    for ref in paths:
        try:
            folder = resolve_profile_dir(ref, profiles_dir())
        except ProfileError as exc:
            click.echo(f"{ref}:1: {exc}")
            total += 1
            continue
        _src, problems = validate_folder(folder)
        for problem in problems:
            click.echo(str(problem))
        total += len(problems)
        if not problems:
            click.echo(f"{folder}: ok", err=True)
    if total:
        click.echo(f"{total} problem(s)", err=True)
        sys.exit(1)


@profile_group.command("list")
def list_command() -> None:
    """List the shipped profiles (code, country, languages)."""
    for code in list_profiles(profiles_dir()):
        try:
            profile = load_profile(code, profiles_dir())
        except ProfileError:
            click.echo(f"{code}\t(invalid: run cowin-kit profile validate {code})")
            continue
        click.echo(f"{code}\t{profile.country_name('en')}\t{', '.join(profile.locale_ids)}")


def _duration(value) -> str:
    import isodate

    return "—" if value is None else isodate.duration_isoformat(value)


@profile_group.command("show")
@click.argument("code")
@click.option("--language", default=None, help="Language for labels (default: the profile's).")
def show_command(code, language) -> None:
    """Print a readable summary of a profile."""
    p = _load(code)
    lang = language or p.default_language
    out = click.echo
    out(f"{p.country_name(lang)} ({p.alpha2} / {p.alpha3}) — profile '{p.code}' at {p.path}")
    out(f"  time zone {p.timezone}; currency {p.currency or '—'}; phones: region "
        f"{p.phone.region}, accepted {', '.join(p.phone.mobile_types)}")
    out("  languages: " + ", ".join(f"{loc.id} ({loc.direction}, {loc.digits})"
                                    for loc in p.locales) + f"; default {p.default_locale}")
    out("  genders: " + ", ".join(f"{g.code} {g.label(lang)}" for g in p.genders))
    out("Identity documents:")
    for doc in p.id_documents:
        encodes = f", encodes {'/'.join(doc.encodes)}" if doc.encodes else ""
        check = doc.check if isinstance(doc.check, str) else doc.check.get("name")
        out(f"  {doc.id:18} {doc.label(lang)} — check {check}{encodes}, from age {doc.min_age}")
    out("Admin levels: " + " > ".join(f"{lv.key} ({lv.label(lang)})" for lv in p.admin_levels))
    _show_areas(p)
    out("Vaccines:")
    for vac in p.vaccines:
        ages = f"ages {vac.min_age if vac.min_age is not None else 0}" + (
            f"–{vac.max_age}" if vac.max_age is not None else "+")
        out(f"  {vac.id:14} {vac.name} ({vac.manufacturer}, {vac.platform}), {ages}")
    out("Schedules:")
    for s in p.schedules:
        gaps = ", ".join(f"{_duration(i.min)}–{_duration(i.max)}" for i in s.intervals)
        out(f"  {s.vaccine:14} {s.doses} dose(s){'; intervals ' + gaps if gaps else ''}")
        for rule in s.rules:
            rgaps = ", ".join(f"{_duration(i.min)}–{_duration(i.max)}" for i in rule.intervals)
            out(f"  {'':14}   {rule.period.start} to {rule.period.until or 'now'}: {rgaps}")
    for b in p.boosters:
        out(f"Booster after {', '.join(b.after)}: {', '.join(b.products)} from "
            f"{b.base.period.start}, ≥ {_duration(b.base.min_interval)} after the last dose, "
            f"age {b.base.min_age}+, {b.count} allowed")
        for t in b.rules:
            out(f"    {t.period.start} to {t.period.until or 'now'}: {', '.join(t.products)}, "
                f"≥ {_duration(t.min_interval)}, age {t.min_age}+"
                + (f" or {', '.join(t.groups)}" if t.groups else ""))
    if p.routine is not None:
        src = p.routine.source
        out(f"Routine immunisation: {src['document']} ({src['edition']}; checked "
            f"{src['checked']})")
        for prog in p.routine.programmes:
            out(f"  {prog.id} ({prog.kind}, by {prog.anchor}): " + ", ".join(
                f"{s.antigen} ×{len(s.doses)}" for s in prog.series))
    e = p.eligibility
    out(f"Eligibility: from age {e.min_age} (age on {e.age_on}); priority groups: "
        + (", ".join(g.id for g in e.priority_groups) or "—"))
    for phase in e.phases:
        who = [f"age {phase.min_age}+" if phase.min_age is not None else "",
               "groups " + "/".join(phase.groups) if phase.groups else ""]
        out(f"  from {phase.period.start}: {' and '.join(w for w in who if w) or 'everyone'}")
    b = p.booking
    out(f"Booking: {b.beneficiaries_per_mobile} per mobile, {b.days_ahead} days ahead, "
        f"cancel until {_duration(b.cancel_cutoff)} before the day, birth {b.birth}")
    c = p.certificates
    out(f"Certificates: {', '.join(c.formats)}; issuer {c.issuer_name} ({c.issuer_country}); "
        f"languages {', '.join(c.languages)}; validity "
        f"{c.validity_duration if c.validity_duration else 'none'}")


def _show_areas(p) -> None:
    if not p.areas_csv_path.is_file():
        click.echo("  areas file: missing")
        return
    rows, problems = read_areas(p.areas_csv_path, [lv.key for lv in p.admin_levels])
    counts = {lv.key: sum(1 for r in rows if r.level_key == lv.key) for lv in p.admin_levels}
    click.echo(f"  {p.areas_csv_path.name}: " + ", ".join(f"{n} {k}" for k, n in counts.items())
               + (f" ({len(problems)} problem(s))" if problems else ""))


@profile_group.command("check-id")
@click.option("--profile", "code", required=True, metavar="CC", help="Country profile code.")
@click.option("--birth-year", type=int, default=None, help="Cross-check against this year.")
@click.option("--birth-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Cross-check against this birth date (YYYY-MM-DD).")
@click.option("--gender", type=click.Choice(["M", "F", "O"]), default=None)
@click.argument("document")
@click.argument("number")
def check_id_command(code, birth_year, birth_date, gender, document, number) -> None:
    """Check an identity document NUMBER of type DOCUMENT with the profile's rules."""
    profile = _load(code)
    try:
        doc = profile.id_document(document)
    except NotFound:
        click.echo(f"invalid: unknown document {document!r}; expected one of: "
                   f"{', '.join(d.id for d in profile.id_documents)}")
        sys.exit(1)
    born = birth_date.date() if isinstance(birth_date, dt.datetime) else None
    try:
        checked = doc.validate(number, birth_date=born, birth_year=birth_year, gender=gender)
    except InvalidIdDocument as exc:
        click.echo(f"invalid: {exc.text()}")
        sys.exit(1)
    extra = []
    if checked.birth_date:
        extra.append(f"birth date {checked.birth_date.isoformat()}")
    elif checked.birth_year:
        extra.append(f"birth year {checked.birth_year}")
    if checked.gender:
        extra.append(f"sex {checked.gender}")
    click.echo(f"valid: {checked.normalized} (shown as {checked.masked})"
               + (f"; encodes {', '.join(extra)}" if extra else ""))


commands = [profile_group]
