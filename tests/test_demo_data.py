"""The demo's data is something a presenter can show: names of the country matching each
person's gender, products the schedule allows at each person's age, a queue at the vaccinator's
desk today, coverage against targets, no-shows, adverse events and a realistic wastage."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa


def _seed_demo(app, profile) -> None:
    """Run every domain's demo seed in order, as ``cowin-kit demo`` does (without serving)."""
    from cowin_kit.app import domain_modules

    for module in domain_modules("demo"):
        module.seed(app, profile, lambda _line: None)


@pytest.fixture(params=["in", "mx"])
def demo(request, make_app):
    from cowin_kit.profiles import get_profile

    app = make_app(PROFILE=request.param)
    with app.app_context():
        profile = get_profile()
        _seed_demo(app, profile)
        yield app, profile


def _history(profile):
    """The synthetic people of the history (no account) with their first doses."""
    from cowin_kit.core.db import db
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.vaccination.models import DoseRecord

    return db.session.execute(
        sa.select(Beneficiary.name, Beneficiary.gender, Beneficiary.birth_year,
                  DoseRecord.vaccine, DoseRecord.administered_on)
        .outerjoin(DoseRecord, sa.and_(DoseRecord.beneficiary_id == Beneficiary.id,
                                       DoseRecord.dose_number == 1))
        .where(Beneficiary.account_id.is_(None))).all()


def test_demo_data_a_presenter_can_show(demo):
    """One seeded demo per profile (seeding takes seconds), every check on it."""
    app, profile = demo
    _names_come_from_the_country_and_match_the_gender(profile)
    _first_products_are_allowed_at_each_persons_age(profile)
    _reports_have_rows_coverage_noshows_aefi_and_realistic_wastage()
    _facilities_have_addresses_from_their_areas(app, profile)
    _sessions_carry_the_profiles_age_bands(app, profile)
    _the_vaccinators_desk_has_appointments_today(app, profile)  # last: it seeds again


def _names_come_from_the_country_and_match_the_gender(profile):
    names = profile.data["demo"]["names"]
    people = _history(profile)
    assert len(people) > 1000
    surnames = names.get("surnames", 1)
    for name, gender, *_rest in people:
        parts = name.split(" ")
        given = " ".join(parts[:len(parts) - surnames])
        family = parts[len(parts) - surnames:]
        if gender in ("M", "F"):
            assert given in names["given"][gender], (name, gender)
        assert set(family) <= set(names["family"]), name


def _first_products_are_allowed_at_each_persons_age(profile):
    from cowin_kit.profiles.schedule import DueDose, Person, next_dose

    checked = 0
    for _name, _gender, birth_year, vaccine, day in _history(profile):
        if vaccine is None:
            continue
        due = next_dose(profile, Person(birth_year=birth_year), [], day)
        assert isinstance(due, DueDose) and vaccine in due.allowed_vaccines, \
            (birth_year, vaccine, day)
        checked += 1
    assert checked > 1000


def _the_vaccinators_desk_has_appointments_today(app, profile):
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.booking.models import Appointment, VaccinationSession
    from cowin_kit.core.db import db
    from cowin_kit.reporting.labels import local_today

    vaccinator = db.session.scalars(sa.select(StaffUser).where(
        StaffUser.username == "vaccinator")).one()
    waiting = db.session.scalar(
        sa.select(sa.func.count(Appointment.id))
        .join(VaccinationSession, VaccinationSession.id == Appointment.session_id)
        .where(VaccinationSession.facility_id == vaccinator.facility_id,
               VaccinationSession.date == local_today(), Appointment.status == "booked"))
    assert waiting >= 5
    # Seeding again (the demo command run twice) adds no second queue.
    _seed_demo(app, profile)
    assert db.session.scalar(
        sa.select(sa.func.count(Appointment.id)).where(Appointment.status == "booked")) == waiting


