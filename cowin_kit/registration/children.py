"""People without documents (issue #19): a child registered under a parent's or guardian's
account with a full birth date, an identity document attached later, a woman's pregnancy, and
the routine schedule's next due doses (profiles/routine.py) kept on the person's row."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.audit import audit
from cowin_kit.core.db import committing, db
from cowin_kit.core.errors import Conflict, KitError, NotFound, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.ages import after
from cowin_kit.profiles.routine import COMPLETE, NO_LONGER_DUE, NextDose, Pregnancy as Term
from cowin_kit.profiles.routine import next_doses
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary, Pregnancy, RoutineDose
from cowin_kit.registration.queries import count_of, document_hash, get_owned_beneficiary
from cowin_kit.registration.routine_rows import LATE, is_child, open_doses, rows_of, store

GUARDIANS = ("mother", "father", "guardian")
#: Gestational weeks a pregnancy may be registered at (how long after the expected delivery
#: date an open pregnancy still counts as current: routine_rows.LATE).
WEEKS = (1, 42)


class NoRoutineSchedule(NotFound):
    code = "NO_ROUTINE_SCHEDULE"
    default_message = _l("This country's profile has no routine immunisation schedule.")


class HasDocument(Conflict):
    code = "HAS_ID_DOCUMENT"
    default_message = _l("This person already has an identity document.")


class OpenPregnancy(Conflict):
    code = "OPEN_PREGNANCY"
    default_message = _l("A current pregnancy is already recorded for this person.")


def routine_of(profile):
    if profile.routine is None:
        raise NoRoutineSchedule()
    return profile.routine


def _check_child(profile, routine, *, name, birth_date, gender, guardian, mother, today):
    errors: dict[str, list] = {}
    clean = ops.clean_name(name)
    if clean is None:
        errors["name"] = [_l("Enter the name: 1 to %(max)s letters, spaces, dots, apostrophes "
                             "or hyphens.", max=ops.NAME_MAX)]
    if not isinstance(birth_date, dt.date):
        errors["birth_date"] = [_l("Enter the date of birth.")]
    elif birth_date > today:
        errors["birth_date"] = [_l("The date of birth cannot be in the future.")]
    elif routine.documents_from is not None and after(birth_date, routine.documents_from) <= today:
        errors["birth_date"] = [_l("People of this age need an identity document: use "
                                   "\"Add a person\".")]
    if gender not in {g.code for g in profile.genders}:
        errors["gender"] = [_l("Choose a gender from the list.")]
    if guardian not in GUARDIANS:
        errors["guardian"] = [_l("Choose who you are to the child.")]
    if mother is not None and (mother.gender != "F" or "birth_date" in errors
                               or mother.birth_year >= birth_date.year):
        errors["mother"] = [_l("Choose the child's mother among the people of this account.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def add_child(account: CitizenAccount, *, name: str, birth_date, gender: str, guardian: str,
              mother: str | None = None, locale: str | None = None,
              registered_by: int | None = None) -> Beneficiary:
    """Register a child without an identity document under ``account``; commits."""
    profile = get_profile()
    routine = routine_of(profile)
    today = ops._today(profile)
    with committing():
        if registered_by is None and has_request_context():
            ops._limit_citizen_attempt(account)
        mother_row = None
        if mother:
            try:
                mother_row = get_owned_beneficiary(account, mother)
            except NotFound:
                raise ValidationFailed(fields={"mother": [_l(
                    "Choose the child's mother among the people of this account.")]}) from None
        clean = _check_child(profile, routine, name=name, birth_date=birth_date, gender=gender,
                             guardian=guardian, mother=mother_row, today=today)
        ops._lock_account(account)
        limit = profile.booking.beneficiaries_per_mobile
        if count_of(account) >= limit:
            raise ops.BeneficiaryLimit(limit=limit)
        child = ops._insert(Beneficiary(
            account_id=account.id, name=clean, birth_year=birth_date.year, birth_date=birth_date,
            gender=gender, groups=[], comorbidity=False, guardian=guardian,
            mother_id=mother_row.id if mother_row else None,
            locale=locale if locale in profile.locale_ids else None,
            registered_by=registered_by), duplicate=Conflict)
        store_next_routine_due(child, today)
        audit("beneficiary.create", "beneficiary", child.reference_id, account_id=account.id,
              registered_by=registered_by, id_doc_type=None, guardian=guardian)
    return child


def attach_document(account: CitizenAccount, reference_id: str, *, id_doc_type: str,
                    id_number: str) -> Beneficiary:
    """Attach an identity document to a person registered without one; commits."""
    profile = get_profile()
    limited = has_request_context()  # scripts and tests without a request are not limited
    with committing():
        if limited:
            ops._limit_citizen_attempt(account)
        person = get_owned_beneficiary(account, reference_id, for_update=True)
        if person.id_hash is not None:
            raise HasDocument()
        document = {d.id: d for d in profile.id_documents}.get(id_doc_type)
        if document is None:
            raise ValidationFailed(fields={"id_doc_type": [_l(
                "Choose an identity document from the list.")]})
        try:
            checked = document.validate(id_number, birth_date=person.birth_date,
                                        birth_year=person.birth_year, gender=person.gender)
        except KitError as exc:
            exc.fields = exc.fields or {"id_number": [exc.text()]}
            raise
        hashed = document_hash(document.id, checked.normalized)
        if db.session.scalar(sa.select(Beneficiary.id).where(
                Beneficiary.id_doc_type == document.id, Beneficiary.id_hash == hashed)):
            raise ops._duplicate(account, limited)
        person.id_doc_type, person.id_hash, person.id_masked = document.id, hashed, checked.masked
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            raise ops._duplicate(account, limited) from None  # registered meanwhile
        audit("beneficiary.attach_id", "beneficiary", person.reference_id,
              account_id=account.id, id_doc_type=document.id)
    return person


def record_pregnancy(account: CitizenAccount, reference_id: str, *, week=None,
                     expected_delivery=None) -> Pregnancy:
    """Record a woman's current pregnancy by gestational week today or expected delivery
    date (one of them); commits."""
    profile = get_profile()
    routine_of(profile)
    today = ops._today(profile)
    with committing():
        person = get_owned_beneficiary(account, reference_id, for_update=True)
        errors = {}
        if person.gender != "F":
            errors["person"] = [_l("A pregnancy can be recorded only for a woman.")]
        if isinstance(expected_delivery, dt.date) and week is None:
            term = Term.from_due_date(expected_delivery)
            week = (today - term.start).days // 7
            if not today <= expected_delivery <= today + dt.timedelta(weeks=40):
                errors["expected_delivery"] = [_l(
                    "Enter an expected delivery date within the next 40 weeks.")]
        elif isinstance(week, int) and expected_delivery is None:
            if not WEEKS[0] <= week <= WEEKS[1]:
                errors["week"] = [_l("Enter a week of pregnancy from %(low)s to %(high)s.",
                                     low=WEEKS[0], high=WEEKS[1])]
            term = Term.at_week(week, today)
            expected_delivery = term.start + dt.timedelta(weeks=40)
        else:
            errors["week"] = [_l("Enter either the week of pregnancy or the expected delivery "
                                 "date.")]
        if errors:
            raise ValidationFailed(fields=errors)
        if current_pregnancy(person, today) is not None:
            raise OpenPregnancy()
        pregnancy = Pregnancy(beneficiary_id=person.id, start=term.start,
                              expected_delivery=expected_delivery, week_at_registration=week)
        db.session.add(pregnancy)
        db.session.flush()
        store_next_routine_due(person, today)
        audit("pregnancy.create", "beneficiary", person.reference_id, account_id=account.id)
    return pregnancy


def current_pregnancy(person: Beneficiary, on: dt.date) -> Pregnancy | None:
    return db.session.scalar(
        sa.select(Pregnancy).where(Pregnancy.beneficiary_id == person.id,
                                   Pregnancy.ended_on.is_(None),
                                   Pregnancy.expected_delivery >= on - LATE)
        .order_by(Pregnancy.start.desc()).limit(1))


def end_pregnancy(person: Beneficiary, day: dt.date) -> None:
    """Close the woman's current pregnancy on ``day`` (a birth); the caller commits."""
    pregnancy = current_pregnancy(person, day)
    if pregnancy is not None and pregnancy.start < day:
        pregnancy.ended_on = day
        db.session.flush()
        store_next_routine_due(person, day)
        audit("pregnancy.end", "beneficiary", person.reference_id)


