"""Native certificates API under /api/kit/v1/certificates."""

from __future__ import annotations

import base64

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.accounts.staff_permissions import ADMINS, staff_required
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError, NotFound, ValidationFailed

from . import issuance, operations, queries
from . import schemas as s
from .formats import shc
from .offline import trusted_issuers
from .keys import KINDS
from .stores import keystore
from .pdf import render_pdf
from .routine_ddcc import certificates_for, doses_of, sign
from .scopes import correction_scope
from .verify import app_verifier, rate_limit
from .verify_upload import decode_image

blp = Blueprint("kit_certificates", __name__, url_prefix="/api/kit/v1/certificates",
                description="Vaccination certificates: keys, verification, downloads, corrections.")

EXTENSIONS = {"pdf", "png", "svg", "json", "text"}


class QrTooLarge(KitError):
    status = 422
    code = "QR_TOO_LARGE"
    default_message = _l("This certificate is too large for a SMART Health Card QR code. Download "
                         "another format or the PDF instead.")


@blp.route("/keys")
@blp.response(200)
def public_keys():
    """Every public key and document-signer certificate a verifier needs: this instance's per
    format (``formats``) and the other issuers it trusts (``trusted``)."""
    store = keystore()
    body = {kind: [info.public_dict() for info in store.keys(kind)] for kind in KINDS}
    # "formats": this instance's own keys; "trusted": the other issuers its verifier trusts
    # (KEYS_DIR/trust), for verifiers that check offline
    return {"formats": {"divoc_vc": body["divoc"], "eu_dcc": body["hcert"], "ddcc": body["hcert"],
                        "shc": body["shc"]},
            "trusted": trusted_issuers(store)}


@blp.route("/verify", methods=["POST"])
@blp.arguments(s.VerifyIn)
@blp.response(200, s.VerifyOut)
def verify(args):
    """Verify any supported certificate's QR text (no sign-in needed; rate-limited per client)."""
    rate_limit()
    return app_verifier().verify(args["payload"]).to_dict()


@blp.route("/verify/file", methods=["POST"])
@blp.arguments(s.VerifyFileIn, location="files")
@blp.response(200, s.VerifyOut)
def verify_file(args):
    """Verify the certificate in a file: a photo or screenshot of its QR code (PNG, JPEG…), the
    QR code as SVG, or the certificate's PDF (multipart field ``file``)."""
    rate_limit()
    return app_verifier().verify(decode_image(args["file"].read())).to_dict()


@blp.route("/revocations")
@blp.response(200)
def revocations():
    """The signed list of revoked certificates (JWS, ES256, document-signer key)."""
    return operations.signed_revocation_list()


def _certificate_for(reference_id: str):
    person = operations.beneficiary_of(current_account(), reference_id)
    cert = issuance.current_for(person.id)
    if cert is None:
        raise operations.NoCertificate()
    return person, cert


