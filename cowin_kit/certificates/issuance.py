"""Issue a certificate for every recorded dose and render its formats on demand.

The certificate row keeps a snapshot of the data (``formats.data.to_json``) so a download
always shows what was certified; formats are signed lazily on first download, all enabled
formats in one batch (one round trip when a signer holds the keys), and cached in memory per
process (signing costs well under a millisecond per format in-process).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app

from cowin_kit.accounts.models import StaffUser
from cowin_kit.areas.models import Area
from cowin_kit.booking.models import Facility
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import NotFound
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination.models import DoseRecord

from .formats import (Address, CertificateData, DoseData, Issuer, ddcc, divoc_vc, eu_dcc, jose, qr,
                      shc)
from .formats.data import from_json, to_json
from .formats.hcert import kid_for
from .formats.icao import split_name
from .keys import FORMAT_KIND, MissingKey, issuer_settings, sign_unsigned
from .stores import keystore
from .lifecycle import DscInvalid, check_dsc, did_web
from .models import Certificate
from .messages import certificate_sms

log = logging.getLogger(__name__)
GENDER_WORDS = {"M": "Male", "F": "Female", "O": "Other"}  # DIVOC carries the English word


def certificate_kind(dose) -> str:
    if dose.is_booster:
        return "booster"
    return "final" if dose.dose_number >= dose.series_total else "provisional"


_AREA_TTL = 600.0  # seconds an area's names stay cached (areas change only by import)
_area_cache: dict[int, tuple[float, dict[int, str]]] = {}


def _area_chain(area_id: int | None) -> dict[int, str]:
    """Names along an area's ancestry keyed by level (1 = top), cached per process."""
    import time

    if area_id is None:
        return {}
    now = time.monotonic()
    cached = _area_cache.get(area_id)
    if cached and now - cached[0] < _AREA_TTL:
        return cached[1]

    chain: dict[int, str] = {}
    current = db.session.get(Area, area_id)
    path_ids = [int(x) for x in (current.path or "").strip("/").split("/") if x] if current else []
    if path_ids:
        for level, name in db.session.execute(sa.select(Area.level, Area.name).where(Area.id.in_(path_ids))):
            chain[level] = name
    elif current is not None:
        seen = 0
        while current is not None and seen < 16:
            chain[current.level] = current.name
            current = current.parent
            seen += 1
    if len(_area_cache) > 20000:
        _area_cache.clear()
    _area_cache[area_id] = (now, chain)
    return chain


def _address(area_id: int | None, country: str, street: str = "", postal: str = "") -> Address:
    chain = _area_chain(area_id)
    levels = sorted(chain)
    region = chain[levels[0]] if levels else ""
    district = chain[levels[1]] if len(levels) > 1 else ""
    city = chain[levels[2]] if len(levels) > 2 else ""
    return Address(street=street or "", district=district, city=city, region=region, country=country,
                   postal_code=postal or "")


def _issuer(profile) -> Issuer:
    name, country = issuer_settings(profile)
    return Issuer(name=name, country=country, country3=getattr(profile, "alpha3", country),
                  url=current_app.config["PUBLIC_URL"].rstrip("/"))


