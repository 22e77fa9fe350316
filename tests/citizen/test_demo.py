"""Demo citizens come from the profile's demo.people, and seeding twice changes nothing."""

from __future__ import annotations

import copy
import datetime as dt

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


def test_documents_that_encode_sex_and_birth_year_agree_with_the_demo_person(make_app):
    """Viet Nam's citizen ID encodes sex and birth year: every demo person is still registered,
    as an adult of their own gender (not refused as a child, nor a woman filed as male)."""
    from cowin_kit.core.db import db as database
    from cowin_kit.profiles import get_profile

    with make_app(PROFILE="vn").app_context():
        profile = get_profile()
        people = profile.data["demo"]["people"]
        lines = []
        demo.seed(None, profile, lines.append)
        assert not [line for line in lines if "skipped" in line]
        seeded = dict(database.session.execute(sa.select(Beneficiary.name, Beneficiary.gender)).all())
        assert seeded == {p["name"]: p["gender"] for p in people}
        for year in database.session.scalars(sa.select(Beneficiary.birth_year)):
            assert 18 <= dt.date.today().year - year <= 90
