"""The appointment slip is drawn like the certificate: any script, right-to-left pages."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pypdf
import pytest


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("locale_id", ["ar", "en_IN"])
def test_slip_prints_a_tamil_name_and_the_secret_code(app, make_session, make_beneficiary,
                                                      tmp_path, locale_id):
    from flask_babel import force_locale

    from cowin_kit.booking import operations
    from cowin_kit.booking.queries import appointment_view
    from cowin_kit.booking.slip import slip_pdf

    session = make_session()
    appointment = operations.book(make_beneficiary(name="முருகன் சுப்பிரமணியம்"), session.id,
                                  session.slots[0])
    with app.test_request_context("/"), force_locale(locale_id):
        pdf = slip_pdf(appointment)
        code = appointment_view(appointment)["secret_code"]
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    if os.environ.get("COWIN_KIT_KEEP_SLIP"):
        shutil.copy(path, os.environ["COWIN_KIT_KEEP_SLIP"] + f"-{locale_id}.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert code in text and "முருகன்" in text
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert b"<0000> Tj" not in page.get_contents().get_data()  # no blank boxes
    assert b"NotoSansTamil" in pdf
