"""Staff pages speak to people: product names instead of profile ids, translated statuses,
plural forms, usernames instead of "staff 5", audit details as a definition list, dates in the
locale's medium or long form, and one full stop after a date that ends with one."""

from __future__ import annotations

import datetime as dt
import re

from tests.operations.conftest import make_dose, make_person, make_session, sign_in


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_sessions_show_product_names_and_translated_statuses(client, db, world):
    facility = world.facilities["FA"]
    today = make_session(db, facility, vaccine="sputnik_v")
    later = make_session(db, facility, today.date + dt.timedelta(days=1), vaccine="covishield")
    later.status = "closed"
    db.session.commit()
    sign_in(client, world.staff["facility_manager"])
    main = _main(client.get(f"/admin/facilities/{facility.id}/sessions").get_data(as_text=True))
    assert "SPUTNIK V" in main and "SPUTNIK_V" not in main and "sputnik_v<" not in main
    assert "<td>Open</td>" in main and "<td>Closed</td>" in main
    assert "<td>open</td>" not in main and "<td>closed</td>" not in main
    detail = _main(client.get(f"/admin/sessions/{today.id}").get_data(as_text=True))
    assert "<h1>SPUTNIK V ·" in detail and "<strong>Open</strong>" in detail


def test_audit_log_names_staff_and_reads_details(client, app, db, world):
    from cowin_kit.core.audit import audit, set_actor

    vaccinator = world.staff["vaccinator"]
    with app.test_request_context("/"):
        set_actor("staff", vaccinator.id)
        audit("appointments.view", "facility", world.facilities["FA"].id, day="2026-12-04",
              people=["11112222333344", "55556666777788"], query={"kind": "mobile"})
        db.session.commit()
    sign_in(client, world.staff["national_admin"])
    html = _main(client.get("/staff/audit/?action=appointments.view").get_data(as_text=True))
    row = re.search(r"<tr>.*?appointments\.view.*?</tr>", html, re.S).group(0)
    assert f">{vaccinator.username}<" in row
    assert f"staff {vaccinator.id}" not in row
    assert "{" not in row and "&#34;" not in row and '"people"' not in row  # no raw JSON
    assert re.search(r"<dt>People</dt><dd>11112222333344, 55556666777788</dd>", row)
    assert re.search(r"<dt>Date</dt><dd>2026-12-04</dd>", row)
    assert re.search(r"<dt>Search</dt><dd><dl[^>]*>\s*<dt>Kind</dt><dd>mobile</dd>", row)
    # The moment in the locale's medium form ("4 Dec 2026, …"), not "04/12/26".
    assert re.search(r"<td>\d{1,2} [A-Z][a-z]{2} \d{4}, ", row), row


def test_dose_counts_use_plural_forms(client, db, world):
    from cowin_kit.accounts.models import CitizenAccount
    from tests.factories import citizen_sign_in

    account = CitizenAccount(mobile="+919876500002")
    db.session.add(account)
    db.session.flush()
    one = make_person(db, name="One dose", account=account)
    make_dose(db, one, world.facilities["FA"], days_ago=10)
    two = make_person(db, name="Two doses", account=account)
    make_dose(db, two, world.facilities["FA"], days_ago=200)
    make_dose(db, two, world.facilities["FA"], dose_number=2, days_ago=100)
    db.session.commit()
    citizen_sign_in(client, account)
    html = _main(client.get("/my").get_data(as_text=True))
    assert "dose(s)" not in html
    assert re.search(r"vaccinated: 1 dose<", html), html
    assert re.search(r"Vaccinated: 2 doses<", html), html


def test_a_date_ending_with_a_full_stop_ends_the_sentence_once(make_app, db):
    app = make_app(PROFILE="ua")
    with app.app_context():
        html = app.test_client().get("/dashboard?lang=uk_UA").get_data(as_text=True)
    sentence = re.search(r'<p class="lead">([^<]+)</p>', html).group(1)
    assert re.search(r"2\d{3}\sр\.$", sentence) and not sentence.endswith(".."), sentence


def test_aefi_list_shows_product_names(client, db, world):
    from cowin_kit.core.db import utcnow
    from cowin_kit.vaccination.models import AefiReport

    person = make_person(db)
    dose = make_dose(db, person, world.facilities["FA"], vaccine="sputnik_v")
    db.session.add(AefiReport(dose_record_id=dose.id, severity="mild", outcome="recovered",
                              onset_at=utcnow()))
    db.session.commit()
    sign_in(client, world.staff["facility_manager"])
    main = _main(client.get("/staff/aefi/").get_data(as_text=True))
    assert "SPUTNIK V" in main and "SPUTNIK_V" not in main


def test_the_desk_heading_gives_the_day_in_words(client, world):
    from babel.dates import format_date

    from cowin_kit.booking.admin_operations import facility_today

    sign_in(client, world.staff["vaccinator"])
    html = client.get("/desk/").get_data(as_text=True)
    day = format_date(facility_today(world.facilities["FA"]), "long", locale="en_IN")
    assert re.search(r"<h1>Centre FA · " + re.escape(day) + "</h1>", html), day  # "5 December 2026"
