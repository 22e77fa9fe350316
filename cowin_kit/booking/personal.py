"""Availability for a signed-in beneficiary: only what the schedule engine lets them book,
and in the engine's words why not when nothing fits ("Dose 2 is due from 12 Aug 2021")."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from cowin_kit.booking.models import Appointment
from cowin_kit.booking.queries import AvailabilityQuery, search
from cowin_kit.booking.rules import (age_at, area_timezone, history_of, local_now, parse_slot,
                                     person_of)
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.schedule import NotEligible, check_dose, next_dose
from cowin_kit.web.formatting import format_date


@dataclass
class PersonalAvailability:
    """What a beneficiary can book: centres (filtered), the dose due, and why when nothing fits."""

    centres: list[dict]
    due: object | None  # DueDose of the first bookable day
    reason: str | None
    active: Appointment | None = None


def for_beneficiary(beneficiary, query: AvailabilityQuery) -> PersonalAvailability:
    """Fresh availability filtered by the schedule engine for this beneficiary."""
    from flask_babel import gettext as _

    profile = get_profile()
    person = person_of(beneficiary)
    history = history_of(beneficiary.id)
    verdicts = {d: next_dose(profile, person, history, d) for d in query.dates()}
    refusals = [v for v in verdicts.values() if isinstance(v, NotEligible)]
    dues = [v for v in verdicts.values() if not isinstance(v, NotEligible)]
    due = dues[0] if dues else None
    # A dose is bookable on a day from its earliest date on (the engine names that date).
    bookable = {d: v for d, v in verdicts.items()
                if not isinstance(v, NotEligible) and d >= v.earliest}
    active = None
    if due is not None:
        active = db.session.execute(sa.select(Appointment).where(
            Appointment.beneficiary_id == beneficiary.id,
            Appointment.dose_number == due.dose_number,
            Appointment.status == "booked")).scalar_one_or_none()
    centres = []
    for centre in search(dataclasses.replace(query, age=None)):
        kept = []
        now = local_now(profile, tz=area_timezone(profile, centre["area_id"]))
        for item in centre["sessions"]:
            day = dt.date.fromisoformat(item["date"])
            verdict = bookable.get(day)
            if verdict is None or item["vaccine"] not in verdict.allowed_vaccines:
                continue
            if day == now.date():  # offer only slots that have not ended (booking refuses them)
                item = {**item, "slots": [s for s in item["slots"]
                                          if (parse_slot(s) or (None, dt.time.max))[1] > now.time()]}
                if not item["slots"]:
                    continue
            if verdict.dose_kind not in item["capacity"]:
                continue
            age = age_at(profile, person, day)
            if age < item["min_age"] or (item["max_age"] is not None and age > item["max_age"]):
                continue
            kept.append({**item, "dose_kind": verdict.dose_kind,
                         "dose_number": verdict.dose_number,
                         "bookable": item["capacity"][verdict.dose_kind]})
        if kept:
            centres.append({**centre, "sessions": kept})
    reason = None
    if not centres:
        if due is not None and not bookable:
            reason = _engine_reason(profile, person, history, due, query.end)
        elif refusals and not dues:
            reason = refusals[0].message
        else:
            reason = _("No sessions in this period match this person's age, dose and vaccine.")
    return PersonalAvailability(centres=centres, due=due, reason=reason, active=active)


def _engine_reason(profile, person, history, due, day: dt.date) -> str:
    """The engine's own words for why a due dose cannot be given on a day."""
    from flask_babel import gettext as _

    try:
        check_dose(profile, person, history, due.allowed_vaccines[0], day)
    except KitError as exc:
        return exc.text()
    return _("Dose %(n)s is due from %(date)s", n=due.dose_number,
             date=format_date(due.earliest, "medium"))
