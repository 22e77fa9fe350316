"""Keep each person's next dose on their row (``Beneficiary.next_*``), for the due lists.

The schedule engine (``profiles.schedule.next_dose``) decides; this module only stores its
answer, in the transaction of every change it depends on: a dose recorded, corrected or deleted,
or a corrected birth date, birth year, gender or priority group (a certificate correction). A
SQLAlchemy flush hook does it, as ``reporting.counters`` does for the dashboard, so no code path
that writes through the ORM can forget it. Rows written with Core ``insert()``/COPY (the seeder)
or a change to the profile's schedules are repaired with ``cowin-kit reports rebuild-due``.

What is stored is the engine's answer asked on the day of the person's last dose: the first
day the next dose may be given (``next_due_from``) and the end of the recommended window
(``next_due_until``). A due list for any later day ``D`` is then ``next_due_from <= D`` (overdue:
``next_due_until < D``), the same people the engine names when asked on ``D``, as long as no
dated schedule rule starts between the last dose and ``D`` (rules are dated when a country
changes an interval; run ``reports rebuild-due`` after adding one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cowin_kit.profiles import get_profile
from cowin_kit.profiles.schedule import DoseGiven, DueDose, Person, next_dose
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DoseRecord

#: Facts about the person the engine reads.
PERSON_ATTRS = ("birth_year", "birth_date", "groups", "gender")
#: Facts about a dose the engine reads.
DOSE_ATTRS = ("beneficiary_id", "vaccine", "dose_number", "administered_on", "is_booster")
#: The stored answer.
COLUMNS = ("next_dose_number", "next_due_booster", "next_due_from", "next_due_until",
           "next_due_product", "last_dose_vaccine", "last_dose_on")
EMPTY = dict.fromkeys(COLUMNS)
PENDING = "registration.next_due_people"


def next_due_values(profile, person, doses: Iterable) -> dict:
    """The stored columns for a person (``birth_year``, ``birth_date``, ``groups``, ``gender``)
    with these doses (``vaccine``, ``dose_number``, ``administered_on``, ``is_booster``)."""
    doses = sorted(doses, key=lambda d: d.dose_number)
    if not doses:
        return dict(EMPTY)
    last = doses[-1]
    values = dict(EMPTY, last_dose_vaccine=last.vaccine, last_dose_on=last.administered_on)
    given = [DoseGiven(d.vaccine, d.dose_number, d.administered_on, bool(d.is_booster))
             for d in doses]
    due = next_dose(profile, Person(birth_year=person.birth_year, birth_date=person.birth_date,
                                    groups=tuple(person.groups or ()), gender=person.gender),
                    given, max(d.administered_on for d in doses))
    if isinstance(due, DueDose):
        values.update(next_dose_number=due.dose_number, next_due_booster=due.is_booster,
                      next_due_from=due.earliest, next_due_until=due.latest,
                      next_due_product=",".join(due.allowed_vaccines)[:200] or None)
    return values


def refresh(connection: sa.Connection, profile, ids: Iterable[int], *,
            only_changed: bool = False) -> dict[int, dict]:
    """Recompute and store the next dose of these people; return the rows written ({id: values}).

    The people's rows are locked first (``FOR NO KEY UPDATE``: it does not wait for a booking or
    a dose that merely references the person), so their doses are read after any concurrent
    change to them has committed: two desks never leave an answer computed from a stale history.
    """
    ids = sorted(set(ids))
    if not ids:
        return {}
    person_columns = [getattr(Beneficiary, n) for n in PERSON_ATTRS]
    stored_columns = [getattr(Beneficiary, n) for n in COLUMNS]
    people = {row.id: row for row in connection.execute(
        sa.select(Beneficiary.id, *person_columns, *stored_columns)
        .where(Beneficiary.id.in_(ids)).order_by(Beneficiary.id)
        .with_for_update(key_share=True))}
    history: dict[int, list] = {i: [] for i in people}
    for dose in connection.execute(
            sa.select(*(getattr(DoseRecord, n) for n in DOSE_ATTRS))
            .where(DoseRecord.beneficiary_id.in_(list(people)))):
        history[dose.beneficiary_id].append(dose)
    written = {}
    for person_id, person in people.items():
        values = next_due_values(profile, person, history[person_id])
        if not (only_changed and all(getattr(person, n) == values[n] for n in COLUMNS)):
            written[person_id] = values
    if written:
        connection.execute(sa.update(Beneficiary)
                           .where(Beneficiary.id == sa.bindparam("person_id"))
                           .values({n: sa.bindparam(n) for n in COLUMNS}),
                           [{"person_id": i, **values} for i, values in written.items()])
    return written


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def changed_people(session: Session, dose_model, dose_attrs: tuple[str, ...],
                   person_attrs: tuple[str, ...]) -> set[int]:
    """The people this flush changes ``person_attrs`` of, or a ``dose_model`` row of (its
    ``dose_attrs`` changed, or deleted), read before the ORM forgets the old values."""
    people: set[int] = set()
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, dose_model) and (obj in session.deleted or _changed(obj, dose_attrs)):
            history = sa.inspect(obj).attrs.beneficiary_id.history
            people.update(i for i in (*history.deleted, *history.unchanged, *history.added)
                          if i is not None)
        elif isinstance(obj, Beneficiary) and obj not in session.deleted \
                and sa.inspect(obj).identity and _changed(obj, person_attrs):
            people.add(sa.inspect(obj).identity[0])
    return people


def _before_flush(session: Session, flush_context, instances) -> None:
    """Note whose next dose this flush may change (before the ORM forgets old values)."""
    people: set[int] = session.info.setdefault(PENDING, set())
    for obj in session.new:
        if isinstance(obj, DoseRecord) and obj.beneficiary_id is not None:
            people.add(obj.beneficiary_id)
    people.update(changed_people(session, DoseRecord, DOSE_ATTRS, PERSON_ATTRS))
    if not people:
        session.info.pop(PENDING, None)


def _after_flush(session: Session, flush_context) -> None:
    people = session.info.pop(PENDING, None)
    if not people or not has_app_context():
        return

    gone = {sa.inspect(obj).identity[0] for obj in session.deleted
            if isinstance(obj, Beneficiary) and sa.inspect(obj).identity}
    people -= gone
    if not people:
        return
    written = refresh(session.connection(), get_profile(), people)
    # People loaded in this session see the new values without a reload (and stay clean).
    mapper = sa.inspect(Beneficiary)
    for person_id, values in written.items():
        obj = session.identity_map.get(mapper.identity_key_from_primary_key((person_id,)))
        if obj is not None:
            for name, value in values.items():
                set_committed_value(obj, name, value)


def rebuild(session: Session, profile, *, batch: int = 5000,
            progress: Callable[[int], None] = lambda n: None) -> int:
    """Recompute every person's next dose, ``batch`` people per transaction; return the number
    of rows that changed. Safe while desks record doses (see ``refresh``)."""
    changed, after = 0, 0
    while True:
        ids = list(session.scalars(sa.select(Beneficiary.id).where(Beneficiary.id > after)
                                   .order_by(Beneficiary.id).limit(batch)))
        if not ids:
            return changed
        changed += len(refresh(session.connection(), profile, ids, only_changed=True))
        session.commit()
        after = ids[-1]
        progress(len(ids))


def install() -> None:
    """Listen to every ORM session's flushes (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