def build_data(beneficiary, dose, *, certificate_id: str, uvci: str, revocation_id: str,
               issued_at: dt.datetime) -> CertificateData:
    """Gather everything a certificate shows from the database rows."""
    profile = get_profile()
    issuer = _issuer(profile)
    records = db.session.execute(sa.select(DoseRecord).where(
        DoseRecord.beneficiary_id == beneficiary.id, DoseRecord.dose_number <= dose.dose_number)
        .order_by(DoseRecord.dose_number)).scalars().all()
    doses = []
    for record in records:
        vaccine = profile.vaccine(record.vaccine)
        facility = db.session.get(Facility, record.facility_id)
        vaccinator = db.session.get(StaffUser, record.vaccinator_id) if record.vaccinator_id else None
        doses.append(DoseData(
            vaccine_id=vaccine.id, vaccine_name=vaccine.name, manufacturer=vaccine.manufacturer,
            codes=dict(vaccine.codes or {}), batch=record.lot, date=record.administered_on,
            dose_number=record.dose_number, series_total=record.series_total, is_booster=record.is_booster,
            facility_name=facility.name if facility else "",
            facility_address=_address(facility.area_id if facility else None, profile.alpha2,
                                      facility.address if facility else "",
                                      facility.postal_code if facility else ""),
            vaccinator_name=vaccinator.full_name if vaccinator else "",
            vaccinator_id=str(vaccinator.id) if vaccinator else "",
            country=profile.alpha2, country3=profile.alpha3))
    certs = getattr(profile, "certificates", None)
    valid_until = certs.valid_until(issued_at.date()) if certs and hasattr(certs, "valid_until") else None
    if beneficiary.passport_surname:
        family, given = beneficiary.passport_surname, beneficiary.passport_given_names or ""
    else:
        family, given = _split(profile, beneficiary.name)
    return CertificateData(
        certificate_id=certificate_id, uvci=uvci, reference_id=beneficiary.reference_id,
        name=beneficiary.name, birth_year=beneficiary.birth_year, birth_date=beneficiary.birth_date,
        gender=beneficiary.gender, gender_label=GENDER_WORDS.get(beneficiary.gender, "Other"),
        id_type=beneficiary.id_doc_type or "", id_masked=beneficiary.id_masked or "",
        nationality=profile.country_name("en"), address=_address(beneficiary.area_id, profile.alpha2),
        doses=tuple(doses), issuer=issuer, issued_at=issued_at, valid_until=valid_until,
        revocation_id=revocation_id, family_name=family, given_names=given,
        passport_number=beneficiary.passport_number or "")


def _split(profile, name: str) -> tuple[str, str]:
    """(family name, given names) as the profile writes names (``names.order`` and
    ``names.surnames``; today under ``demo.names``, the only place profiles say it)."""
    data = getattr(profile, "data", None) or {}
    names = data.get("names") or (data.get("demo") or {}).get("names") or {}
    return split_name(name, names.get("order", "given_family"), int(names.get("surnames", 1)))


def _new_ids(country: str) -> tuple[str, str, str]:
    while True:
        number = f"{secrets.randbelow(9 * 10**11) + 10**11}"  # 12 digits, no leading zero
        exists = db.session.execute(sa.select(Certificate.id).where(
            Certificate.certificate_id == number)).first()
        if not exists:
            return number, eu_dcc.make_uvci(country, f"CK{number}"), secrets.token_hex(8)


def issue_for_dose(dose, *, reason: str = "dose") -> Certificate:
    """Issue the certificate for a dose record; the beneficiary's earlier ones are superseded."""
    beneficiary = db.session.get(Beneficiary, dose.beneficiary_id)
    country = _issuer_country()
    number, uvci, rid = _new_ids(country)
    issued_at = utcnow()
    data = build_data(beneficiary, dose, certificate_id=number, uvci=uvci, revocation_id=rid,
                      issued_at=issued_at)
    cert = Certificate(certificate_id=number, uvci=uvci, revocation_id=rid, beneficiary_id=beneficiary.id,
                       dose_record_id=dose.id, kind=certificate_kind(dose), dose_number=dose.dose_number,
                       data=to_json(data), issued_at=issued_at, signed_with=signing_record())
    db.session.add(cert)
    db.session.flush()
    # one statement instead of loading the earlier rows
    db.session.execute(sa.update(Certificate).where(
        Certificate.beneficiary_id == beneficiary.id, Certificate.id != cert.id,
        Certificate.superseded_by_id.is_(None)).values(superseded_by_id=cert.id)
        .execution_options(synchronize_session=False))
    audit("certificate.issue", "certificate", number, beneficiary=beneficiary.reference_id,
          kind=cert.kind, dose=dose.dose_number, reason=reason)
    return cert