def download_response(cert, fmt: str, kind: str, language: str | None = None):
    """The certificate as a file: pdf, png/svg (QR of one format), json or text (signed form)."""
    if kind not in issuance.enabled_formats():
        raise NotFound()
    audit("certificate.download", "certificate", cert.certificate_id, format=kind, file=fmt)
    db.session.commit()
    name = f"certificate-{cert.certificate_id}-{kind}"
    if fmt == "pdf":
        return Response(render_pdf(cert, language), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="certificate-{cert.certificate_id}.pdf"'})
    try:
        payload = issuance.qr_payload(cert, kind)
    except shc.ShcError:  # too long for one QR code (SHC chunking is deprecated)
        raise QrTooLarge() from None
    if fmt in ("png", "svg"):
        image = issuance.qr_image(cert, kind, fmt)
        return Response(image, mimetype="image/png" if fmt == "png" else "image/svg+xml",
                        headers={"Cache-Control": "no-store"})
    if fmt == "json":
        signed = issuance.render(cert, kind)
        if isinstance(signed, dict):
            return jsonify(signed)
        return jsonify({"format": kind, "qr": payload if isinstance(payload, str)
                        else base64.b64encode(payload).decode("ascii")})
    text = payload if isinstance(payload, str) else base64.b64encode(payload).decode("ascii")
    return Response(text, mimetype="text/plain",
                    headers={"Content-Disposition": f'inline; filename="{name}.txt"'})


@blp.route("/<reference_id>")
@blp.response(200, s.CertificateOut)
@citizen_required
def certificate(reference_id):
    """The citizen's current certificate; ``?as=pdf|png|svg|json|text&format=divoc_vc|eu_dcc|shc|ddcc``."""
    _person, cert = _certificate_for(reference_id)
    fmt = request.args.get("as")
    if fmt:
        if fmt not in EXTENSIONS:
            raise ValidationFailed(fields={"as": ["pdf, png, svg, json or text"]})
        return download_response(cert, fmt, request.args.get("format", "divoc_vc"), request.args.get("lang"))
    base = f"/api/kit/v1/certificates/{reference_id}"
    formats = {f: {ext: f"{base}?as={ext}&format={f}" for ext in ("png", "svg", "json", "text")}
               for f in issuance.enabled_formats()}
    formats["pdf"] = {"pdf": f"{base}?as=pdf"}
    return {"certificate_id": cert.certificate_id, "uvci": cert.uvci, "kind": cert.kind,
            "dose_number": cert.dose_number, "issued_at": cert.issued_at, "revoked_at": cert.revoked_at,
            "revoke_reason": cert.revoke_reason, "formats": formats}


@blp.route("/<reference_id>/routine")
@blp.response(200, s.RoutineCertificatesOut)
@citizen_required
def routine_certificates(reference_id):
    """WHO DDCC:VS certificates of the person's routine immunisation doses: one per antigen of
    each dose whose product has a WHO vaccine code (``hc1``: the QR text), oldest dose first."""
    person = operations.beneficiary_of(current_account(), reference_id)
    doses = doses_of(person.id)
    certs = [(dose, cert) for dose in doses for cert in certificates_for(dose, doses=doses)]
    out = []
    for (dose, cert), text in zip(certs, sign([cert for _dose, cert in certs])):
        entry = cert.data.dose
        out.append({"dose_id": dose.id, "product": dose.product, "product_name": entry.vaccine_name,
                    "given_on": entry.date, "antigen": cert.antigen, "antigen_name": cert.antigen_name,
                    "vaccine": entry.codes["icd11_type"], "disease": entry.codes["disease"],
                    "dose_number": entry.dose_number, "total_doses": entry.series_total,
                    "hcid": cert.data.uvci, "hc1": text})
    audit("routine_certificate.download", "beneficiary", person.reference_id, count=len(out))
    db.session.commit()
    return {"certificates": out}


@blp.route("/<reference_id>/passport", methods=["PUT"])
@citizen_required
@blp.arguments(s.PassportIn)
@blp.response(200, s.CertificateOut)
def record_passport(args, reference_id):
    """Record the passport number and the name as printed in the passport; the certificate is
    issued again with them (EU DCC names, the number on the certificate)."""
    cert = operations.record_passport(current_account(), reference_id, args["number"], args["surname"],
                                      args["given_names"])
    return {"certificate_id": cert.certificate_id, "uvci": cert.uvci, "kind": cert.kind,
            "dose_number": cert.dose_number, "issued_at": cert.issued_at, "formats": {}}


@blp.route("/<reference_id>/corrections", methods=["POST"])
@citizen_required  # who first: a caller without a token learns nothing from validation
@blp.arguments(s.CorrectionIn)
@blp.response(201, s.CorrectionOut)
def ask_correction(args, reference_id):
    """Ask for the name, birth year or gender on the certificate to be corrected."""
    return operations.request_correction(current_account(), reference_id, args["field"], args["new_value"])


@blp.route("/corrections")
@blp.response(200, s.CorrectionOut(many=True))
@staff_required(ADMINS)
def list_corrections():
    """Correction requests (default: waiting for a decision) for doses given in my reach."""
    status = request.args.get("status", "pending")
    found = queries.corrections_in_reach(current_staff(), status, 500)
    audit("certificate.correction.list", "certificate_correction", None, count=len(found),
          status=status, via="api")
    db.session.commit()
    return found


@blp.route("/corrections/<int:request_id>/approve", methods=["POST"])
@staff_required(ADMINS, scope=correction_scope, writes=True)
@blp.arguments(s.DecisionIn)
@blp.response(200, s.CertificateOut)
def approve(args, request_id):
    """Approve: the correction is applied, a new certificate issued, the old one revoked."""
    cert = operations.approve_correction(current_staff(), request_id, args["note"])
    return {"certificate_id": cert.certificate_id, "uvci": cert.uvci, "kind": cert.kind,
            "dose_number": cert.dose_number, "issued_at": cert.issued_at, "formats": {}}


@blp.route("/corrections/<int:request_id>/reject", methods=["POST"])
@staff_required(ADMINS, scope=correction_scope, writes=True)
@blp.arguments(s.DecisionIn)
@blp.response(200, s.CorrectionOut)
def reject(args, request_id):
    """Reject a correction request."""
    return operations.reject_correction(current_staff(), request_id, args["note"])
