"""Verify any supported certificate: own keys, the trust list, the revocation list."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import KitError

from .formats import ddcc, divoc_vc, eu_dcc, jose, shc
from .formats.hcert import HcertError, decode as hcert_decode, kid_for
from .keys import KeyStore


@dataclass
class Result:
    status: str  # valid | invalid | revoked | expired
    format: str = ""  # divoc_vc | eu_dcc | ddcc | shc | ""
    reason: str = ""
    certificate_id: str = ""
    issuer: str = ""
    person: dict = field(default_factory=dict)  # name, birth, gender
    vaccination: dict = field(default_factory=dict)  # vaccine, dose, total, date, country

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def to_dict(self) -> dict:
        return {**asdict(self), "valid": self.valid}


class Verifier:
    """Verification against one key store and an optional revocation lookup."""

    def __init__(self, store: KeyStore, *, own_iss: str = "", is_revoked=None,
                 now: dt.datetime | None = None) -> None:
        self.store = store
        self.own_iss = own_iss.rstrip("/")
        self.is_revoked = is_revoked or (lambda ids: None)
        self.now = now

    # -- key lookups --------------------------------------------------------------------------
    def hcert_keys(self, kid: bytes):
        for info in self.store.keys("hcert"):
            if kid_for(info.certificate) == kid:
                yield info.certificate
        for cert in self.store.trusted_certificates():
            if kid_for(cert) == kid:
                yield cert

    def _trusted_jwk(self, kid: str, iss: str | None = None):
        for keyset in self.store.trusted_jwks():
            if iss is not None and keyset.get("iss", "").rstrip("/") != iss.rstrip("/"):
                continue
            for jwk in keyset["keys"]:
                if jwk.get("kid") == kid:
                    try:
                        return jose.jwk_to_public(jwk)
                    except (ValueError, KeyError):
                        return None
        return None

    def shc_key(self, iss: str | None, kid: str | None):
        if not kid:
            return None
        if iss and iss.rstrip("/") == self.own_iss:
            for info in self.store.keys("shc"):
                if info.kid == kid:
                    return info.public_key
        return self._trusted_jwk(kid, iss)

    def divoc_key(self, verification_method: str | None):
        kid = (verification_method or "").rpartition("#")[2]
        for info in self.store.keys("divoc"):
            if info.kid == kid and (verification_method or "").startswith(self.own_iss):
                return info.public_key
        return self._trusted_jwk(kid)

    # -- entry points -------------------------------------------------------------------------
    def verify(self, payload: str | bytes) -> Result:
        """Detect the format from the text or bytes and verify it."""
        if isinstance(payload, bytes):
            try:
                text = payload.decode("utf-8")
            except UnicodeDecodeError:
                return self.verify_divoc(payload)
        else:
            text = payload
        stripped = text.strip()
        if stripped.startswith("HC1:"):
            return self.verify_hcert(stripped)
        if stripped.startswith("shc:/") or stripped.count(".") == 2 and stripped[:2] == "ey":
            return self.verify_shc(stripped)
        if stripped.startswith("{"):
            return self.verify_divoc(stripped.encode("utf-8"))
        return self.verify_divoc(payload if isinstance(payload, bytes) else payload.encode("utf-8"))

    def _revoked(self, result: Result, ids: list[str]) -> Result:
        reason = self.is_revoked([i for i in ids if i])
        if reason is not None:
            result.status = "revoked"
            result.reason = reason or "revoked"
        return result

    def verify_hcert(self, text: str) -> Result:
        try:
            claims = hcert_decode(text).claims.get(-260) or {}
        except HcertError as exc:
            return Result("invalid", reason=str(exc))
        fmt = "eu_dcc" if 1 in claims else "ddcc"
        module = eu_dcc if fmt == "eu_dcc" else ddcc
        try:
            body = module.verify(text, self.hcert_keys, None)
        except HcertError as exc:
            return Result("invalid", format=fmt, reason=str(exc))
        expired = False
        decoded = hcert_decode(text)
        exp = decoded.claims.get(4)
        now = self.now or dt.datetime.now(dt.timezone.utc)
        if isinstance(exp, (int, float)) and exp < now.timestamp():
            expired = True
        if fmt == "eu_dcc":
            v = (body.get("v") or [{}])[0]
            result = Result("valid", fmt, certificate_id=v.get("ci", ""), issuer=v.get("is", ""),
                            person={"name": body.get("nam", {}).get("fn") or body.get("nam", {}).get("gn", ""),
                                    "name_icao": body.get("nam", {}).get("fnt", ""), "birth": body.get("dob", "")},
                            vaccination={"vaccine": v.get("mp"), "dose": v.get("dn"), "total": v.get("sd"),
                                         "date": v.get("dt"), "country": v.get("co")})
            ids = [v.get("ci", "")]
        else:
            vac = body.get("vaccination", {})
            certificate = body.get("certificate", {})
            result = Result("valid", fmt, certificate_id=certificate.get("hcid", {}).get("value", ""),
                            issuer=certificate.get("issuer", {}).get("identifier", {}).get("value", ""),
                            person={"name": body.get("name", ""), "birth": body.get("birthDate", ""),
                                    "gender": body.get("sex", "")},
                            vaccination={"vaccine": vac.get("brand", {}).get("code"), "dose": vac.get("dose"),
                                         "total": vac.get("totalDoses"), "date": vac.get("date"),
                                         "country": vac.get("country", {}).get("code")})
            ids = [result.certificate_id]
        if expired:
            result.status, result.reason = "expired", "the certificate's validity has ended"
        return self._revoked(result, ids)

    def verify_shc(self, text: str) -> Result:
        try:
            body = shc.verify(text, self.shc_key)
        except shc.ShcError as exc:
            return Result("invalid", "shc", reason=str(exc))
        entries = body.get("vc", {}).get("credentialSubject", {}).get("fhirBundle", {}).get("entry", [])
        patient = next((e["resource"] for e in entries if e.get("resource", {}).get("resourceType") == "Patient"), {})
        shots = [e["resource"] for e in entries if e.get("resource", {}).get("resourceType") == "Immunization"]
        last = shots[-1] if shots else {}
        names = patient.get("name") or [{}]
        name = names[0].get("text") or " ".join(names[0].get("given", []) + [names[0].get("family", "")]).strip()
        result = Result("valid", "shc", certificate_id=body.get("vc", {}).get("rid", ""), issuer=body.get("iss", ""),
                        person={"name": name, "birth": patient.get("birthDate", "")},
                        vaccination={"vaccine": (last.get("vaccineCode", {}).get("coding") or [{}])[0].get("code"),
                                     "dose": len(shots), "date": last.get("occurrenceDateTime"),
                                     "lot": last.get("lotNumber")})
        return self._revoked(result, [result.certificate_id])

    def verify_divoc(self, data: bytes) -> Result:
        try:
            signed = divoc_vc.from_qr_bytes(data)
            doc = divoc_vc.verify(signed, self.divoc_key)
        except divoc_vc.DivocError as exc:
            return Result("invalid", "divoc_vc", reason=str(exc))
        subject = doc.get("credentialSubject", {})
        evidence = (doc.get("evidence") or [{}])[-1]
        result = Result("valid", "divoc_vc", certificate_id=str(evidence.get("certificateId", "")),
                        issuer=str(doc.get("issuer", "")),
                        person={"name": subject.get("name", ""), "age": subject.get("age", ""),
                                "gender": subject.get("gender", "")},
                        vaccination={"vaccine": evidence.get("vaccine"), "dose": evidence.get("dose"),
                                     "total": evidence.get("totalDoses"), "date": evidence.get("date"),
                                     "country": evidence.get("facility", {}).get("address", {}).get("addressCountry")})
        until = evidence.get("effectiveUntil")
        if until and str(until)[:10] < (self.now or dt.datetime.now(dt.timezone.utc)).date().isoformat():
            result.status, result.reason = "expired", "the certificate's validity has ended"
        return self._revoked(result, [result.certificate_id])


def app_verifier(app=None) -> Verifier:
    """A verifier for this instance: its keys, its trust list and its revocation list."""
    from flask import current_app

    from .keys import keystore

    app = app or current_app._get_current_object()
    return Verifier(keystore(app), own_iss=app.config["PUBLIC_URL"], is_revoked=_db_revocation_lookup)


def rate_limit() -> None:
    """Count a public verification for this client (``RATE_LIMIT_VERIFY``, default 300/minute);
    counted in this process while Redis is down (core.outage)."""
    from flask import current_app

    from cowin_kit.core.outage import limit

    limit("certificates.verify", current_app.config.get("RATE_LIMIT_VERIFY", "300 per minute"))


def _db_revocation_lookup(ids: list[str]) -> str | None:
    """Reason text when one of the ids belongs to a revoked certificate of this instance."""
    import sqlalchemy as sa

    from cowin_kit.core.db import db

    from .models import Certificate

    if not ids:
        return None
    try:
        row = db.session.execute(sa.select(Certificate.revoke_reason).where(
            Certificate.revoked_at.is_not(None),
            sa.or_(Certificate.certificate_id.in_(ids), Certificate.uvci.in_(ids),
                   Certificate.revocation_id.in_(ids))).limit(1)).first()
    except Exception:  # noqa: BLE001 - offline use without a database: no revocation data
        db.session.rollback()
        return None
    return None if row is None else (row[0] or "revoked")


def read_input(value: str) -> str | bytes:
    """CLI helper: a file (QR image, zip, JSON or text) or the QR text itself."""
    from pathlib import Path

    path = Path(value)
    if len(value) < 4096 and path.is_file():
        data = path.read_bytes()
        if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
            return decode_image(data)
        if data[:2] == b"PK":
            return data
        return data.decode("utf-8").strip()
    return value


#: The most pixels a QR image may decode to: a 24-megapixel camera photo (96 MB as RGBA, 24 MB
#: as the greyscale zxing reads). A PNG of a few kB can claim 9000x9000 pixels (a decompression
#: bomb: 1.2 GB once decoded), so the size in the header is checked before any pixel is decoded.
MAX_IMAGE_PIXELS = 24_000_000
#: Formats a phone camera or a screenshot produces; anything else is not even parsed.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")


class ImageRejected(KitError, ValueError):
    """An uploaded QR image the kit will not decode (a ValueError too, for the CLI)."""

    def __str__(self) -> str:
        return self.text()


class ImageTooLarge(ImageRejected):
    status = 413
    code = "IMAGE_TOO_LARGE"
    default_message = _l("This image is too large to read (more than %(megapixels)s megapixels). "
                         "Send a smaller photo, or crop it to the QR code, and try again.")


class ImageUnreadable(ImageRejected):
    status = 400
    code = "IMAGE_UNREADABLE"
    default_message = _l("No QR code could be read from this image. Send a sharp PNG or JPEG "
                         "photo of the whole QR code, or paste the text of the QR code instead.")


def _open_bounded(data: bytes, max_pixels: int):
    """Open an image lazily (header only) and refuse it before decoding when it is too large.

    A JPEG over the limit is decoded at 1/2, 1/4 or 1/8 scale instead (libjpeg's DCT scaling:
    the full-size pixels are never allocated); other formats over the limit are refused.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    too_large = ImageTooLarge(megapixels=max_pixels // 1_000_000)
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageUnreadable() from None
    width, height = image.size
    if width * height > max_pixels and image.format == "JPEG":
        scale = 2
        while (width // scale) * (height // scale) > max_pixels and scale < 8:
            scale *= 2
        image.draft("L", (width // scale, height // scale))
        width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise too_large
    return image


def decode_image(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> str | bytes:
    """The payload of the first QR code in an image (zxing-cpp).

    Raises ImageTooLarge (413) for an image of more than ``max_pixels`` pixels, checked in its
    header before decoding, and ImageUnreadable (400) for anything else that yields no QR code.
    """
    import zxingcpp
    from PIL import Image

    with _open_bounded(data, max_pixels) as image:
        try:
            grey = image.convert("L")  # decodes, within the pixel budget checked above
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise ImageUnreadable() from None
    results = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    if not results:
        raise ImageUnreadable()
    raw = results[0].bytes
    try:
        text = raw.decode("ascii")
        return text
    except UnicodeDecodeError:
        return raw


__all__ = ["Verifier", "Result", "app_verifier", "read_input", "decode_image", "ImageRejected",
           "ImageTooLarge", "ImageUnreadable", "MAX_IMAGE_PIXELS"]
