"""Demo citizens: a few mobiles with beneficiaries named from the profile's ``demo.people``.

Names come only from profile data (``demo: {people: [{name, gender, birth_year}, …]}``); without
that section no people are seeded. Mobiles and document numbers are derived from the profile's
examples (digits varied until the profile's own rules accept them), so every country works.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.profiles.phones import national_number, normalize_mobile
from cowin_kit.registration.operations import add_beneficiary

PEOPLE_PER_MOBILE = 2
SEED = 2021


def _vary_digits(example: str, rng: random.Random, accept, tries: int = 2000):
    """Return the first variant of ``example`` (random digits, same shape) that ``accept`` takes."""
    for _ in range(tries):
        candidate = "".join(str(rng.randint(0, 9)) if ch.isdigit() else ch for ch in example)
        try:
            return accept(candidate)
        except KitError:
            continue
    return None


def _demo_mobiles(profile, count: int, rng: random.Random) -> list[str]:
    example = profile.phone.example or ""
    prefix, tail = example[:-4], example[-4:]  # keep the operator prefix: it stays a mobile
    found: list[str] = []
    while example and len(found) < count:
        mobile = _vary_digits(tail, rng, lambda t: normalize_mobile(profile, prefix + t), 200)
        if mobile is None:
            break
        if mobile not in found:
            found.append(mobile)
    return found


class _Mismatch(KitError):
    """A valid number whose encoded sex or birth year is not the demo person's."""


def _document_for(profile, rng: random.Random, entry: dict | None = None):
    """Return (document, valid number, CheckedId) from the first document with an example.

    Numbers that encode sex or birth year are varied until they agree with the person (else
    with their sex and an adult's age, else any valid number), so a woman's document never
    says male and a demo adult is not registered as a child."""
    year = dt.date.today().year

    def agrees(checked, level: int):
        if level == 0 or entry is None:
            return checked
        born = checked.birth_year
        if checked.gender not in (None, entry["gender"]) or (
                born is not None and (born != entry["birth_year"] if level == 2
                                      else not 18 <= year - born <= 90)):
            raise _Mismatch("demo person mismatch")
        return checked

    for doc in profile.id_documents:
        if not doc.example:
            continue
        for level in (2, 1, 0):
            checked = _vary_digits(doc.example, rng,
                                   lambda n, d=doc, lv=level: (n, agrees(d.validate(n), lv)))
            if checked:
                return doc, checked[0], checked[1]
    return None


def seed(app, profile, echo) -> None:
    """Create demo citizen accounts with beneficiaries (idempotent)."""
    people = (profile.data.get("demo") or {}).get("people") or []
    if not people:
        echo("  registration: no demo.people in the profile; no demo citizens seeded")
        return
    rng = random.Random(SEED)
    groups = [people[i:i + PEOPLE_PER_MOBILE] for i in range(0, len(people), PEOPLE_PER_MOBILE)]
    mobiles = _demo_mobiles(profile, len(groups), rng)
    limit = profile.booking.beneficiaries_per_mobile
    for mobile, group in zip(mobiles, groups):
        if db.session.scalar(sa.select(CitizenAccount.id).where(CitizenAccount.mobile == mobile)):
            continue
        account = CitizenAccount(mobile=mobile, locale=profile.default_locale)
        db.session.add(account)
        db.session.commit()
        for entry in group[:limit]:
            found = _document_for(profile, rng, entry)
            if found is None:
                continue
            doc, number, checked = found
            birth_date = checked.birth_date
            if birth_date is None and profile.booking.birth == "date":
                # Registration asks for the full date and the document gives none: invent one
                # in the year known so far (the document's, else the demo person's).
                birth_date = dt.date(checked.birth_year or entry["birth_year"],
                                     1 + rng.randrange(12), 1 + rng.randrange(28))
            try:
                add_beneficiary(
                    account, name=entry["name"], gender=checked.gender or entry["gender"],
                    birth_year=(birth_date.year if birth_date else checked.birth_year
                                or entry["birth_year"]),
                    birth_date=birth_date, id_doc_type=doc.id, id_number=number)
            except KitError as exc:
                echo(f"  registration: skipped demo person {entry['name']}: {exc.text()}")
        echo(f"  registration: demo citizen {national_number(mobile)} (sign in at /signin; "
             "read the OTP on the page or with 'cowin-kit sms outbox')")