def _issuer_country() -> str:
    return issuer_settings(get_profile())[1]


def on_dose_recorded(sender, dose=None, **_extra) -> None:
    """Signal handler: issue the certificate after the dose is committed."""
    if dose is None:
        return
    try:
        cert = issue_for_dose(dose)
        certificate_sms(db.session.get(Beneficiary, dose.beneficiary_id), cert)  # the link
        db.session.commit()
    except Exception:  # noqa: BLE001 - the dose is recorded; a failed certificate is re-issuable
        db.session.rollback()
        log.exception("certificate issuance failed for dose record %s", getattr(dose, "id", "?"))


def on_dose_corrected(sender, dose=None, **_extra) -> None:
    """Signal handler: a corrected dose gets a new certificate; the old one is revoked."""
    if dose is None:
        return
    try:
        old = db.session.execute(sa.select(Certificate).where(
            Certificate.dose_record_id == dose.id, Certificate.revoked_at.is_(None))).scalars().all()
        new = issue_for_dose(dose, reason="dose corrected")
        now = utcnow()
        for cert in old:
            revoke(cert, "dose record corrected", superseded_by=new, at=now)
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("certificate re-issue failed for corrected dose %s", getattr(dose, "id", "?"))


def revoke(cert: Certificate, reason: str, superseded_by: Certificate | None = None,
           at: dt.datetime | None = None) -> None:
    """Revoke a certificate. Pass the same ``at`` to every certificate revoked in one update:
    the revocation lists count updates by their distinct times (SHC ``ctr``)."""
    cert.revoked_at = at or utcnow()
    cert.revoke_reason = reason[:200]
    if superseded_by is not None:
        cert.superseded_by_id = superseded_by.id
    audit("certificate.revoke", "certificate", cert.certificate_id, reason=reason,
          superseded_by=superseded_by.certificate_id if superseded_by else None)


# -- rendering -------------------------------------------------------------------------------


def certificate_data(cert: Certificate) -> CertificateData:
    return from_json(cert.data)


def verification_method(key) -> str:
    """DIVOC ``verificationMethod`` of a key: ``<did:web at the key's creation>#<kid>``, never
    today's PUBLIC_URL (lifecycle.py)."""
    did = (key.lifecycle or {}).get("did") or did_web(current_app.config["PUBLIC_URL"])
    return f"{did}#{key.kid}"


def signing_record() -> dict:
    """Which key signs each kind of this certificate's formats, recorded at issuance (the
    active keys; a key whose activation time has come becomes active here by itself). Refuses
    a document signer certificate that has expired or is not valid yet (lifecycle.DscInvalid)."""
    store = keystore()
    record = {}
    for kind in dict.fromkeys(FORMAT_KIND[f] for f in enabled_formats()):
        try:
            key = store.active(kind)
        except MissingKey:
            continue  # signed with whatever key is active at the first download
        if kind == "hcert":
            check_dsc(key.certificate)
        record[kind] = {"kid": key.kid}
        if kind == "divoc":
            record[kind]["verification_method"] = verification_method(key)
    return record


def _signing_key(store, cert: Certificate, kind: str):
    """The key recorded at issuance while it is active; once it is retired (verify-only), the
    active key (a re-download is signed afresh)."""
    recorded = (cert.signed_with or {}).get(kind, {}).get("kid")
    if recorded:
        for key in store.keys(kind):
            if key.kid == recorded and key.active:
                return key
    return store.active(kind)


