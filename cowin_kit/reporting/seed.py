"""Synthetic national-scale data for load tests: facilities, sessions, beneficiaries, doses.

Rows go in with bulk statements (COPY on PostgreSQL, executemany elsewhere) and explicit ids,
bypassing the ORM (and so the counter hook); the caller rebuilds the counters afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Appointment, Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db, utcnow
from cowin_kit.profiles.schedule import DoseGiven, DueDose, Person, next_dose
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.bulk import Loader
from cowin_kit.stock.seed import seed_vials
from cowin_kit.vaccination.models import DoseRecord

#: Share of people of each age (years) among the registered: more young adults, like CoWIN.
AGE_WEIGHTS = [(12, 17, 8), (18, 44, 55), (45, 59, 22), (60, 90, 15)]
GENDERS = (("M", 510), ("F", 489), ("O", 1))


@dataclass(frozen=True)
class SeriesPlan:
    """Doses in the primary series and the usual gap between doses (days)."""

    doses: int
    gap_days: int
    booster_gap_days: int


def series_plans(profile, vaccine_ids: list[str]) -> dict[str, SeriesPlan]:
    """Ask the schedule engine how far apart doses are, once per vaccine."""
    plans = {}
    start = dt.date(2022, 1, 3)
    person = Person(birth_year=1980)
    for vaccine in vaccine_ids:
        plan = SeriesPlan(1, 28, 182)
        due = next_dose(profile, person, [DoseGiven(vaccine, 1, start)], start)
        if isinstance(due, DueDose):
            gap = (due.earliest - start).days
            plan = SeriesPlan(due.series_total, gap, 182) if not due.is_booster \
                else SeriesPlan(1, gap, gap)
        plans[vaccine] = plan
    return plans


def _weighted(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    return rng.choices(items, weights=weights, k=k)


def _birth_year(rng: random.Random, year: int) -> int:
    low, high, _w = rng.choices(AGE_WEIGHTS, weights=[w for *_r, w in AGE_WEIGHTS])[0]
    return year - rng.randint(low, high)


class FirstProducts:
    """The products the schedule engine allows as a first dose, per birth year and day."""

    def __init__(self, profile) -> None:
        self.profile = profile
        self.known: dict[tuple[int, dt.date], tuple[str, ...]] = {}

    def __call__(self, birth_year: int, day: dt.date) -> tuple[str, ...]:
        key = (birth_year, day)
        if key not in self.known:
            due = next_dose(self.profile, Person(birth_year=birth_year), [], day)
            self.known[key] = due.allowed_vaccines if isinstance(due, DueDose) else ()
        return self.known[key]


def _product(allowed: tuple[str, ...], usual: str, rng: random.Random) -> str | None:
    """The facility's usual product when the person may have it, else one they may have."""
    if not allowed:
        return None
    return usual if usual in allowed else rng.choice(allowed)


#: Share of sessions' doses wasted (opened, not given): COVID-19 campaigns reported a few per
#: cent on average, more in small sessions of multi-dose vials.
WASTAGE = (0.0, 0.12, 0.03)  # random.triangular(low, high, mode)


def seed_lot(facility_id: int) -> str:
    """The lot number on a seeded facility's doses (and its vials)."""
    return f"LOT-{facility_id % 97:02d}"


