"""Download helpers other surfaces use (the CoWIN v2 certificate download endpoints)."""

from __future__ import annotations

from flask import Response

from cowin_kit.core.audit import audit
from cowin_kit.core.db import db

from .issuance import current_for
from .operations import NoCertificate
from .pdf import render_pdf


def certificate_pdf_response(beneficiary) -> Response:
    """The beneficiary's current certificate as a PDF (NO_CERTIFICATE 404 when there is none)."""
    cert = current_for(beneficiary.id)
    if cert is None:
        raise NoCertificate()
    audit("certificate.download", "certificate", cert.certificate_id, file="pdf", via="cowin_v2")
    db.session.commit()
    return Response(render_pdf(cert, beneficiary.locale), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="certificate-{cert.certificate_id}.pdf"'})
