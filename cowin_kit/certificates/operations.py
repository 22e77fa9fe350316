"""Writes of the certificates domain: correction requests and their decisions, revocation list."""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cowin_kit.accounts.staff_permissions import require_scope
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Conflict, NotFound, ValidationFailed
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.registration.operations import clean_name
from cowin_kit.vaccination.models import DoseRecord

from .formats import jose
from .issuance import current_for, issue_for_dose, revoke
from .stores import keystore
from .models import CORRECTION_FIELDS, Certificate, CorrectionRequest
from .queries import correction_facility


class NoCertificate(NotFound):
    code = "NO_CERTIFICATE"
    default_message = _l("There is no certificate for this person yet.")


def beneficiary_of(account, reference_id: str):
    """The account's beneficiary with this reference id (NotFound for anyone else's)."""
    person = db.session.execute(sa.select(Beneficiary).where(
        Beneficiary.reference_id == str(reference_id), Beneficiary.account_id == account.id)).scalar()
    if person is None:
        raise NotFound()
    return person


def _clean_value(field: str, value, profile) -> str:
    text = str(value if value is not None else "").strip()
    if field == "name":
        cleaned = clean_name(text)
        if not cleaned:
            raise ValidationFailed(fields={"new_value": [_l("Enter the name as on the identity document.")]})
        return cleaned
    if field == "birth_year":
        year = int(text) if text.isdigit() else 0
        if not 1900 <= year <= dt.date.today().year:
            raise ValidationFailed(fields={"new_value": [_l("Enter a birth year such as 1980.")]})
        return str(year)
    codes = [g.code for g in getattr(profile, "genders", [])] or ["M", "F", "O"]
    if text not in codes:
        raise ValidationFailed(fields={"new_value": [_l("Choose one of the listed genders.")]})
    return text


def request_correction(account, reference_id: str, field: str, new_value) -> CorrectionRequest:
    """A citizen asks to correct a field of their certificate (one open request per field)."""
    person = beneficiary_of(account, reference_id)
    if field not in CORRECTION_FIELDS:
        raise ValidationFailed(fields={"field": [_l("Choose name, birth year or gender.")]})
    value = _clean_value(field, new_value, get_profile())
    cert = current_for(person.id)
    if cert is None:
        raise NoCertificate()
    old = str(getattr(person, field))
    if old == value:
        raise ValidationFailed(fields={"new_value": [_l("This is already what the certificate says.")]})
    open_request = db.session.execute(sa.select(CorrectionRequest.id).where(
        CorrectionRequest.beneficiary_id == person.id, CorrectionRequest.field == field,
        CorrectionRequest.status == "pending")).first()
    if open_request:
        raise Conflict(_l("A correction of this field is already waiting for a decision."))
    req = CorrectionRequest(certificate_id=cert.id, beneficiary_id=person.id, account_id=account.id,
                            field=field, old_value=old, new_value=value)
    db.session.add(req)
    db.session.flush()
    audit("certificate.correction.request", "certificate_correction", req.id,
          beneficiary=person.reference_id, field=field)
    db.session.commit()
    return req


PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{6,20}")
PASSPORT_NAME = re.compile(r"[A-Z](?:[A-Z' -]{0,78}[A-Z])?")  # as printed: Latin capitals


