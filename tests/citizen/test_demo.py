"""Demo citizens come from the profile's demo.people, and seeding twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from cowin_kit.accounts.models import CitizenAccount
from cowin_kit.registration import demo
from cowin_kit.registration.models import Beneficiary

PEOPLE = [{"name": "Aarav Sharma", "gender": "M", "birth_year": 1985},
          {"name": "प्रिया शर्मा", "gender": "F", "birth_year": 1988},
          {"name": "Lakshmi Iyer", "gender": "F", "birth_year": 1954}]


def test_no_demo_people_no_citizens(app, db):
    lines = []
    demo.seed(app, _profile(), lines.append)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CitizenAccount)) == 0
    assert "no demo.people" in lines[0]


def test_demo_people_are_seeded_once(app, db):
    profile = _profile()
    profile.data["demo"] = {"people": PEOPLE}
    demo.seed(app, profile, lambda line: None)
    demo.seed(app, profile, lambda line: None)
    names = sorted(db.session.scalars(sa.select(Beneficiary.name)))
    assert names == sorted(p["name"] for p in PEOPLE)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CitizenAccount)) == 2


def _profile():
    from cowin_kit.profiles import get_profile

    return get_profile()
