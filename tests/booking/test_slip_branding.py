"""The appointment slip carries the ministry's emblem and name (the profile's branding)."""

from __future__ import annotations

import io
import re

import pypdf


def test_appointment_slip_carries_emblem_and_ministry(app, make_session, make_beneficiary):
    from flask_babel import force_locale

    from cowin_kit.booking import operations
    from cowin_kit.booking.slip import slip_pdf

    session = make_session()
    appointment = operations.book(make_beneficiary(), session.id, session.slots[0])
    with app.test_request_context("/"), force_locale("en_IN"):
        pdf = slip_pdf(appointment)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert re.search(r"Ministry of Health and Family\s+Welfare", text)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
