"""After each dose, the person's account mobile gets the certificate's link in their language
(#19); a transactional text: sent even when reminders are off; none for walk-ins."""

from __future__ import annotations

import sqlalchemy as sa

from cowin_kit.core.models import SmsMessage
from tests.certificates.test_issuance import _account, _dose, app, place  # noqa: F401
from tests.certificates.world import make_person


def _texts(db):
    return db.session.execute(sa.select(SmsMessage).where(SmsMessage.purpose == "certificate")
                              .order_by(SmsMessage.id)).scalars().all()


def test_each_dose_texts_the_certificate_link_in_the_person_language(app, db, place):
    from cowin_kit.reminders import operations

    facility, vaccinator, _admin = place
    account = _account(db)
    operations.set_opt_out(account.mobile, True, source="citizen", account_id=account.id)
    person = make_person(db, account=account, locale="hi_IN")
    _dose(db, person, facility, vaccinator, 1)
    _dose(db, person, facility, vaccinator, 2)
    first, second = _texts(db)
    assert first.mobile == account.mobile and first.locale == "hi_IN"
    assert f"http://localhost/certificates/{person.reference_id}" in first.body
    assert person.name in second.body and "2" in second.body


def test_walk_ins_without_an_account_get_no_text(app, db, place):
    facility, vaccinator, _admin = place
    person = make_person(db, account=None)
    _dose(db, person, facility, vaccinator, 1)
    assert _texts(db) == []
