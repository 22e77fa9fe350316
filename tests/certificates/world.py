"""Rows for certificate tests: doses here; areas, staff, people and staff sessions from the
shared tests/factories.py."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_area, make_person, make_staff, sign_in  # noqa: F401


def make_dose(db, person, facility, *, dose_number=1, days_ago=0, vaccinator=None, vaccine="covishield"):
    from cowin_kit.core.db import utcnow
    from cowin_kit.vaccination.models import DoseRecord

    when = utcnow() - dt.timedelta(days=days_ago)
    dose = DoseRecord(beneficiary_id=person.id, facility_id=facility.id,
                      vaccinator_id=vaccinator.id if vaccinator else None, vaccine=vaccine, lot="LOT-1",
                      dose_number=dose_number, series_total=2, is_booster=False,
                      administered_on=when.date(), administered_at=when, recorded_at=when)
    db.session.add(dose)
    db.session.flush()
    return dose
