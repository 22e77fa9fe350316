"""Web pages: /verify for anyone, citizen certificate pages, admin corrections, well-known keys."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cowin_kit.accounts.citizen import citizen_required, current_account
from cowin_kit.accounts.staff_auth import current_staff
from cowin_kit.accounts.staff_permissions import ADMINS, staff_required
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError

from . import issuance, operations, queries
from .api import EXTENSIONS, download_response
from .formats.contexts import VACCINATION_V1, VACCINATION_V2, context_document
from .stores import keystore
from .lifecycle import did_document as document
from .models import CORRECTION_FIELDS, Certificate, CorrectionRequest
from .scopes import correction_scope
from .verify import app_verifier, rate_limit
from .verify_upload import ImageRejected, decode_image

# static/: the verify page's camera scanner and its bundled QR decoder (vendor/jsqr)
bp = Blueprint("certificates", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/certificates")
well_known = Blueprint("certificates_well_known", __name__)

STATUS_TEXT = {
    "valid": lambda: _("This certificate is genuine and valid."),
    "invalid": lambda: _("This certificate could not be verified. It may be forged, damaged or from an issuer we do not know."),
    "revoked": lambda: _("This certificate has been revoked by its issuer."),
    "expired": lambda: _("This certificate is genuine but no longer valid."),
}


@bp.route("/verify", methods=["GET", "POST"])
def verify_page():
    """Paste the QR text or upload a photo of the QR code; the answer in plain words."""
    result = None
    error = error_code = None
    status = 200
    if request.method == "POST":
        rate_limit()
        upload = request.files.get("image")
        payload = (request.form.get("payload") or "").strip()
        try:
            if upload and upload.filename:
                # Bounded by MAX_CONTENT_LENGTH (413 before this runs); pixels checked in
                # decode_image before any decoding (a decompression bomb is a 413 too).
                payload = decode_image(upload.read())
            if not payload:
                error, error_code, status = (
                    _("Paste the text of the QR code or choose a photo of it."), "EMPTY", 400)
            else:
                result = app_verifier().verify(payload)
        except ImageRejected as exc:
            error, error_code, status = exc.text(), exc.code, exc.status
        except Exception:  # noqa: BLE001 - unreadable images are a user error, not a crash
            error, error_code, status = (_("No QR code could be read from this image."),
                                         "IMAGE_UNREADABLE", 400)
    message = STATUS_TEXT[result.status]() if result else None
    return render_template("certificates/verify.html", result=result, message=message,
                           error=error, error_code=error_code), status


def _citizen_cert(reference_id):
    person = operations.beneficiary_of(current_account(), reference_id)
    return person, issuance.current_for(person.id)


@bp.route("/certificates/<reference_id>")
@citizen_required
def citizen_certificate(reference_id):
    """The citizen's certificate: QR codes of each format, downloads, ask for a correction."""
    person, cert = _citizen_cert(reference_id)
    pending = db.session.execute(sa.select(CorrectionRequest).where(
        CorrectionRequest.beneficiary_id == person.id).order_by(CorrectionRequest.id.desc()).limit(10)).scalars().all()
    return render_template("certificates/citizen.html", person=person, cert=cert,
                           formats=issuance.enabled_formats() if cert else [], corrections=pending,
                           fields=CORRECTION_FIELDS)


@bp.route("/certificates/<reference_id>/<kind>.<ext>")
@citizen_required
def citizen_download(reference_id, kind, ext):
    if ext not in EXTENSIONS:
        abort(404)
    _person, cert = _citizen_cert(reference_id)
    if cert is None:
        abort(404)
    return download_response(cert, ext, kind, request.args.get("lang"))


def _citizen_request(reference_id: str, act, done: str):
    """Run a citizen's request about their own certificate (``act``), flash ``done`` or the
    problems in words, and go back to the certificate page."""
    operations.beneficiary_of(current_account(), reference_id)  # someone else's: 404
    try:
        act()
        flash(done, "success")
    except KitError as exc:
        db.session.rollback()
        messages = [str(m) for v in exc.fields.values() for m in v] or [exc.text()]
        flash(" ".join(messages), "error")
    return redirect(url_for("certificates.citizen_certificate", reference_id=reference_id))


@bp.route("/certificates/<reference_id>/passport", methods=["POST"])
@citizen_required
def citizen_passport(reference_id):
    """Record the passport details for travel; the certificate is issued again with them."""
    form = request.form
    return _citizen_request(reference_id, lambda: operations.record_passport(
        current_account(), reference_id, form.get("number", ""), form.get("surname", ""),
        form.get("given_names", "")), _("Your passport details are on your new certificate."))


@bp.route("/certificates/<reference_id>/correction", methods=["POST"])
@citizen_required
def citizen_correction(reference_id):
    form = request.form
    return _citizen_request(reference_id, lambda: operations.request_correction(
        current_account(), reference_id, form.get("field", ""), form.get("new_value", "")),
        _("Your request was sent. An official will review it."))


@bp.route("/staff/certificates/corrections")
@staff_required(ADMINS)
def staff_corrections():
    """Correction requests waiting for a decision, for doses given in my reach."""
    requests_ = queries.corrections_in_reach(current_staff(), "pending", 200)
    audit("certificate.correction.list", "certificate_correction", None, count=len(requests_))
    db.session.commit()
    return render_template("certificates/corrections.html", requests=requests_)


@bp.route("/staff/certificates/corrections/<int:request_id>", methods=["POST"])
@staff_required(ADMINS, scope=correction_scope, writes=True)
def staff_decide(request_id):
    decision = request.form.get("decision")
    note = request.form.get("note", "")
    try:
        if decision == "approve":
            cert = operations.approve_correction(current_staff(), request_id, note)
            flash(_("Approved. New certificate %(id)s issued; the old one is revoked.", id=cert.certificate_id),
                  "success")
        elif decision == "reject":
            operations.reject_correction(current_staff(), request_id, note)
            flash(_("Rejected."), "success")
        else:
            abort(400)
    except KitError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    return redirect(url_for("certificates.staff_corrections"))


def _cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@well_known.route("/.well-known/jwks.json")
def jwks():
    """SMART Health Card issuer keys (public, CORS *)."""
    version = operations.shc_crl_version()  # spec "Revocation": crlVersion on each key
    keys = [{**info.public_dict()["jwk"], "alg": "ES256", "crlVersion": version}
            for info in keystore().keys("shc")]
    return _cors(jsonify({"keys": keys}))


@well_known.route("/.well-known/did.json")
def did_document():
    """This instance's did:web document: every W3C credential and SMART Health Card key it has
    used or will use (next, active, retired), so each credential's verificationMethod resolves."""
    from flask import current_app

    response = jsonify(document(keystore(), current_app.config["PUBLIC_URL"]))
    response.mimetype = "application/did+json"
    return _cors(response)


@well_known.route("/credentials/vaccination/<any(v1, v2):version>")
def vaccination_context(version):
    """The JSON-LD vaccination context this instance's W3C credentials name (profiles other than
    India's, whose credentials name CoWIN's own URL)."""
    response = jsonify(context_document(VACCINATION_V1 if version == "v1" else VACCINATION_V2))
    response.mimetype = "application/ld+json"
    return _cors(response)


@well_known.route("/.well-known/crl/<kid>.json")
def crl(kid):
    """SMART Health Card revocation list of a key."""
    if kid not in {info.kid for info in keystore().keys("shc")}:
        abort(404)
    return _cors(jsonify(operations.shc_crl(kid)))


__all__ = ["bp", "well_known", "Certificate"]
