"""Staff pages say who is signed in (name, translated role, place); the language chosen before
sign-in stays; the menu shows staff links only to staff of the roles that can open them."""

from __future__ import annotations

import re

import pytest

from tests.operations.conftest import PASSWORD, sign_in


def _nav(html: str) -> str:
    found = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def _staff_bar(html: str) -> str:
    found = re.search(r'<div class="staff-bar">.*?</div>', html, re.S)
    return found.group(0) if found else ""


def test_sign_in_keeps_the_language_chosen_before(client, world):
    client.get("/language/hi_IN?next=/staff/login")  # the language switcher
    response = client.post("/staff/login", data={"username": "vac", "password": PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session.get("lang") == "hi_IN"
    html = client.get("/staff/").get_data(as_text=True)
    assert 'lang="hi-IN"' in html
    assert "टीकाकर्ता" in _staff_bar(html)  # "Vaccinator" in Hindi
    # Signing out keeps it too.
    client.post("/staff/logout")
    assert 'lang="hi-IN"' in client.get("/staff/login").get_data(as_text=True)


@pytest.mark.parametrize("role, place", [
    ("vaccinator", "Centre FA"), ("facility_manager", "Centre FA"),
    ("area_admin", "T-A"), ("auditor", "T-A"), ("national_admin", "India"),
])
def test_every_staff_page_says_who_where_and_which_role(client, world, role, place):
    from cowin_kit.accounts.staff_web import role_label

    staff = world.staff[role]
    sign_in(client, staff)
    pages = {"vaccinator": ["/staff/", "/desk/", "/staff/aefi/", "/staff/password"],
             "facility_manager": ["/staff/", "/desk/", "/admin/facilities"],
             "area_admin": ["/staff/", "/staff/users", "/staff/reports/", "/admin/facilities"],
             "auditor": ["/staff/", "/staff/audit/", "/staff/reports/"],
             "national_admin": ["/staff/", "/staff/audit/", "/staff/users"]}[role]
    with client.application.test_request_context():
        label = role_label(role)
    assert label != role
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        bar = _staff_bar(response.get_data(as_text=True))
        assert f"({staff.username})" in bar, url
        assert label in bar and place in bar, (url, bar)
        assert "/staff/logout" in bar, url


def test_visitors_and_citizens_see_no_staff_links_only_a_discreet_sign_in(client, db, world):
    from cowin_kit.accounts.models import CitizenAccount
    from tests.factories import citizen_sign_in

    account = CitizenAccount(mobile="+919876500001")
    db.session.add(account)
    db.session.commit()
    for who in ("anonymous", "citizen"):
        if who == "citizen":
            citizen_sign_in(client, account)
        html = client.get("/").get_data(as_text=True)
        nav = _nav(html)
        assert "/staff/reports/" not in nav and 'href="/staff/"' not in nav, who
        assert "/dashboard" in nav, who  # public links stay
        assert re.search(r'<a href="/staff/login">[^<]+</a>', html), who
        assert not _staff_bar(html), who


@pytest.mark.parametrize("role, reports, targets", [
    ("national_admin", True, True), ("area_admin", True, True), ("auditor", True, False),
    ("facility_manager", False, False), ("vaccinator", False, False),
])
def test_staff_menu_and_home_link_to_the_reports_each_role_may_open(client, world, role,
                                                                   reports, targets):
    sign_in(client, world.staff[role])
    html = client.get("/staff/").get_data(as_text=True)
    nav = _nav(html)
    assert 'href="/staff/"' in nav
    assert ('href="/staff/reports/"' in nav) is reports
    main = html.split('<main', 1)[1]
    assert ('href="/staff/reports/"' in main) is reports
    assert ('href="/staff/reports/targets"' in main) is targets
    assert "/staff/login" not in html  # signed in: no sign-in link
    if reports:  # the links open
        assert client.get("/staff/reports/").status_code == 200