def _facilities_have_addresses_from_their_areas(app, profile):
    """'PHC Wagholi, Haveli, Pune, Maharashtra - 412207': the facility, its area and every
    parent up to the first level, and the postal code; what /api/v2 answers as `address`."""
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility, VaccinationSession
    from cowin_kit.core.db import db

    language = profile.default_locale.split("_")[0]
    facilities = db.session.scalars(sa.select(Facility).where(
        Facility.code.startswith("DEMO-"))).all()
    assert facilities
    for facility in facilities:
        area = db.session.get(Area, facility.area_id)
        top = db.session.get(Area, int(area.path.strip("/").split("/")[0]))
        assert facility.address.startswith(f"{facility.name}, "), facility.address
        assert area.display_name(language) in facility.address
        assert facility.address.split(" - ")[0].endswith(f", {top.display_name(language)}")
        assert facility.address.endswith(f" - {facility.postal_code}"), facility.address
    session = db.session.scalars(sa.select(VaccinationSession)).first()
    facility = db.session.get(Facility, session.facility_id)
    answer = app.test_client().get(
        "/api/v2/appointment/sessions/public/calendarByCenter",
        query_string={"center_id": facility.id, "date": session.date.strftime("%d-%m-%Y")})
    answer = answer.get_json()
    assert answer["centers"]["address"] == facility.address


def _sessions_carry_the_profiles_age_bands(app, profile):
    """India's demo has CoWIN's 2021 bands, 18-44 and 45+ (what clients of then know), beside
    12-14 and 15-17, each within its vaccine's ages; /api/v2 shows them as CoWIN did."""
    from cowin_kit.booking.models import VaccinationSession
    from cowin_kit.core.db import db
    from cowin_kit.reporting.labels import local_today

    sessions = db.session.scalars(sa.select(VaccinationSession).where(  # the coming week's
        VaccinationSession.date >= local_today(), VaccinationSession.status == "open")).all()
    bands = profile.data["demo"].get("session_age_bands")
    if not bands:  # Mexico: each vaccine's own ages
        assert {(s.min_age, s.max_age) for s in sessions} == {
            (max(v.min_age or 0, profile.eligibility.min_age or 0), v.max_age)
            for v in profile.vaccines}
        return
    assert {(s.min_age, s.max_age) for s in sessions} == {
        (12, 14), (15, 17), (18, 44), (45, None)}
    for s in sessions:
        vaccine = profile.vaccine(s.vaccine)
        assert s.min_age >= vaccine.min_age and (vaccine.max_age is None
                                                 or s.max_age <= vaccine.max_age), s.vaccine
    client = app.test_client()
    shown = set()
    for session in sessions:
        if {(18, 44, False), (45, None, True)} <= shown:
            break
        if session.min_age not in (18, 45):
            continue
        centre = client.get(
            "/api/v2/appointment/sessions/public/calendarByCenter",
            query_string={"center_id": session.facility_id,
                          "date": session.date.strftime("%d-%m-%Y")}).get_json()["centers"]
        shown |= {(s["min_age_limit"], s.get("max_age_limit"), s["allow_all_age"])
                  for s in centre["sessions"]}
    assert {(18, 44, False), (45, None, True)} <= shown, shown


def _report(kind: str) -> list[tuple]:
    from cowin_kit.reporting.labels import local_today
    from cowin_kit.reporting.catalog import all_reports
    from cowin_kit.reporting.reports import Params

    today = local_today()
    params = Params(area=None, date_from=today - dt.timedelta(days=90), date_to=today,
                    today=today)
    return list(all_reports()[kind].rows(params, lambda _n: None))


def _reports_have_rows_coverage_noshows_aefi_and_realistic_wastage():
    coverage = [row for row in _report("coverage") if row[2] == "all"]
    assert coverage and all(row[3] for row in coverage)  # every area has a target population
    first_dose_pct = [row[7] for row in coverage]
    assert all(0 < pct < 100 for pct in first_dose_pct), first_dose_pct

    noshow = _report("noshow")
    missed = sum(row[4] for row in noshow)
    booked = sum(row[2] for row in noshow)
    assert missed and 0.02 < missed / booked < 0.2

    assert _report("aefi")

    wastage = _report("wastage")
    opened = sum(row[2] for row in wastage)
    wasted = sum(row[4] for row in wastage)
    assert 0.01 < wasted / opened < 0.12, (wasted, opened)


def test_namer_follows_order_and_surnames():
    from cowin_kit.reporting.demo import demo_namer

    class Profile:
        data = {"demo": {"names": {"order": "family_given", "surnames": 2,
                                   "given": {"M": ["Văn An"], "F": ["Thị Lan"]},
                                   "family": ["Nguyễn", "Trần"]}}}

    name = demo_namer(Profile())
    assert name(random.Random(1), "F") in ("Nguyễn Trần Thị Lan", "Trần Nguyễn Thị Lan")
    assert name(random.Random(1), "M").endswith(" Văn An")
    assert demo_namer(type("Bare", (), {"data": {}})()) is None
