"""Writes about beneficiaries: register one under a mobile (or as a walk-in), remove one."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.booking.models import Appointment, SessionCapacity
from cowin_kit.core.audit import audit
from cowin_kit.core.db import committing, db, utcnow
from cowin_kit.core.errors import Conflict, KitError, RateLimited, ValidationFailed
from cowin_kit.core.ratelimit import check, client_address, hit
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.queries import count_of, document_hash, get_owned_beneficiary
from cowin_kit.vaccination.models import DoseRecord

NAME_MAX = 100
MAX_AGE = 120
REFERENCE_DIGITS = 14
_NAME_PUNCTUATION = set(" .'-’")


class BeneficiaryLimit(Conflict):
    code = "BENEFICIARY_LIMIT"
    default_message = _l("You can register at most %(limit)s people with one mobile number.")


class DuplicateIdDocument(Conflict):
    code = "DUPLICATE_ID_DOCUMENT"
    default_message = _l("This identity document is already registered. Each person can be "
                         "registered only once.")


class TooManyRegistrations(RateLimited):
    default_message = _l("Too many registration attempts. Please try again later.")


class UnderAge(ValidationFailed):
    code = "UNDER_AGE"
    default_message = _l("People younger than %(age)s years cannot be registered.")


class HasDoses(Conflict):
    code = "BENEFICIARY_HAS_DOSES"
    default_message = _l("This person has a recorded vaccination and cannot be removed.")


def clean_name(raw: str) -> str | None:
    """Return the name tidied (NFC, single spaces) or None when it is not a plausible name."""
    name = " ".join(unicodedata.normalize("NFC", str(raw or "")).split())
    if not 1 <= len(name) <= NAME_MAX:
        return None
    has_letter = False
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            has_letter = True
        # Marks (M*) carry the vowels of Indic and other scripts: they belong to names.
        elif not (category.startswith("M") or ch in _NAME_PUNCTUATION):
            return None
    return name if has_letter else None


def _today(profile) -> dt.date:
    return utcnow().astimezone(ZoneInfo(profile.timezone)).date()


def _age(today: dt.date, birth_year: int, birth_date: dt.date | None) -> int:
    if birth_date is None:
        return today.year - birth_year  # CoWIN counts age by year of birth
    return today.year - birth_date.year - ((today.month, today.day)
                                           < (birth_date.month, birth_date.day))


def _check_fields(profile, *, name, birth_year, birth_date, gender, id_doc_type, groups, today):
    """Return (clean name, birth year, document); raise ValidationFailed listing every field."""
    errors: dict[str, list] = {}
    clean = clean_name(name)
    if clean is None:
        errors["name"] = [_l("Enter the name as on the identity document: 1 to %(max)s letters, "
                             "spaces, dots, apostrophes or hyphens.", max=NAME_MAX)]
    if birth_date is not None:
        if birth_year is not None and int(birth_year) != birth_date.year:
            errors["birth_year"] = [_l("The birth year does not match the birth date.")]
        birth_year = birth_date.year
    elif profile.booking.birth == "date":
        errors["birth_date"] = [_l("Enter the date of birth.")]
    if birth_year is None and "birth_date" not in errors:
        errors["birth_year"] = [_l("Enter the year of birth.")]
    elif birth_year is not None:
        age = _age(today, int(birth_year), birth_date)
        if not 0 <= age <= MAX_AGE or (birth_date is not None and birth_date > today):
            errors["birth_date" if birth_date else "birth_year"] = [
                _l("Enter a real birth year (age between 0 and %(max)s).", max=MAX_AGE)]
    if gender not in {g.code for g in profile.genders}:
        errors["gender"] = [_l("Choose a gender from the list.")]
    unknown = set(groups) - {g.id for g in profile.eligibility.priority_groups}
    if unknown:
        errors["groups"] = [_l("Unknown priority group: %(group)s.", group=", ".join(sorted(unknown)))]
    document = None
    known_docs = {d.id: d for d in profile.id_documents}
    if id_doc_type in known_docs:
        document = known_docs[id_doc_type]
    else:
        errors["id_doc_type"] = [_l("Choose an identity document from the list.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean, int(birth_year), document


def _new_reference_id() -> str:
    return str(10 ** (REFERENCE_DIGITS - 1) + secrets.randbelow(9 * 10 ** (REFERENCE_DIGITS - 1)))


def _lock_account(account: CitizenAccount) -> None:
    """Serialise registrations under one mobile so the per-mobile limit holds under races."""
    db.session.execute(sa.select(CitizenAccount.id).where(CitizenAccount.id == account.id)
                       .with_for_update())


def _citizen_budgets(account: CitizenAccount, kind: str) -> list[tuple[str, str, str]]:
    """(scope, limit, key) of a citizen's registration budgets of one kind (``attempts`` or
    ``duplicates``): one per account and one per client address."""
    from flask import current_app

    config, name = current_app.config, kind.upper()
    return [(f"registration-{kind}", config[f"RATE_LIMIT_REGISTRATION_{name}_PER_ACCOUNT"],
             f"account:{account.id}"),
            (f"registration-{kind}", config[f"RATE_LIMIT_REGISTRATION_{name}_PER_IP"],
             client_address())]


def _limit_citizen_attempt(account: CitizenAccount) -> None:
    """Count a citizen's registration attempt; refuse it (429, Retry-After) when the account or
    the client address is over its attempts, or has used up its duplicate-document refusals.

    "This identity document is already registered" tells whether someone's number is in the
    register, and so does a registration that succeeds (then deleted, then tried again). The
    budgets bound how many numbers one account or one address can try. Once the duplicate
    budget is used up every attempt is refused, whatever the number, so the refusal itself
    tells nothing. (Desk walk-ins and scripts without a request are not limited here.)
    """
    for scope, limit, key in _citizen_budgets(account, "duplicates"):
        check(scope, limit, key, error=TooManyRegistrations)
    for scope, limit, key in _citizen_budgets(account, "attempts"):
        hit(scope, limit, key, error=TooManyRegistrations)


def _duplicate(account: CitizenAccount | None, limited: bool) -> DuplicateIdDocument:
    """The refusal for an already registered document, counted against a citizen's budgets."""
    if limited and account is not None:
        for scope, limit, key in _citizen_budgets(account, "duplicates"):
            hit(scope, limit, key, error=TooManyRegistrations)
    return DuplicateIdDocument(fields={"id_number": [DuplicateIdDocument.default_message]})