def seed(profile, *, beneficiaries: int, facilities: int, days: int, today: dt.date,
         batch: int = 20_000, rng_seed: int = 2021,
         progress: Callable[[int], None] | None = None,
         facility_ids: list[int] | None = None,
         namer: Callable[[random.Random, str], str] | None = None,
         appointments: bool = False) -> dict[str, int]:
    """Add synthetic facilities, sessions, beneficiaries and doses over the past ``days`` days.

    Each person's first product is one the schedule engine allows for their age on that day
    (the facility's usual product when it may be given). With ``facility_ids`` the doses are
    given at those existing facilities instead of new ones (the demo's history); ``namer(rng,
    gender)`` names the people instead of numbered names; ``appointments`` adds the bookings
    behind the doses and some no-shows (for the no-show report)."""
    rng = random.Random(rng_seed)
    connection = db.session.connection()
    loader = Loader(connection)
    leaves = list(connection.execute(
        sa.select(Area.id).where(~sa.exists().where(
            sa.orm.aliased(Area).parent_id == Area.id))).scalars())
    if not leaves:
        raise ValueError("no areas: run `cowin-kit areas import` (or `cowin-kit init`) first")
    weights = [rng.lognormvariate(0, 0.8) for _ in leaves]
    vaccines = [v.id for v in profile.vaccines] or ["vaccine"]
    plans = series_plans(profile, vaccines)
    doc_type = profile.id_documents[0].id if profile.id_documents else "seed"

    # Facilities: spread over the lowest areas by their (random) populations; one vaccine each.
    facility_vaccine, by_area = {}, {}
    now = utcnow()
    if facility_ids:
        for fid, area_id in connection.execute(sa.select(Facility.id, Facility.area_id)
                                               .where(Facility.id.in_(facility_ids))):
            facility_vaccine[fid] = rng.choices(vaccines, weights=range(len(vaccines), 0, -1))[0]
            by_area.setdefault(area_id, []).append(fid)
        leaves = [a for a in leaves if a in by_area] or leaves
        weights = [rng.lognormvariate(0, 0.8) for _ in leaves]
        facilities = 0
    else:
        first_facility = loader.next_id(Facility.id)
        facility_rows = []
        for i, area_id in enumerate(_weighted(rng, leaves, weights, facilities)):
            fid = first_facility + i
            facility_vaccine[fid] = rng.choices(vaccines, weights=range(len(vaccines), 0, -1))[0]
            by_area.setdefault(area_id, []).append(fid)
            facility_rows.append((fid, f"SEED-{fid}", f"Seed facility {fid}", area_id, "", None,
                                  "Free", dt.time(9), dt.time(17), True, now))
        loader.insert(Facility.__table__, ["id", "code", "name", "area_id", "address",
                                           "postal_code", "fee_type", "opens", "closes",
                                           "active", "created_at"], facility_rows)
        loader.fix_sequence(Facility.__table__.c.id)
    all_facilities = list(facility_vaccine)
    first_products = FirstProducts(profile)
    min_ages = {v.id: max(v.min_age or 0, profile.eligibility.min_age or 0)
                for v in profile.vaccines}
    max_ages = {v.id: v.max_age for v in profile.vaccines}
    booked: list[tuple] = []  # (person, session key, dose number, status)

    first_person = loader.next_id(Beneficiary.id)
    first_dose = loader.next_id(DoseRecord.id)
    start = today - dt.timedelta(days=days - 1)
    person_cols = ["id", "reference_id", "name", "birth_year", "gender", "id_doc_type", "id_hash",
                   "id_masked", "groups", "comorbidity", "area_id", "created_at"]
    dose_cols = ["id", "beneficiary_id", "session_id", "facility_id", "vaccine", "lot",
                 "dose_number", "series_total", "is_booster", "administered_on",
                 "administered_at", "recorded_at"]
    session_cols = ["id", "facility_id", "date", "vaccine", "min_age", "max_age", "fee",
                    "slots", "status", "doses_opened", "created_at"]
    slots = '["09:00-13:00"]' if loader.postgres else ["09:00-13:00"]
    sessions: dict[tuple[int, dt.date, str], list] = {}  # -> [id, doses given]
    genders, gender_w = zip(*GENDERS)
    groups_json = "[]" if loader.postgres else []
    dose_id = first_dose
    for offset in range(0, beneficiaries, batch):
        people, doses, new_sessions = [], [], []
        size = min(batch, beneficiaries - offset)
        areas = _weighted(rng, leaves, weights, size)
        for j in range(size):
            pid = first_person + offset + j
            area_id = areas[j]
            gender = rng.choices(genders, weights=gender_w)[0]
            name = namer(rng, gender) if namer else f"Seed person {pid}"
            birth_year = _birth_year(rng, today.year)
            people.append((pid, f"9{pid:013d}", name, birth_year,
                           gender, doc_type, uuid.uuid4().hex + uuid.uuid4().hex,
                           f"XXXX XXXX {pid % 10000:04d}", groups_json, False, area_id, now))
            local = by_area.get(area_id)
            fid = rng.choice(local) if local else rng.choice(all_facilities)
            day = start + dt.timedelta(days=rng.randrange(days))
            vaccine = _product(first_products(birth_year, day), facility_vaccine[fid], rng)
            if vaccine is None or rng.random() > 0.9:
                if appointments and vaccine is not None and rng.random() < 0.5:
                    booked.append((pid, _session(sessions, new_sessions, fid, day, vaccine), 1,
                                   "no_show"))  # booked, never came
                continue  # registered, not yet vaccinated
            plan = plans[vaccine]
            for number in range(1, plan.doses + 2):
                booster = number > plan.doses
                key = _session(sessions, new_sessions, fid, day, vaccine)
                sid = sessions[key][0]
                sessions[key][1] += 1
                if appointments and rng.random() < 0.6:  # the rest walked in
                    booked.append((pid, key, number, "completed"))
                at = dt.datetime.combine(day, dt.time(10), dt.timezone.utc)
                doses.append((dose_id, pid, sid, fid, vaccine, seed_lot(fid), number,
                              plan.doses, booster, day, at, at))
                dose_id += 1
                gap = plan.booster_gap_days if number >= plan.doses else plan.gap_days
                day = day + dt.timedelta(days=gap + rng.randrange(0, 21))
                if day > today or rng.random() > 0.8:
                    break
        loader.insert(Beneficiary.__table__, person_cols, people)
        loader.insert(VaccinationSession.__table__, session_cols,
                      [(sid, fid, day, vaccine, min_ages.get(vaccine, 0), max_ages.get(vaccine),
                        0, slots, "closed", 0, now)
                       for sid, fid, day, vaccine in new_sessions])
        loader.insert(DoseRecord.__table__, dose_cols, doses)
        if progress:
            progress(size)
    loader.fix_sequence(Beneficiary.__table__.c.id)
    loader.fix_sequence(DoseRecord.__table__.c.id)
    _set_doses_opened(loader, profile, sessions, rng)
    if booked:
        _add_appointments(loader, sessions, booked, rng, now)
    return {"facilities": facilities, "beneficiaries": beneficiaries,
            "doses": dose_id - first_dose, "sessions": len(sessions),
            "appointments": len(booked)}


