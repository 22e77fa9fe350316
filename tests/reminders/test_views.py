"""The citizen's reminder setting (#19): a form with CSRF on "My account", audit-logged, and
turned back on the same way."""

from __future__ import annotations

from cowin_kit.core.models import AuditEntry
from cowin_kit.reminders import operations
from tests.factories import citizen_sign_in
from tests.reminders.helpers import account


def _token(client, html: str) -> str:
    marker = 'name="csrf_token" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_a_citizen_turns_reminders_off_and_on_again(app, db, client):
    owner = account(db, "+919800000101")
    db.session.commit()
    citizen_sign_in(client, owner)
    assert "Vaccination reminders" in client.get("/my").get_data(as_text=True)
    page = client.get("/my/reminders").get_data(as_text=True)
    assert "Reminders are on." in page and "Turn reminders off" in page
    # Without the form's CSRF token nothing changes.
    assert client.post("/my/reminders", data={"reminders": "off"}).status_code == 400
    assert not operations.opted_out(owner.mobile)

    done = client.post("/my/reminders", data={"reminders": "off",
                                              "csrf_token": _token(client, page)})
    assert done.status_code == 302 and operations.opted_out(owner.mobile)
    page = client.get("/my/reminders").get_data(as_text=True)
    assert "Reminders are off." in page and "Turn reminders on" in page
    client.post("/my/reminders", data={"reminders": "on", "csrf_token": _token(client, page)})
    assert not operations.opted_out(owner.mobile)
    actions = [a for (a,) in db.session.query(AuditEntry.action).filter(
        AuditEntry.action.like("reminders.%")).order_by(AuditEntry.id)]
    assert actions == ["reminders.opt_out", "reminders.opt_in"]


def test_an_unknown_choice_is_a_clear_400(app, db, client):
    owner = account(db, "+919800000102")
    db.session.commit()
    citizen_sign_in(client, owner)
    token = _token(client, client.get("/my/reminders").get_data(as_text=True))
    response = client.post("/my/reminders", data={"reminders": "maybe", "csrf_token": token})
    assert response.status_code == 400
    assert "Choose whether to receive reminders." in response.get_data(as_text=True)
    assert not operations.opted_out(owner.mobile)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/my/reminders")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
