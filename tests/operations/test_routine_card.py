"""A child's immunisation card (issue #19): the schedule's doses given, due, overdue or not yet
in a PDF (text read back with pypdf), for the citizen of the child's account and for staff who
reach the child (an audited, counted look-up); Arabic (Iraq) right to left."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pypdf
import pytest
import sqlalchemy as sa
from babel.dates import format_date

from cowin_kit.core.models import AuditEntry
from cowin_kit.registration import children
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary
from cowin_kit.profiles import get_profile
from tests.citizen.helpers import person, sign_up
from tests.factories import citizen_sign_in, make_staff, sign_in


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def _day(day: dt.date) -> str:
    return format_date(day, "medium", locale="en_IN")  # India's English (?lang=en)


def _child(account, birth: dt.date, **extra):
    return children.add_child(account, name="Baby Meera", birth_date=birth, gender="F",
                              guardian="mother", **extra)


def _give(db, staff, facility, child, day: dt.date, *products, lot="L-{}"):
    for product in products:
        children.record_routine_dose(staff.id, facility.id, child, product=product,
                                     lot=lot.format(product.upper()), given_on=day)
    db.session.commit()


def _card(client, child, **query):
    return client.get(f"/my/beneficiaries/{child.reference_id}/immunisation-card.pdf",
                      query_string={"lang": "en", **query})


def test_a_child_on_time_shows_the_doses_given_and_the_next_ones_due(client, db, world):
    today = ops._today(get_profile())
    birth = today - dt.timedelta(weeks=10, days=3)
    account = sign_up()
    mother = ops.add_beneficiary(account, **person(1, birth_year=1995))
    child = _child(account, birth, mother=mother.reference_id)
    vaccinator, facility = world.staff["vaccinator"], world.facilities["FA"]
    _give(db, vaccinator, facility, child, birth, "bcg", "opv", "hepb")
    six_weeks = birth + dt.timedelta(weeks=6)
    _give(db, vaccinator, facility, child, six_weeks, "penta", "opv", "fipv", "rvv", "pcv")
    citizen_sign_in(client, account)
    page = client.get("/my").get_data(as_text=True)
    assert f"/my/beneficiaries/{child.reference_id}/immunisation-card.pdf" in page
    assert f"/my/beneficiaries/{mother.reference_id}/immunisation-card.pdf" not in page
    response = _card(client, child)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = _text(response.data)
    assert "Immunisation card" in text and "Baby Meera" in text and child.reference_id in text
    assert _day(birth) in text and mother.name in text and "Mother" in text
    # Given: the date, the product, the batch and the place of each dose.
    # Each recorded dose is on the row of the dose of the schedule it counts for.
    assert f"BCG {_day(birth)} {_day(birth)} BCG L-BCG Centre FA" in text
    assert (f"Pentavalent 1 {_day(six_weeks)} {_day(six_weeks)} Pentavalent (DTwP-HepB-Hib) "
            f"L-PENTA Centre FA") in text
    assert f"OPV-1 {_day(six_weeks)} {_day(six_weeks)} bOPV L-OPV Centre FA" in text
    assert "Other doses" not in text
    # Due now: the 10-week doses (four weeks after the 6-week ones), overdue four weeks later.
    ten_weeks = birth + dt.timedelta(weeks=10)
    overdue = _day(ten_weeks + dt.timedelta(weeks=4))
    assert (f"Pentavalent 2 {_day(ten_weeks)} due since {_day(ten_weeks)} overdue from {overdue}"
            in text)
    assert re.search(rf"Routine vaccinations due [^:]*Pentavalent 2[^:]*: due since "
                     rf"{_day(ten_weeks)} ", text)
    # Not yet: measles-rubella at nine months, in schedule order after the 14-week doses.
    assert "MR-1" in text and "Not yet due" in text
    assert text.index("BCG") < text.index("Pentavalent 1") < text.index("Pentavalent 3") \
        < text.index("MR-1")
    assert "overdue since" not in text
    # The citizen's download is written to the audit log.
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == child.reference_id,
        AuditEntry.action == "routine_card.download")) is not None


def test_a_late_child_shows_overdue_doses_and_missed_birth_doses(client, db, world):
    today = ops._today(get_profile())
    birth = today - dt.timedelta(weeks=20)
    account = sign_up()
    child = _child(account, birth)
    _give(db, world.staff["vaccinator"], world.facilities["FA"], child,
          birth + dt.timedelta(days=20), "bcg", "rvv")  # OPV-0 (15 days), Hep B (2) missed
    citizen_sign_in(client, account)
    text = _text(_card(client, child).data)
    six_weeks, four_weeks = birth + dt.timedelta(weeks=6), dt.timedelta(weeks=4)
    # Pentavalent 1 was due at six weeks and is overdue since four weeks later (highlighted).
    overdue = f"overdue since {_day(six_weeks + four_weeks)}"
    assert f"Pentavalent 1 {_day(six_weeks)} {overdue}" in text
    assert f"OPV-1 {_day(six_weeks)} {overdue}" in text
    assert re.search(rf"Routine vaccinations due [^:]*Pentavalent 1, [^:]*: {overdue} ", text)
    # The next doses are dated from today (four weeks after a first dose given today).
    assert f"Pentavalent 2 {_day(today + four_weeks)} Not yet due" in text
    # The birth doses given only in the first days were missed; BCG was given late.
    assert f"OPV-0 {_day(birth)} Not given" in text
    assert f"Hep B birth dose {_day(birth)} Not given" in text
    assert f"BCG {_day(birth)} {_day(birth + dt.timedelta(days=20))} BCG L-BCG" in text
    # A rotavirus dose at 20 days does not count (RVV-1 is from six weeks): other doses.
    assert (f"Other doses Rotavirus vaccine (RVV) {_day(birth + dt.timedelta(days=20))} L-RVV "
            f"Centre FA Given before the minimum age: it does not count") in text


def test_only_the_account_and_staff_in_reach_get_the_card(app, client, db, world):
    today = ops._today(get_profile())
    account = sign_up()
    child = _child(account, today - dt.timedelta(weeks=7))
    _give(db, world.staff["vaccinator"], world.facilities["FA"], child, today, "bcg")
    other = sign_up("9876500001")
    citizen_sign_in(client, other)
    response = _card(client, child)
    assert response.status_code == 404 and b"Baby Meera" not in response.data
    # Staff: the vaccinator of the facility that vaccinated the child, not one elsewhere.
    outsider = make_staff(db, "vaccinator", "vac-fb", facility=world.facilities["FB"])
    db.session.commit()
    staff_client = app.test_client()
    sign_in(staff_client, outsider)
    url = f"/desk/people/{child.reference_id}/immunisation-card.pdf"
    refused = staff_client.get(url)
    assert refused.status_code == 403 and b"Baby Meera" not in refused.data
    assert refused.headers["Cache-Control"] == "no-store"
    sign_in(staff_client, world.staff["vaccinator"])
    allowed = staff_client.get(url, query_string={"lang": "en"})
    assert allowed.status_code == 200 and "Baby Meera" in _text(allowed.data)
    views = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "beneficiary.view", AuditEntry.object_id == child.reference_id)).all()
    assert [v.actor_id for v in views] == [str(world.staff["vaccinator"].id)]
    assert "immunisation_card" in str(views[0].details)
    denied = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.actor_id == str(outsider.id), AuditEntry.outcome == "denied")).all()
    assert [d.action for d in denied] == ["route:routine_card.desk_card"]
    assert staff_client.get("/desk/people/10000000000000/immunisation-card.pdf").status_code == 404
    assert url in staff_client.get(f"/desk/people/{child.reference_id}").get_data(as_text=True)
    # An area administrator reaches a person living in the area; not one living elsewhere.
    unvaccinated = _child(account, today - dt.timedelta(weeks=3))
    url = f"/desk/people/{unvaccinated.reference_id}/immunisation-card.pdf"
    admin_client = app.test_client()
    sign_in(admin_client, world.staff["area_admin"])
    home = db.session.get(Beneficiary, unvaccinated.id)
    home.area_id = world.areas["A1"].id
    db.session.commit()
    assert admin_client.get(url).status_code == 200
    home.area_id = world.areas["B"].id
    db.session.commit()
    assert admin_client.get(url).status_code == 403


needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="pdftoppm (Debian poppler-utils) is not installed")


def test_a_live_vaccine_given_too_soon_after_another_is_listed_with_its_reason(client, db,
                                                                                 world):
    """India's live JE vaccine a week after the live MR vaccine (not the same day): the engine
    refuses it (28 days apart) and the card says why under other doses."""
    today = ops._today(get_profile())
    birth = today - dt.timedelta(days=300)
    account = sign_up()
    child = _child(account, birth)
    staff, facility = world.staff["vaccinator"], world.facilities["FA"]
    _give(db, staff, facility, child, today - dt.timedelta(days=20), "mr")
    _give(db, staff, facility, child, today - dt.timedelta(days=13), "je")
    citizen_sign_in(client, account)
    text = _text(_card(client, child).data)
    assert re.search(rf"Other doses .*{_day(today - dt.timedelta(days=13))} L-JE Centre FA "
                     "Given too soon after another live vaccine: it does not count", text), text


def _bare_card(db, weeks: int, products, *, name="Child", language=None):
    """A child registered ``weeks`` ago with ``products`` given at birth (lot B-7), in the
    active profile; returns the card and its PDF in ``language`` (default: the profile's)."""
    from cowin_kit.certificates.routine_card import card_for
    from cowin_kit.certificates.routine_card_pdf import build_card_pdf
    from cowin_kit.registration.models import RoutineDose

    birth = ops._today(get_profile()) - dt.timedelta(weeks=weeks)
    child = Beneficiary(reference_id="12345678901234", name=name, birth_year=birth.year,
                        birth_date=birth, gender="F", groups=[], guardian="mother")
    db.session.add(child)
    db.session.flush()
    db.session.add_all(RoutineDose(beneficiary_id=child.id, product=product, given_on=birth,
                                   lot="B-7") for product in products)
    db.session.commit()
    card = card_for(child)
    return card, build_card_pdf(card, language or get_profile().default_locale)


@needs_poppler
def test_an_arabic_card_is_right_to_left_with_arabic_digits(make_app, db, tmp_path):
    with make_app(PROFILE="iq").app_context():
        card, pdf = _bare_card(db, 12, ["bcg"], name="مريم علي", language="ar_IQ")
        path = tmp_path / "card.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout  # poppler applies the bidi order and ligatures
        letters = "".join(c for c in text if not c.isspace() and c not in "\u202b\u202c")
        assert "تاريخالميلاد" in letters and "الجرعة" in letters  # "Date of birth", "Dose"
        assert "B-7" in text and "BCG" in text
        birth = card.person.birth_date
        year = "".join(chr(0x660 + int(c)) for c in str(birth.year))
        assert year in text and str(birth.year) not in text  # dates in Arabic-Indic digits
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-singlefile", "-png", str(path),
                        str(tmp_path / "card")], check=True)
        assert (tmp_path / "card.png").stat().st_size > 1000