#: The priority group id profiles use for people with a long-term illness.
COMORBIDITY_GROUP = "comorbidity"


def has_comorbidity_group(profile) -> bool:
    """Whether the profile asks about comorbidity as a priority group (then the form does not
    ask it a second time)."""
    return any(g.id == COMORBIDITY_GROUP for g in profile.eligibility.priority_groups or ())


def add_beneficiary(account: CitizenAccount | None, *, name: str, birth_year: int | None,
                    birth_date: dt.date | None = None, gender: str, id_doc_type: str,
                    id_number: str, groups=(), comorbidity: bool = False,
                    locale: str | None = None, registered_by: int | None = None) -> Beneficiary:
    """Register a person under a citizen account (or a walk-in by staff); commits."""
    from flask import has_request_context

    profile = get_profile()
    groups = tuple(dict.fromkeys(groups or ()))
    # One fact, two spellings: the profile's "comorbidity" priority group and the flag.
    if comorbidity and has_comorbidity_group(profile) and COMORBIDITY_GROUP not in groups:
        groups += (COMORBIDITY_GROUP,)
    comorbidity = bool(comorbidity) or COMORBIDITY_GROUP in groups
    today = _today(profile)
    limited = account is not None and registered_by is None and has_request_context()
    if limited:
        _limit_citizen_attempt(account)
    with committing():
        clean, birth_year, document = _check_fields(
            profile, name=name, birth_year=birth_year, birth_date=birth_date, gender=gender,
            id_doc_type=id_doc_type, groups=groups, today=today)
        min_age = max(profile.eligibility.min_age or 0, document.min_age or 0)
        if _age(today, birth_year, birth_date) < min_age:
            raise UnderAge(age=min_age, fields={"birth_year": [_l(
                "People younger than %(age)s years cannot be registered.", age=min_age)]})
        try:
            checked = document.validate(id_number, birth_date=birth_date, birth_year=birth_year,
                                        gender=gender)
        except KitError as exc:
            exc.fields = exc.fields or {"id_number": [exc.text()]}
            raise
        if birth_date is None and checked.birth_date is not None:
            birth_date = checked.birth_date  # the document tells us the exact date
        if account is not None:
            _lock_account(account)
            limit = profile.booking.beneficiaries_per_mobile
            if count_of(account) >= limit:
                raise BeneficiaryLimit(limit=limit)
        hashed = document_hash(document.id, checked.normalized)
        if db.session.scalar(sa.select(Beneficiary.id).where(
                Beneficiary.id_doc_type == document.id, Beneficiary.id_hash == hashed)):
            raise _duplicate(account, limited)
        if locale not in profile.locale_ids:
            locale = None
        beneficiary = _insert(Beneficiary(
            account_id=account.id if account else None, name=clean, birth_year=birth_year,
            birth_date=birth_date, gender=gender, id_doc_type=document.id, id_hash=hashed,
            id_masked=checked.masked, groups=list(groups), comorbidity=bool(comorbidity),
            locale=locale, registered_by=registered_by),
            duplicate=lambda: _duplicate(account, limited))
        audit("beneficiary.create", "beneficiary", beneficiary.reference_id,
              account_id=beneficiary.account_id, registered_by=registered_by,
              id_doc_type=document.id)
    return beneficiary