def routine_history(person: Beneficiary) -> list[tuple[str, dt.date]]:
    """The person's recorded routine doses as (product, given on), for the engine."""
    return [tuple(row) for row in db.session.execute(
        sa.select(RoutineDose.product, RoutineDose.given_on)
        .where(RoutineDose.beneficiary_id == person.id))]


def routine_due(person: Beneficiary, on: dt.date, *, every: bool = False) -> list[NextDose]:
    """The person's open routine doses on ``on`` (next per antigen), earliest due first.

    Birth-anchored programmes apply to children (younger than the profile's documents_from)
    registered with a full birth date; pregnancy programmes to a woman with a current
    pregnancy. A dose several antigens share (Td) is listed once (``every``: once per
    programme and antigen, as the per-antigen due rows keep them)."""
    routine = get_profile().routine
    if routine is None:
        return []
    pregnancy = current_pregnancy(person, on)
    if pregnancy is None and not is_child(routine, person.birth_date, on):
        return []
    doses = open_doses(routine, person, pregnancy, routine_history(person), on)
    if every:
        return doses
    shown: dict[tuple, NextDose] = {}
    for dose in doses:
        shown.setdefault((dose.programme, dose.name), dose)
    return sorted(shown.values(), key=lambda d: (d.due, d.antigen))