def test_the_desk_card_is_a_counted_look_up(make_app, db, world):
    from tests.operations.conftest import FAST_ARGON2

    limited = make_app(WTF_CSRF_ENABLED=False, STAFF_LOOKUP_LIMIT="2 per hour", **FAST_ARGON2)
    with limited.app_context():
        account = sign_up("9876500002")
        child = _child(account, ops._today(get_profile()) - dt.timedelta(weeks=7))
        _give(db, world.staff["vaccinator"], world.facilities["FA"], child,
              ops._today(get_profile()), "bcg")
        client = limited.test_client()
        sign_in(client, world.staff["vaccinator"])
        url = f"/desk/people/{child.reference_id}/immunisation-card.pdf"
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


SHIPPED = ("in", "vn", "ug", "ua", "ng", "mx", "pe", "pa", "do", "iq")


@pytest.mark.parametrize("code, language", [(c, None) for c in SHIPPED] + [("in", "hi")])
def test_every_shipped_schedule_prints_on_one_page_in_its_language(make_app, db, code, language):
    """A four-month-old with three birth doses, in the profile's own language and script
    (and India's in Hindi): one page, every glyph in a font (no .notdef), the doses on it."""
    with make_app(PROFILE=code).app_context():
        products = [p.id for p in get_profile().routine.products if p.in_programme][:3]
        card, pdf = _bare_card(db, 17, products, language=language)
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        assert b"<0000> Tj" not in reader.pages[0].get_contents().get_data()
        assert card.next_rows and len(card.rows) >= 8
        assert "B-7" in reader.pages[0].extract_text()


def test_a_pregnant_womans_card_shows_her_td_doses(client, db, world):
    account = sign_up()
    mother = ops.add_beneficiary(account, **person(1, birth_year=1995))
    children.record_pregnancy(account, mother.reference_id, week=20)
    citizen_sign_in(client, account)
    text = _text(_card(client, mother).data)
    assert "Td-1" in text and "Td-2" in text and "UIP - infants" not in text
    assert mother.id_masked in text and "Pentavalent" not in text