def render(cert: Certificate, fmt: str) -> str | dict:
    """The signed form of a certificate in one format. On first use every enabled format is
    signed in one batch (one call when a signer holds the keys); the results are cached per
    process and key."""
    if fmt not in FORMAT_KIND:
        raise NotFound()

    store = keystore()
    enabled = enabled_formats()
    # one order whichever format is asked first, so the batch is cached once per certificate
    formats = tuple(f for f in FORMAT_KIND if f == fmt or f in enabled)
    keys = {kind: _signing_key(store, cert, kind) for kind in dict.fromkeys(FORMAT_KIND[f] for f in formats)}
    if "hcert" in keys:
        try:
            check_dsc(keys["hcert"].certificate)
        except DscInvalid:
            if FORMAT_KIND[fmt] == "hcert":
                raise
            formats = tuple(f for f in formats if FORMAT_KIND[f] != "hcert")
    kids = tuple(keys[FORMAT_KIND[f]].kid for f in formats)
    _stores[store.identity] = store
    return _render_cached(cert.certificate_id, cert.issued_at.isoformat(), formats, store.identity, kids,
                          _Frozen(cert.data))[fmt]


def unsigned_form(data: CertificateData, fmt: str, key) -> jose.Unsigned:
    """One format of a certificate before its signature, for key ``key`` (a KeyInfo)."""
    if fmt == "divoc_vc":
        return divoc_vc.prepare(data, key.algorithm, verification_method(key))
    if fmt in ("eu_dcc", "ddcc"):
        return (eu_dcc if fmt == "eu_dcc" else ddcc).prepare(data, key.algorithm, kid_for(key.certificate))
    return shc.prepare(data, key.kid)


class _Frozen:
    """Hash a snapshot by the certificate id so lru_cache can hold it."""

    __slots__ = ("data",)

    def __init__(self, data: dict) -> None:
        self.data = data

    def __hash__(self) -> int:
        return hash(self.data.get("certificate_id"))

    def __eq__(self, other) -> bool:
        return isinstance(other, _Frozen) and other.data == self.data


@lru_cache(maxsize=4096)
def _render_cached(certificate_id, issued, formats, identity, kids, frozen) -> dict:
    store = _stores[identity]
    data = from_json(frozen.data)
    items = []
    for fmt, kid in zip(formats, kids):
        key = store.get(FORMAT_KIND[fmt], kid)
        items.append((kid, fmt, unsigned_form(data, fmt, key)))
    return dict(zip(formats, sign_unsigned(store, items)))


_stores: dict = {}


def qr_payload(cert: Certificate, fmt: str) -> str | bytes:
    """What goes into the QR code for a format."""
    signed = render(cert, fmt)
    if fmt == "divoc_vc":
        return divoc_vc.qr_bytes(signed, cert.issued_at)
    if fmt == "shc":
        return shc.to_qr_text(signed)
    return signed


def qr_image(cert: Certificate, fmt: str, kind: str = "png") -> bytes | str:
    """The QR code of one format as PNG bytes or SVG text (cached like the signed forms)."""
    payload = qr_payload(cert, fmt)
    return _qr_image_cached(payload, kind)


@lru_cache(maxsize=1024)
def _qr_image_cached(payload, kind: str):
    return qr.png(payload) if kind == "png" else qr.svg(payload)


def find(certificate_id: str) -> Certificate:
    cert = db.session.execute(sa.select(Certificate).where(
        Certificate.certificate_id == certificate_id)).scalar_one_or_none()
    if cert is None:
        raise NotFound()
    return cert


def current_for(beneficiary_id: int) -> Certificate | None:
    """The beneficiary's current (latest, not revoked, not superseded) certificate."""
    return db.session.execute(sa.select(Certificate).where(
        Certificate.beneficiary_id == beneficiary_id, Certificate.revoked_at.is_(None),
        Certificate.superseded_by_id.is_(None)).order_by(Certificate.id.desc()).limit(1)).scalar()


def enabled_formats() -> list[str]:
    certs = getattr(get_profile(), "certificates", None)
    formats = list(getattr(certs, "formats", None) or ("divoc_vc", "eu_dcc", "shc", "ddcc"))
    return [f for f in formats if f in ("divoc_vc", "eu_dcc", "shc", "ddcc")]


__all__ = ["issue_for_dose", "render", "qr_payload", "find", "current_for"]