def store_next_routine_due(person: Beneficiary, on: dt.date) -> None:
    """Keep the person's next routine due date (and overdue-from date) on their row, and their
    open doses per antigen (``RoutineDue``, registration/routine_rows.py)."""
    doses = routine_due(person, on, every=True)
    person.next_routine_due = min((d.due for d in doses), default=None)
    person.next_routine_overdue = min((d.overdue_from for d in doses), default=None)
    db.session.flush()
    store(db.session.connection(), {person.id: rows_of(person, doses)})


def routine_due_of(people: list[Beneficiary]) -> dict[int, list[NextDose]]:
    """Open routine doses of an account's people (a handful: the engine per person is cheap)."""
    today = ops._today(get_profile())
    return {p.id: routine_due(p, today) for p in people}


def birth_products(routine, birth: dt.date, on: dt.date) -> tuple[str, ...]:
    """The products of the doses due at birth that can still be given on ``on`` (BCG, OPV-0,
    the Hep B birth dose...)."""
    found: dict[str, None] = {}
    for dose in next_doses(routine, birth, on, []):
        if dose.can_give and dose.status not in (COMPLETE, NO_LONGER_DUE) and dose.due == birth:
            found.update(dict.fromkeys(dose.products))
    return tuple(found)


def record_routine_dose(staff_id: int, facility_id: int | None, person: Beneficiary, *,
                        product: str, lot: str, given_on: dt.date, **details) -> RoutineDose:
    """Record a routine dose given at a facility (``facility_id`` None: given elsewhere;
    ``lot`` already checked) and keep the person's next routine due date; ``details`` go to
    the audit entry; the caller commits."""
    routine = routine_of(get_profile())
    errors = {}
    known = routine.product(product)
    if known is None or (not known.in_programme and facility_id is not None):
        errors["product"] = [_l("Choose a vaccine from the list.")]
    if person.birth_date is not None and given_on < person.birth_date:
        errors["given_on"] = [_l("The dose cannot be given before the date of birth.")]
    if errors:
        raise ValidationFailed(fields=errors)
    dose = RoutineDose(beneficiary_id=person.id, product=product, given_on=given_on, lot=lot,
                       facility_id=facility_id, vaccinator_id=staff_id)
    db.session.add(dose)
    db.session.flush()
    store_next_routine_due(person, given_on)
    audit("routine_dose.record", "beneficiary", person.reference_id, product=product,
          facility=facility_id, dose=dose.id, **details)
    return dose
