"""Demo citizens come from the profile's demo.people, and seeding twice changes nothing."""

from __future__ import annotations

import copy

import sqlalchemy as sa

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.registration import demo
from cowin_kit.registration.models import Beneficiary

PEOPLE = [{"name": "Aarav Sharma", "gender": "M", "birth_year": 1985},
          {"name": "प्रिया शर्मा", "gender": "F", "birth_year": 1988},
          {"name": "Lakshmi Iyer", "gender": "F", "birth_year": 1954}]


def _profile_with_demo(section):
    """A copy of the app's profile with another demo section (profiles are shared, cached)."""
    from cowin_kit.profiles import get_profile

    profile = copy.copy(get_profile())
    object.__setattr__(profile, "data", {**profile.data, "demo": section})
    return profile


def test_no_demo_people_no_citizens(app, db):
    lines = []
    demo.seed(app, _profile_with_demo({}), lines.append)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CitizenAccount)) == 0
    assert "no demo.people" in lines[0]


def test_demo_people_are_seeded_once(app, db):
    profile = _profile_with_demo({"people": PEOPLE})
    demo.seed(app, profile, lambda line: None)
    demo.seed(app, profile, lambda line: None)
    names = sorted(db.session.scalars(sa.select(Beneficiary.name)))
    assert names == sorted(p["name"] for p in PEOPLE)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CitizenAccount)) == 2


def test_the_shipped_profile_seeds_its_own_people(app, db):
    from cowin_kit.profiles import get_profile

    profile = get_profile()
    people = (profile.data.get("demo") or {}).get("people") or []
    demo.seed(app, profile, lambda line: None)
    assert sorted(db.session.scalars(sa.select(Beneficiary.name))) == sorted(
        p["name"] for p in people)