def _insert(beneficiary: Beneficiary, duplicate, attempts: int = 5) -> Beneficiary:
    """Insert with a fresh random reference id, retrying on the (rare) collision; raise
    ``duplicate()`` when the document was registered meanwhile."""
    for _attempt in range(attempts):
        beneficiary.reference_id = _new_reference_id()
        try:
            with db.session.begin_nested():
                db.session.add(beneficiary)
            return beneficiary
        except IntegrityError as exc:
            if "reference_id" not in str(exc.orig):
                # Someone registered the same document between our check and our insert.
                raise duplicate() from None
    raise Conflict()  # pragma: no cover - 5 collisions in 9e13 ids


def delete_beneficiary(account: CitizenAccount, reference_id: str) -> None:
    """Remove a beneficiary without recorded doses, giving back their booked capacity; commits."""
    try:
        with committing():
            beneficiary = get_owned_beneficiary(account, reference_id, for_update=True)
            if db.session.scalar(sa.select(DoseRecord.id)
                                 .where(DoseRecord.beneficiary_id == beneficiary.id).limit(1)):
                raise HasDoses()
            booked = list(db.session.execute(
                sa.select(Appointment.id, Appointment.capacity_id)
                .where(Appointment.beneficiary_id == beneficiary.id, Appointment.status == "booked")
                .with_for_update()))
            capacity = SessionCapacity.__table__
            for _appointment_id, capacity_id in booked:
                db.session.execute(capacity.update().where(capacity.c.id == capacity_id)
                                   .values(booked=capacity.c.booked - 1))
            appointment = Appointment.__table__
            # Booked appointments are cancelled (capacity given back above); their rows reference
            # the person, so they go with the registration (the audit entry keeps their ids).
            db.session.execute(appointment.delete()
                               .where(appointment.c.beneficiary_id == beneficiary.id))
            audit("beneficiary.delete", "beneficiary", beneficiary.reference_id,
                  account_id=account.id, cancelled_appointments=[str(a) for a, _c in booked])
            db.session.delete(beneficiary)
    except IntegrityError:
        db.session.rollback()
        raise Conflict() from None  # a dose or booking arrived meanwhile: nothing was removed