def _session(sessions: dict, new_sessions: list, fid: int, day: dt.date, vaccine: str) -> tuple:
    """The key of the facility's session for ``vaccine`` on ``day`` (created when new)."""
    key = (fid, day, vaccine)
    if key not in sessions:
        sessions[key] = [uuid.uuid4(), 0]
        new_sessions.append((sessions[key][0], fid, day, vaccine))
    return key


def _add_appointments(loader: Loader, sessions: dict, booked: list[tuple], rng: random.Random,
                      now: dt.datetime) -> None:
    """The bookings behind past doses (completed) and the no-shows, with their capacities."""
    kinds: dict[tuple, int] = {}
    for _pid, key, number, _status in booked:
        kind = (key, "1" if number == 1 else "2")
        kinds[kind] = kinds.get(kind, 0) + 1
    first_capacity = loader.next_id(SessionCapacity.id)
    capacity_ids = {kind: first_capacity + i for i, kind in enumerate(kinds)}
    loader.insert(SessionCapacity.__table__, ["id", "session_id", "dose_kind", "capacity",
                                              "booked"],
                  [(capacity_ids[kind], sessions[kind[0]][0], kind[1], count, count)
                   for kind, count in kinds.items()])
    loader.fix_sequence(SessionCapacity.__table__.c.id)
    loader.insert(Appointment.__table__, ["id", "beneficiary_id", "session_id", "capacity_id",
                                          "dose_number", "slot", "secret_code", "status",
                                          "created_at", "updated_at"],
                  [(uuid.uuid4(), pid, sessions[key][0],
                    capacity_ids[(key, "1" if number == 1 else "2")], number, "09:00-13:00",
                    f"{rng.randrange(10000):04d}", status, now, now)
                   for pid, key, number, status in booked])


def _set_doses_opened(loader: Loader, profile, sessions: dict, rng: random.Random) -> None:
    """Record the doses opened per session, those given plus a realistic share wasted, as
    vials opened at the facility's store (the wastage report's source, stock.seed) and in the
    session's older ``doses_opened`` column."""
    temp = sa.Table("seed_opened", sa.MetaData(), sa.Column("id", sa.Uuid, primary_key=True),
                    sa.Column("opened", sa.Integer), prefixes=["TEMPORARY"])
    temp.create(loader.connection)
    rows, vials = [], []
    for (fid, day, vaccine), (sid, given) in sessions.items():
        wasted = given * rng.triangular(*WASTAGE)  # rounded up or down in proportion, so small
        rows.append((sid, given + int(wasted) + (rng.random() < wasted % 1)))  # sessions waste too
        vials.append((fid, day, vaccine, rows[-1][1]))
    seed_vials(loader, profile, vials, seed_lot)
    for start in range(0, len(rows), 50_000):
        loader.insert(temp, ["id", "opened"], rows[start:start + 50_000])
    table = VaccinationSession.__table__
    loader.connection.execute(  # UPDATE … FROM on both databases
        table.update().values(doses_opened=temp.c.opened).where(table.c.id == temp.c.id))
    temp.drop(loader.connection)
