"""Keep ``DoseCounter`` exactly in step with ``DoseRecord``: the counters change in the same
transaction as the dose (a SQLAlchemy ``after_flush`` hook), so a rollback undoes both.

Why a flush hook rather than the ``dose_recorded`` signal: the hook also sees corrections and
deletions, and it cannot be forgotten by a code path that writes doses without sending the
signal. It watches the beneficiary too: a corrected gender or birth year moves that person's
past doses to their new counter rows in the same transaction. Rows written with Core
``insert()`` (bulk seeding) bypass it; ``reports rollup`` rebuilds the counters from the
records in that case (or after any repair).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.bands import DEFAULT_BANDS, AgeBand, age_bands, band_of
from cowin_kit.reporting.models import NATIONAL, SHARDS, DoseCounter, DoseDayTotal
from cowin_kit.vaccination.models import DoseRecord

#: The DoseRecord attributes a counter key depends on.
KEY_ATTRS = ("beneficiary_id", "facility_id", "vaccine", "dose_number", "series_total",
             "is_booster", "administered_on")
KEY_COLUMNS = ("day", "area_id", "vaccine", "dose_number", "is_booster", "completes_series",
               "gender", "age_band", "shard")
DAY_COLUMNS = ("day", "area_id", "shard")


def ancestor_ids(path: str) -> list[int]:
    """Turn a materialised path "/1/17/203/" into [0, 1, 17, 203] (0 = national)."""
    return [NATIONAL, *(int(part) for part in path.strip("/").split("/") if part)]


def _bands() -> list[AgeBand]:
    if has_app_context():
        try:
            return age_bands(get_profile())
        except Exception:  # a broken profile must not block recording a dose
            current_app.logger.exception("age bands unavailable; using defaults")
    return [AgeBand(low, high) for low, high in DEFAULT_BANDS]


def day_totals(deltas: dict[tuple, int]) -> Counter:
    """Collapse counter deltas to (day, area_id, shard) for ``DoseDayTotal``."""
    totals: Counter = Counter()
    for key, n in deltas.items():
        totals[(key[0], key[1], key[-1])] += n
    return totals


def upsert_counts(connection: sa.Connection, deltas: dict[tuple, int]) -> None:
    """Add ``deltas`` ({key tuple: +n/-n}) to the counters and the day totals.

    Rows are written in key order so concurrent transactions lock them in the same order
    (no deadlocks between vaccinators).
    """
    _upsert(connection, DoseCounter.__table__, KEY_COLUMNS, deltas)
    _upsert(connection, DoseDayTotal.__table__, DAY_COLUMNS, day_totals(deltas))


def _upsert(connection: sa.Connection, table: sa.Table, columns: tuple[str, ...],
            deltas: dict[tuple, int]) -> None:
    rows = [dict(zip(columns, key), doses=n) for key, n in sorted(deltas.items()) if n]
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - only the two supported
        raise RuntimeError(f"counter upsert not implemented for {dialect}")
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One multi-row statement per 500 rows: a single round trip for a dose's few rows
    # (keys are unique within ``deltas``, as a multi-row ON CONFLICT DO UPDATE requires).
    for start in range(0, len(rows), 500):
        insert = make_insert(table).values(rows[start:start + 500])
        connection.execute(insert.on_conflict_do_update(
            index_elements=list(columns),
            set_={"doses": table.c.doses + insert.excluded.doses}))


def counter_deltas(connection: sa.Connection, changes: Iterable[tuple[dict, int]],
                   bands: list[AgeBand], shard: int = 0) -> dict[tuple, int]:
    """Turn dose changes ([(dose attributes, +1/-1)]) into counter deltas for every area level."""
    changes = list(changes)
    if not changes:
        return {}
    person_ids = {c["beneficiary_id"] for c, _ in changes}
    facility_ids = {c["facility_id"] for c, _ in changes}
    # One round trip for both look-ups (this runs inside every dose's transaction).
    people_q = sa.select(sa.literal("b").label("kind"), Beneficiary.id.label("id"),
                         Beneficiary.gender.label("gender"),
                         Beneficiary.birth_year.label("birth_year"),
                         sa.cast(sa.null(), sa.String).label("path")
                         ).where(Beneficiary.id.in_(person_ids))
    places_q = (sa.select(sa.literal("f"), Facility.id, sa.cast(sa.null(), sa.String),
                          sa.cast(sa.null(), sa.Integer), Area.path)
                .join(Area, Area.id == Facility.area_id).where(Facility.id.in_(facility_ids)))
    people, paths = {}, {}
    for kind, key, gender, birth_year, path in connection.execute(
            sa.union_all(people_q, places_q)):
        if kind == "b":
            people[key] = (gender, birth_year)
        else:
            paths[key] = path
    deltas: Counter = Counter()
    for dose, sign in changes:
        # A dose counted under a person's values from before a correction carries them.
        gender, birth_year = dose.get(PERSON_BEFORE) or people[dose["beneficiary_id"]]
        band = band_of(bands, dose["administered_on"].year - birth_year)
        completes = bool(dose["dose_number"] == dose["series_total"] and not dose["is_booster"])
        for area_id in ancestor_ids(paths[dose["facility_id"]]):
            key = (dose["administered_on"], area_id, dose["vaccine"], dose["dose_number"],
                   bool(dose["is_booster"]), completes, gender, band, shard)
            deltas[key] += sign
    return deltas


OLD_VALUES = "reporting.dose_old_values"
OLD_PEOPLE = "reporting.person_old_values"
#: The Beneficiary attributes a counter key depends on.
PERSON_ATTRS = ("gender", "birth_year")
PERSON_BEFORE = "_person_before"


def _before_flush(session: Session, flush_context, instances) -> None:
    """Read the stored key values of doses about to change or go (the ORM may not hold them),
    and of people whose gender or birth year is about to change, with their recorded doses."""
    # The identity key, not ``obj.id``: reading an expired attribute here would load it.
    ids = [sa.inspect(obj).identity[0] for obj in (*session.dirty, *session.deleted)
           if isinstance(obj, DoseRecord) and sa.inspect(obj).identity]
    columns = [getattr(DoseRecord, name) for name in KEY_ATTRS]
    if ids:
        rows = session.connection().execute(
            sa.select(DoseRecord.id, *columns).where(DoseRecord.id.in_(ids)))
        stored = session.info.setdefault(OLD_VALUES, {})
        for row in rows:
            stored[row.id] = {name: getattr(row, name) for name in KEY_ATTRS}
    people = [sa.inspect(obj).identity[0] for obj in session.dirty
              if isinstance(obj, Beneficiary) and sa.inspect(obj).identity
              and any(sa.inspect(obj).attrs[name].history.has_changes() for name in PERSON_ATTRS)]
    if not people:
        return
    connection = session.connection()
    before = {row.id: {"values": (row.gender, row.birth_year), "doses": []}
              for row in connection.execute(
                  sa.select(Beneficiary.id, Beneficiary.gender, Beneficiary.birth_year)
                  .where(Beneficiary.id.in_(people)))}
    for row in connection.execute(sa.select(*columns).where(DoseRecord.beneficiary_id.in_(people))):
        before[row.beneficiary_id]["doses"].append({name: getattr(row, name) for name in KEY_ATTRS})
    session.info.setdefault(OLD_PEOPLE, {}).update(before)


def _changes(session: Session) -> list[tuple[dict, int]]:
    old_values = session.info.pop(OLD_VALUES, {})
    changes: list[tuple[dict, int]] = []
    # A corrected person: each stored dose leaves the old person's row for the new one's. This
    # composes with dose changes in the same flush (those are counted under the new values).
    for person_id, before in session.info.pop(OLD_PEOPLE, {}).items():
        person = session.identity_map.get(sa.inspect(Beneficiary).identity_key_from_primary_key(
            (person_id,)))
        if person is None or tuple(getattr(person, n) for n in PERSON_ATTRS) == before["values"]:
            continue
        for dose in before["doses"]:
            changes.extend([({**dose, PERSON_BEFORE: before["values"]}, -1), (dose, +1)])
    for obj in session.new:
        if isinstance(obj, DoseRecord):
            changes.append(({name: getattr(obj, name) for name in KEY_ATTRS}, +1))
    for obj in (*session.dirty, *session.deleted):
        identity = sa.inspect(obj).identity if isinstance(obj, DoseRecord) else None
        old = old_values.get(identity[0]) if identity else None
        if old is None:
            continue
        if obj in session.deleted:
            changes.append((old, -1))
            continue
        new = {name: getattr(obj, name) for name in KEY_ATTRS}
        if new != old:
            changes.extend([(old, -1), (new, +1)])
    return changes


def _after_flush(session: Session, flush_context) -> None:
    changes = _changes(session)
    if not changes:
        return
    connection = session.connection()
    deltas = counter_deltas(connection, changes, _bands(), shard=random.randrange(SHARDS))
    upsert_counts(connection, deltas)


def install() -> None:
    """Listen to every ORM session's flushes (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
