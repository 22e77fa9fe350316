"""Demo data: a vaccination history at the demo facilities a presenter can show, then counters
rebuilt from it.

Everything comes from the profile: people are named from ``demo.names`` (given names matching
their gender), get products the schedule engine allows at their age, some booked and did not
come, a few reported adverse events; areas get target populations so coverage shows, and the
vaccinator's desk has today's appointments waiting.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa

from cowin_kit.accounts.models import StaffUser
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession
from cowin_kit.booking.operations import book
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.bands import age_bands, band_of
from cowin_kit.reporting.labels import local_today
from cowin_kit.reporting.models import TargetPopulation
from cowin_kit.reporting.rollup import rebuild_counters
from cowin_kit.reporting.seed import seed as seed_history
from cowin_kit.vaccination.models import AefiReport, DoseRecord

#: How much history the demo shows: enough for charts, quick to create on SQLite.
DEMO_PEOPLE = 1500
DEMO_DAYS = 60
#: Appointments waiting at the vaccinator's desk today.
TODAY_AT_THE_DESK = 8
#: Reported adverse events per dose given (reported AEFI rates were of this order; a demo needs
#: a handful of rows for the report).
AEFI_RATE = 0.004
#: (severity, outcome, weight): most reported events were mild and recovered.
AEFI_KINDS = (("mild", "recovered", 78), ("moderate", "recovered", 14),
              ("moderate", "recovering", 5), ("severe", "hospitalised", 3))
AEFI_SYMPTOMS = (("injection_site_reaction",), ("fever", "headache"), ("fatigue", "myalgia"),
                 ("fever",), ("nausea_vomiting",), ("syncope",), ("rash",))
SEED = 2021


def demo_namer(profile) -> Callable[[random.Random, str], str] | None:
    """A function naming a person of a gender from the profile's ``demo.names`` (or None)."""
    names = ((profile.data or {}).get("demo") or {}).get("names")
    if not names:
        return None
    given, family = names["given"], names["family"]
    surnames = min(int(names.get("surnames", 1)), len(family))
    family_first = names.get("order") == "family_given"

    def name(rng: random.Random, gender: str) -> str:
        first = rng.choice(given[gender] if gender in given else given[rng.choice("MF")])
        last = " ".join(rng.sample(family, surnames))
        return f"{last} {first}" if family_first else f"{first} {last}"

    return name


def seed(app, profile, echo) -> None:
    """Give the demo a past (once), today's desk, then rebuild the dashboard counters."""
    doses = db.session.scalar(sa.select(sa.func.count()).select_from(DoseRecord))
    if doses < 100:  # no history yet (the demo's own desk doses are a handful)
        facilities = list(db.session.scalars(sa.select(Facility.id).where(Facility.active)))
        if facilities:
            first_person = _next_id()
            made = seed_history(profile, beneficiaries=DEMO_PEOPLE, facilities=0, days=DEMO_DAYS,
                                today=local_today(), facility_ids=facilities,
                                namer=demo_namer(profile), appointments=True)
            rng = random.Random(SEED)
            targets = _target_populations(profile, first_person, rng)
            events = _adverse_events(first_person, rng)
            db.session.commit()
            echo(f"  reporting: {made['doses']:,} past doses for {DEMO_PEOPLE:,} people over "
                 f"{DEMO_DAYS} days, {made['appointments']:,} appointments, {events} AEFI "
                 f"reports, target populations for {targets} areas")
    waiting = _todays_desk(profile)
    db.session.commit()
    if waiting:
        echo(f"  reporting: {waiting} appointments today at the vaccinator's desk")
    total = rebuild_counters(age_bands(profile))
    db.session.commit()
    echo(f"  reporting: dashboard counters cover {total:,} doses")


def _next_id() -> int:
    return (db.session.scalar(sa.select(sa.func.max(Beneficiary.id))) or 0) + 1


def _target_populations(profile, first_person: int, rng: random.Random) -> int:
    """Each area of the history gets a target per age band a little above those registered,
    so coverage reads like a campaign under way (roughly half to four fifths reached)."""
    bands = age_bands(profile)
    year = local_today().year
    registered = Counter(
        (area_id, band_of(bands, year - birth_year)) for area_id, birth_year in db.session.execute(
            sa.select(Beneficiary.area_id, Beneficiary.birth_year)
            .where(Beneficiary.id >= first_person, Beneficiary.area_id.is_not(None))))
    for (area_id, band), count in sorted(registered.items()):
        if band != "?":
            db.session.add(TargetPopulation(area_id=area_id, age_band=band,
                                            population=round(count / rng.uniform(0.55, 0.9))))
    return len({area_id for area_id, _band in registered})


def _adverse_events(first_person: int, rng: random.Random) -> int:
    """A few reported adverse events after the history's doses, most of them mild."""
    doses = db.session.execute(sa.select(DoseRecord.id, DoseRecord.administered_at)
                               .where(DoseRecord.beneficiary_id >= first_person)
                               .order_by(DoseRecord.id)).all()
    reporter = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == "vaccinator"))
    chosen = rng.sample(doses, min(len(doses), max(6, round(len(doses) * AEFI_RATE))))
    for dose_id, given_at in chosen:
        severity, outcome, _weight = rng.choices(AEFI_KINDS, [k[2] for k in AEFI_KINDS])[0]
        db.session.add(AefiReport(
            dose_record_id=dose_id, reported_by=reporter, severity=severity, outcome=outcome,
            onset_at=given_at + dt.timedelta(hours=rng.randint(1, 48)),
            symptoms=list(rng.choice(AEFI_SYMPTOMS) if severity != "severe" else ("anaphylaxis",))))
    return len(chosen)


def _todays_desk(profile) -> int:
    """Book people who are due a dose into today's session at the vaccinator's facility (once),
    so the desk has a queue to show; returns how many were booked."""
    facility_id = db.session.scalar(sa.select(StaffUser.facility_id)
                                     .where(StaffUser.username == "vaccinator"))
    session = db.session.scalars(sa.select(VaccinationSession).where(
        VaccinationSession.facility_id == facility_id,
        VaccinationSession.date == local_today())).first()
    if session is None or not session.slots or db.session.scalar(
            sa.select(Appointment.id).where(Appointment.session_id == session.id).limit(1)):
        return 0
    unvaccinated = (sa.select(Beneficiary).where(~sa.exists().where(
        DoseRecord.beneficiary_id == Beneficiary.id)).order_by(Beneficiary.id).limit(400))
    booked = 0
    for person in db.session.scalars(unvaccinated).all():
        try:  # booked first thing today, so a demo started in the evening has its queue too
            book(person, session.id, session.slots[booked % len(session.slots)], on=session.date)
        except KitError:
            continue  # not eligible for this session's vaccine or age range (book rolled back)
        booked += 1
        if booked == TODAY_AT_THE_DESK:
            break
    return booked
