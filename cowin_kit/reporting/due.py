"""Dose-2 and booster due/overdue lists, from each person's doses and the schedule engine."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.db import db
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.labels import gender_label, vaccine_name
from cowin_kit.reporting.reports import Params, Report
from cowin_kit.vaccination.models import DoseRecord

CHUNK = 2000


def _people_in_scope(params: Params):
    """People who live in the area, or (address unknown) were vaccinated there."""
    if params.area is None:
        return sa.select(Beneficiary.id)
    lives = (sa.select(Beneficiary.id).join(Area, Area.id == Beneficiary.area_id)
             .where(Area.path.startswith(params.area.path)))
    came = (sa.select(DoseRecord.beneficiary_id)
            .join(Beneficiary, Beneficiary.id == DoseRecord.beneficiary_id)
            .join(Facility, Facility.id == DoseRecord.facility_id)
            .join(Area, Area.id == Facility.area_id)
            .where(Beneficiary.area_id.is_(None), Area.path.startswith(params.area.path)))
    return sa.union(lives, came)


def _vaccinated_ids(params: Params) -> sa.Select:
    scope = _people_in_scope(params).subquery()
    return (sa.select(DoseRecord.beneficiary_id).distinct()
            .where(DoseRecord.beneficiary_id.in_(sa.select(scope.c[0])),
                   DoseRecord.administered_on <= params.today))


def due_rows(params: Params, tick, *, booster: bool) -> Iterator[tuple]:
    """Yield one row per person whose next dose (a primary dose or a booster) is due by today."""
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.schedule import DoseGiven, DueDose, Person, next_dose

    profile = get_profile()
    ids = list(db.session.scalars(_vaccinated_ids(params).order_by(DoseRecord.beneficiary_id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        people = {p.id: p for p in db.session.scalars(
            sa.select(Beneficiary).where(Beneficiary.id.in_(chunk)))}
        history: dict[int, list] = {i: [] for i in chunk}
        for dose in db.session.scalars(sa.select(DoseRecord)
                                       .where(DoseRecord.beneficiary_id.in_(chunk))
                                       .order_by(DoseRecord.beneficiary_id,
                                                 DoseRecord.dose_number)):
            history[dose.beneficiary_id].append(dose)
        for pid in chunk:
            doses = history[pid]
            person = people[pid]
            given = [DoseGiven(d.vaccine, d.dose_number, d.administered_on, d.is_booster)
                     for d in doses]
            due = next_dose(profile, Person(birth_year=person.birth_year,
                                            birth_date=person.birth_date,
                                            groups=tuple(person.groups or ()),
                                            gender=person.gender), given, params.today)
            if not isinstance(due, DueDose) or due.is_booster != booster:
                continue
            if due.earliest > params.today:
                continue
            overdue = due.latest is not None and due.latest < params.today
            last = doses[-1]
            yield (person.reference_id, person.name, person.birth_year,
                   gender_label(person.gender), vaccine_name(last.vaccine), last.dose_number,
                   last.administered_on, due.dose_number, due.earliest, due.latest,
                   str(_l("Overdue")) if overdue else str(_l("Due")))
        tick(len(chunk))


def _size(params: Params) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        _vaccinated_ids(params).subquery())) or 0


COLUMNS = (("reference_id", _l("Reference ID")), ("name", _l("Name")),
           ("birth_year", _l("Year of birth")), ("gender", _l("Gender")),
           ("vaccine", _l("Vaccine")), ("last_dose", _l("Last dose")),
           ("last_date", _l("Last dose on")), ("next_dose", _l("Next dose")),
           ("due_from", _l("Due from")), ("due_until", _l("Due until")), ("status", _l("Status")))

DOSE2_DUE = Report("dose2_due", _l("Primary doses due or overdue"), COLUMNS,
                   lambda params, tick: due_rows(params, tick, booster=False), _size,
                   personal=True)
BOOSTER_DUE = Report("booster_due", _l("Boosters due or overdue"), COLUMNS,
                     lambda params, tick: due_rows(params, tick, booster=True), _size,
                     personal=True)