def record_passport(account, reference_id: str, number: str, surname: str, given_names: str = "") -> Certificate:
    """Record the person's passport number and name exactly as printed in the passport (for
    travel) and issue their certificate again with it: the EU DCC's names then match the
    passport, and the certificate shows its number. The earlier certificate is superseded."""
    person = beneficiary_of(account, reference_id)
    number = re.sub(r"\s+", "", number or "").upper()
    surname, given_names = (" ".join((text or "").upper().split()) for text in (surname, given_names))
    errors = {}
    if not PASSPORT_NUMBER.fullmatch(number):
        errors["number"] = [_l("Enter the passport number as printed: 6 to 20 letters and digits.")]
    if not PASSPORT_NAME.fullmatch(surname):
        errors["surname"] = [_l("Enter the surname exactly as printed in the passport, in Latin letters.")]
    if given_names and not PASSPORT_NAME.fullmatch(given_names):
        errors["given_names"] = [_l("Enter the given names exactly as printed in the passport, in Latin letters.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if current_for(person.id) is None:
        raise NoCertificate()
    person.passport_number, person.passport_surname = number, surname
    person.passport_given_names = given_names or None
    dose = db.session.execute(sa.select(DoseRecord).where(DoseRecord.beneficiary_id == person.id)
                              .order_by(DoseRecord.dose_number.desc()).limit(1)).scalar_one()
    db.session.flush()
    cert = issue_for_dose(dose, reason="passport")
    audit("registration.passport", "beneficiary", person.reference_id, new_certificate=cert.certificate_id)
    db.session.commit()
    return cert


def _pending(staff, request_id: int, action: str) -> CorrectionRequest:
    """Lock an undecided request whose certificate's dose was given in the staff user's reach."""
    req = db.session.get(CorrectionRequest, request_id, with_for_update=True)
    if req is None:
        raise NotFound()
    require_scope(staff, correction_facility(req), action)
    if req.status != "pending":
        raise Conflict(_l("This request has already been decided."))
    return req


def approve_correction(staff, request_id: int, note: str = "") -> Certificate:
    """Apply the correction, issue a new certificate and revoke the old one (all audited)."""
    req = _pending(staff, request_id, "certificate.correction.approve")
    person = db.session.get(Beneficiary, req.beneficiary_id)
    # The registration domain has no update operation; the correction is the only path that
    # changes these fields after registration, and it is audited here with before and after.
    setattr(person, req.field, int(req.new_value) if req.field == "birth_year" else req.new_value)
    old = db.session.get(Certificate, req.certificate_id)
    dose = db.session.get(DoseRecord, old.dose_record_id)
    db.session.flush()
    new = issue_for_dose(dose, reason="correction")
    now = utcnow()
    for cert in db.session.execute(sa.select(Certificate).where(
            Certificate.beneficiary_id == person.id, Certificate.revoked_at.is_(None),
            Certificate.id != new.id)).scalars():
        revoke(cert, f"corrected {req.field}", superseded_by=new, at=now)
    req.status = "approved"
    req.decided_at = utcnow()
    req.decided_by = staff.id
    req.decision_note = (note or "")[:500]
    req.new_certificate_id = new.id
    audit("certificate.correction.approve", "certificate_correction", req.id, field=req.field,
          before=req.old_value, after=req.new_value, new_certificate=new.certificate_id,
          old_certificate=old.certificate_id)
    db.session.commit()
    return new


def reject_correction(staff, request_id: int, note: str = "") -> CorrectionRequest:
    req = _pending(staff, request_id, "certificate.correction.reject")
    req.status = "rejected"
    req.decided_at = utcnow()
    req.decided_by = staff.id
    req.decision_note = (note or "")[:500]
    audit("certificate.correction.reject", "certificate_correction", req.id, field=req.field)
    db.session.commit()
    return req


def revocation_list() -> dict:
    """Every revoked certificate of this instance, for offline verifiers."""
    from flask import current_app

    rows = db.session.execute(sa.select(Certificate.certificate_id, Certificate.uvci, Certificate.revocation_id,
                                        Certificate.revoked_at, Certificate.revoke_reason)
                              .where(Certificate.revoked_at.is_not(None))
                              .order_by(Certificate.revoked_at)).all()
    return {
        "issuer": current_app.config["PUBLIC_URL"].rstrip("/"),
        "generated_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "revoked": [{"certificate_id": r[0], "uvci": r[1], "rid": r[2],
                     "revoked_at": r[3].strftime("%Y-%m-%dT%H:%M:%SZ"), "reason": r[4] or ""} for r in rows],
    }


def signed_revocation_list() -> dict:
    """The revocation list with a compact JWS over it (ES256, the EU DCC document-signer key)."""
    body = revocation_list()
    kid = keystore().active_kid("hcert")
    if not kid:  # nothing can have been signed yet: an empty, unsigned list
        return {**body, "jws": None}
    info = keystore().get("hcert", kid)
    header = jose.b64u(json.dumps({"alg": "ES256", "kid": info.kid, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = jose.b64u(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    signature = keystore().sign(info.kid, "revocations", f"{header}.{payload}".encode("ascii"))
    return {**body, "jws": f"{header}.{payload}.{jose.b64u(signature)}"}


def shc_crl_version() -> int:
    """SMART Health Cards revocation counter (spec "Revocation": initial value 1, incremented
    after each update of the list): 1 + the number of updates, one revocation time each."""
    updates = db.session.execute(sa.select(sa.func.count(sa.distinct(Certificate.revoked_at)))
                                 .where(Certificate.revoked_at.is_not(None))).scalar_one()
    return 1 + updates


def shc_crl(kid: str) -> dict:
    """SMART Health Cards revocation list (CRL) for one key: ``kid``, ``method: "rid"``, ``ctr``
    and the revoked cards' ``rids``. Each card has its own rid, and a card is signed by the key
    active when it is downloaded, so every key's list holds every revoked rid."""
    rids = db.session.execute(sa.select(Certificate.revocation_id).where(Certificate.revoked_at.is_not(None))
                              .order_by(Certificate.revoked_at, Certificate.id)).scalars().all()
    return {"kid": kid, "method": "rid", "ctr": shc_crl_version(), "rids": list(rids)}
