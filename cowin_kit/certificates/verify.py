"""Verify any supported certificate: own keys, the trust list, the revocation list."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from flask_babel import lazy_gettext as _l

from cowin_kit.core.db import db
from cowin_kit.core.errors import KitError
from cowin_kit.core.outage import limit
from cowin_kit.profiles import get_profile

from .formats import ddcc, divoc_vc, eu_dcc, jose, shc
from .formats.hcert import HCERT_CLAIM, HcertError
from .formats.hcert import decode as hcert_decode
from .formats.hcert import kid_for
from .keys import KeyStore
from .stores import keystore
from .models import Certificate
from .valuesets import describe

#: Why a certificate is not valid: a stable code for machines (``reason_code``) and words for
#: people (``reason``, in the reader's language).
REASONS = {
    "UNREADABLE": _l("The QR code's content is damaged or incomplete. Scan the whole QR code "
                     "again, or paste all of its text."),
    "NOT_A_CERTIFICATE": _l("The QR code does not hold a health certificate in a format we know. "
                            "Check that you scanned the certificate's QR code."),
    "UNKNOWN_ISSUER": _l("This certificate was signed with a key we do not know: it may be forged, "
                         "or come from an issuer we do not trust yet."),
    "BAD_SIGNATURE": _l("The certificate's signature does not match its content: it has been "
                        "altered or forged."),
    "WRONG_KEY_USAGE": _l("The issuer's key is not allowed to sign this kind of certificate "
                          "(vaccination, test or recovery)."),
    "NOT_YET_VALID": _l("This certificate says it was issued in the future, or before its "
                        "issuer's key was valid. Check the device's clock; otherwise do not accept it."),
    "EXPIRED": _l("The certificate's validity has ended. Ask the holder for a current certificate."),
    "REVOKED": _l("The issuer has revoked this certificate. Ask the holder for the current one."),
}

#: Extended key usage OIDs of EU DCC document signers (eHN hcert specification 1.0.5, section
#: 5.1.1; dgc-testdata CERT_VALIDITY_MAP): which certificate types a key may sign.
DCC_KEY_USAGE = {
    "t": {"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"},
    "v": {"1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"},
    "r": {"1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"},
}
#: How far in the future a certificate's issue time may lie (the issuing server's clock).
CLOCK_LEEWAY = dt.timedelta(minutes=5)


@dataclass
class Result:
    status: str  # valid | invalid | revoked | expired
    format: str = ""  # divoc_vc | eu_dcc | ddcc | shc | ""
    reason: str = ""  # in the reader's language (a lazy string until to_dict)
    certificate_id: str = ""
    issuer: str = ""
    person: dict = field(default_factory=dict)  # name, birth, gender
    vaccination: dict = field(default_factory=dict)  # vaccine, dose, total, date, country
    reason_code: str = ""  # REASONS key, or "" when valid
    issuer_name: str = ""  # who signed, in words: this instance's issuer, a DSC's organisation,
    # a trusted key set's "name"; "" when unknown

    def named(self) -> dict:
        """The vaccination entry with the names of its codes (valuesets.describe)."""
        return describe(self.vaccination)

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def to_dict(self) -> dict:
        return {**asdict(self), "reason": str(self.reason), "valid": self.valid,
                "vaccination": self.named()}


def refused(code: str, fmt: str = "", status: str = "invalid") -> Result:
    """A result that is not valid, with the reason's code and its words."""
    return Result(status, fmt, reason=REASONS[code], reason_code=code)


class Verifier:
    """Verification against one key store and an optional revocation lookup."""

    def __init__(self, store: KeyStore, *, own_iss: str = "", is_revoked=None,
                 now: dt.datetime | None = None, own_name: str = "") -> None:
        self.store = store
        self.own_iss = own_iss.rstrip("/")
        self.own_name = own_name
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

    def _own_key(self, kind: str, kid: str):
        """Any key this instance has ever published (next, active or retired), by key id: a
        kid is the key's RFC 7638 thumbprint, so it names that key under any issuer URL."""
        for info in self.store.keys(kind):
            if info.kid == kid:
                return info.public_key
        return None

    def _keyset_name(self, kid: str) -> str:
        """The ``name`` of the trusted key set (KEYS_DIR/trust/*.json) holding ``kid``."""
        for keyset in self.store.trusted_jwks():
            if any(jwk.get("kid") == kid for jwk in keyset.get("keys", ())):
                return str(keyset.get("name") or keyset.get("iss") or "")
        return ""

    def _jws_issuer(self, kind: str, kid: str) -> str:
        return self.own_name if self._own_key(kind, kid) is not None else self._keyset_name(kid)

    def _hcert_issuer(self, signer) -> str:
        """This instance's name for its own DSC, else the DSC subject's organisation (or CN)."""
        from cryptography.x509.oid import NameOID

        own = [info.certificate for info in self.store.keys("hcert")]
        if any(signer is c or signer == c for c in own):
            return self.own_name
        subject = getattr(signer, "subject", None)
        for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
            values = subject.get_attributes_for_oid(oid) if subject is not None else []
            if values:
                return str(values[0].value)
        return ""

    def shc_key(self, iss: str | None, kid: str | None):
        if not kid:
            return None
        return self._own_key("shc", kid) or self._trusted_jwk(kid, iss)

    def divoc_key(self, verification_method: str | None):
        kid = (verification_method or "").rpartition("#")[2]
        if not kid:
            return None
        return self._own_key("divoc", kid) or self._trusted_jwk(kid)

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
        raw = _divoc_base64(stripped)
        if raw is not None:  # the W3C credential's "text" download: its QR bytes in base64
            return self.verify_divoc(raw)
        try:
            if stripped.startswith("HC1:"):
                return self.verify_hcert(stripped)
            if stripped.startswith("shc:/") or stripped.count(".") == 2 and stripped[:2] == "ey":
                return self.verify_shc(stripped)
            if stripped.startswith("{"):
                return self.verify_divoc(stripped.encode("utf-8"))
            return self.verify_divoc(payload if isinstance(payload, bytes) else payload.encode("utf-8"))
        except (AttributeError, TypeError, KeyError, IndexError, ValueError):
            # a signed document of an unexpected shape (a list where a map belongs…): not one of
            # the certificates this verifier reads, whoever signed it
            return refused("NOT_A_CERTIFICATE")

    def _revoked(self, result: Result, ids: list[str]) -> Result:
        reason = self.is_revoked([i for i in ids if i])
        if reason is not None:
            result.status, result.reason_code = "revoked", "REVOKED"
            result.reason = REASONS["REVOKED"]
        return result

    def _now(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.timezone.utc)

    def verify_hcert(self, text: str) -> Result:
        """HC1 text: EU DCC (claim -260/1) or WHO DDCC:VS (-260/2). Follows the eHN hcert
        specification and the checks of the official conformance data (dgc-testdata): zlib
        compression, a CBOR map, the signature by a trusted document signer whose extended key
        usage allows the certificate type and whose certificate is valid now, iat not in the
        future, exp not passed."""
        try:
            decoded = hcert_decode(text)
        except HcertError:
            return refused("UNREADABLE")
        health = decoded.claims.get(HCERT_CLAIM)
        if not isinstance(health, dict) or not (1 in health or ddcc.DDCC_CLAIM in health):
            return refused("NOT_A_CERTIFICATE")
        fmt, module = ("eu_dcc", eu_dcc) if 1 in health else ("ddcc", ddcc)
        body = health[1] if fmt == "eu_dcc" else health[ddcc.DDCC_CLAIM]
        problem = eu_dcc.structure_problem(body) if fmt == "eu_dcc" else ddcc.structure_problem(body)
        iat, exp = decoded.claims.get(6), decoded.claims.get(4)
        # CWT NumericDate: an integer or a floating-point number of seconds (RFC 8392, 2)
        if problem or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in (iat, exp)):
            return refused("NOT_A_CERTIFICATE", fmt)
        signer = None
        for candidate in self.hcert_keys(decoded.kid):
            try:
                module.verify(text, lambda _kid, c=candidate: [c], None)
            except HcertError:
                continue
            signer = candidate
            break
        if signer is None:
            known = any(True for _ in self.hcert_keys(decoded.kid))
            return refused("BAD_SIGNATURE" if known else "UNKNOWN_ISSUER", fmt)
        if fmt == "eu_dcc" and not eu_dcc_key_usage_allows(signer, body):
            return refused("WRONG_KEY_USAGE", fmt)
        now = self._now()
        issued = dt.datetime.fromtimestamp(iat, dt.timezone.utc)
        window = _signer_window(signer)
        if issued > now + CLOCK_LEEWAY or now < window[0] - CLOCK_LEEWAY:
            return refused("NOT_YET_VALID", fmt)
        if now > window[1]:  # the document signer's certificate has expired
            return refused("EXPIRED", fmt, status="expired")
        if fmt == "eu_dcc":
            result = _eu_dcc_result(body)
        else:
            result = _ddcc_result(body)
        if exp < now.timestamp():
            result.status, result.reason_code, result.reason = "expired", "EXPIRED", REASONS["EXPIRED"]
        result.issuer_name = self._hcert_issuer(signer)
        return self._revoked(result, [result.certificate_id])

    def verify_shc(self, text: str) -> Result:
        try:
            body = shc.verify(text, self.shc_key)
        except shc.ShcError as exc:
            return refused(_error_reason(exc), "shc")
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
        jws = shc.from_qr_text(text) if text.strip().startswith(shc.PREFIX) else text.strip()
        result.issuer_name = self._jws_issuer("shc", str(shc.decode(jws)[0].get("kid", "")))
        return self._revoked(result, [result.certificate_id])

    def verify_divoc(self, data: bytes) -> Result:
        try:
            signed = divoc_vc.from_qr_bytes(data)
            doc = divoc_vc.verify(signed, self.divoc_key)
        except divoc_vc.DivocError as exc:
            return refused(_error_reason(exc), "divoc_vc")
        subject = doc.get("credentialSubject", {})
        evidence = (doc.get("evidence") or [{}])[-1]
        result = Result("valid", "divoc_vc", certificate_id=str(evidence.get("certificateId", "")),
                        issuer=str(doc.get("issuer", "")),
                        person={"name": subject.get("name", ""), "age": subject.get("age", ""),
                                "gender": subject.get("gender", "")},
                        issuer_name=self._jws_issuer("divoc", str((doc.get("proof") or {}).get(
                            "verificationMethod", "")).rpartition("#")[2]),
                        vaccination={"vaccine": evidence.get("vaccine"), "dose": evidence.get("dose"),
                                     "manufacturer_name": evidence.get("manufacturer"),
                                     "total": evidence.get("totalDoses"), "date": evidence.get("date"),
                                     "country": evidence.get("facility", {}).get("address", {}).get("addressCountry")})
        until = evidence.get("effectiveUntil")
        if until and str(until)[:10] < self._now().date().isoformat():
            result.status, result.reason_code, result.reason = "expired", "EXPIRED", REASONS["EXPIRED"]
        return self._revoked(result, [result.certificate_id])


def _error_reason(exc: Exception) -> str:
    """The reason code the SHC or DIVOC module gave its error (never read from its words)."""
    code = getattr(exc, "code", "UNREADABLE")
    return code if code in REASONS else "UNREADABLE"


_BASE64 = re.compile(r"[A-Za-z0-9+/\s]+={0,2}")


def _divoc_base64(text: str) -> bytes | None:
    """The bytes of a base64 text holding a DIVOC zip (``PK``) or JSON credential, else None."""
    if len(text) < 16 or not _BASE64.fullmatch(text):
        return None
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except ValueError:
        return None
    return raw if raw[:2] == b"PK" or raw.lstrip()[:1] == b"{" else None


def eu_dcc_key_usage_allows(signer, body: dict) -> bool:
    """True when the document signer may sign this EU DCC's type (v, t or r). A signer whose
    extended key usage names none of the DCC OIDs signs every type; one that names some signs
    only those types (eHN hcert / trust framework: "zero or more" of the three OIDs, other OIDs
    non-critical and handled gracefully)."""
    from cryptography import x509

    if not hasattr(signer, "extensions"):
        return True  # a bare public key from the kit's own store: no usage restriction
    try:
        usages = {oid.dotted_string for oid in signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value}
    except x509.ExtensionNotFound:
        return True
    usages &= set().union(*DCC_KEY_USAGE.values())
    kind = next(k for k in ("v", "t", "r") if k in body)
    return not usages or bool(usages & DCC_KEY_USAGE[kind])


def _signer_window(signer) -> tuple[dt.datetime, dt.datetime]:
    """When the document signer's certificate is valid (checked at verification time, as the
    Corona-Warn-App does). Not against iat: the kit signs a certificate when it is first
    downloaded, so a DSC installed after issuance signs certificates whose iat predates it."""
    start = getattr(signer, "not_valid_before_utc", None) or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    end = getattr(signer, "not_valid_after_utc", None) or dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return start, end


def _eu_dcc_result(body: dict) -> Result:
    kind = next(k for k in ("v", "t", "r") if k in body)
    entry = body[kind][0]
    names = body.get("nam") or {}
    given = " ".join(n for n in (names.get("gn"), names.get("fn")) if isinstance(n, str) and n)
    result = Result("valid", "eu_dcc", certificate_id=str(entry.get("ci", "")), issuer=str(entry.get("is", "")),
                    person={"name": given or names.get("fnt", ""), "name_icao": names.get("fnt", ""),
                            "birth": body.get("dob", "")})
    if kind == "v":
        result.vaccination = {"vaccine": entry.get("mp"), "dose": entry.get("dn"), "total": entry.get("sd"),
                              "date": entry.get("dt"), "country": entry.get("co"),
                              "manufacturer": entry.get("ma"), "type": entry.get("vp"),
                              "disease": entry.get("tg")}
    else:
        result.vaccination = {"country": entry.get("co")}
    return result


def _ddcc_result(body: dict) -> Result:
    vac = body.get("vaccination") or {}
    certificate = body.get("certificate") or {}
    return Result("valid", "ddcc", certificate_id=str((certificate.get("hcid") or {}).get("value", "")),
                  issuer=str(((certificate.get("issuer") or {}).get("identifier") or {}).get("value", "")),
                  person={"name": body.get("name", ""), "birth": body.get("birthDate", ""),
                          "gender": body.get("sex", "")},
                  vaccination={"vaccine": (vac.get("brand") or {}).get("code"), "dose": vac.get("dose"),
                               "total": vac.get("totalDoses"), "date": vac.get("date"),
                               "country": (vac.get("country") or {}).get("code"),
                               "manufacturer": (vac.get("manufacturer") or {}).get("code"),
                               "type": (vac.get("vaccine") or {}).get("code"),
                               "disease": (vac.get("disease") or {}).get("code")})


def app_verifier(app=None) -> Verifier:
    """A verifier for this instance: its keys, its trust list and its revocation list."""
    from flask import current_app

    app = app or current_app._get_current_object()
    return Verifier(keystore(app), own_iss=app.config["PUBLIC_URL"], is_revoked=_db_revocation_lookup,
                    own_name=_own_issuer_name())


def _own_issuer_name() -> str:
    """This instance's issuer as the profile names it (certificates.issuer.name)."""
    try:
        issuer = (get_profile().data.get("certificates") or {}).get("issuer") or {}
    except Exception:  # noqa: BLE001 - no profile: no name
        return ""
    return str(issuer.get("name") or "")


def rate_limit() -> None:
    """Count a public verification for this client (``RATE_LIMIT_VERIFY``, default 300/minute);
    counted in this process while Redis is down (core.outage)."""
    from flask import current_app

    limit("certificates.verify", current_app.config.get("RATE_LIMIT_VERIFY", "300 per minute"))


def _db_revocation_lookup(ids: list[str]) -> str | None:
    """Reason text when one of the ids belongs to a revoked certificate of this instance."""
    import sqlalchemy as sa

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
    """CLI helper: a file (QR image: PNG, JPEG, SVG or a PDF page; zip, JSON or text) or the
    QR text itself."""
    from pathlib import Path

    path = Path(value)
    if len(value) < 4096 and path.is_file():
        data = path.read_bytes()
        if upload_kind(data) != "text":
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


#: Raster size an SVG or a PDF page is drawn at: its longer side, in pixels (a QR code of version
#: 40 has 177 modules: 11 pixels each at most). Chosen by the kit, whatever the file declares.
RENDER_SIDE = 2048
PDF_PAGES = 4  # a certificate's QR code is on its first page; a few more are looked at


def upload_kind(data: bytes) -> str:
    """pdf, svg, image (a raster format) or text, from the first bytes."""
    head = data[:1024].lstrip()
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:1] == b"<" and b"<svg" in data[:4096]:
        return "svg"
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"GIF8", b"RIFF") \
            or data[:2] == b"BM":
        return "image"
    return "text"


def _svg_grey(data: bytes, max_pixels: int):
    """An SVG drawn on white at RENDER_SIDE pixels (resvg). Refused before drawing: DTD entities
    (defusedxml), references to anything outside the file, and embedded raster images over the
    pixel budget (their headers are checked as uploads are)."""
    import base64 as b64
    import io

    import resvg_py
    from defusedxml import ElementTree
    from PIL import Image

    try:
        root = ElementTree.fromstring(data)
    except Exception:  # noqa: BLE001 - defusedxml's refusals and XML syntax errors alike
        raise ImageUnreadable() from None
    if not root.tag.endswith("svg"):
        raise ImageUnreadable()
    for element in root.iter():
        if element.tag.endswith("style") and "@import" in (element.text or ""):
            raise ImageUnreadable()
        for name, value in element.attrib.items():
            if not name.endswith("href") or value.startswith("#"):
                continue
            if not value.startswith("data:image/") or ";base64," not in value:
                raise ImageUnreadable()  # a file or a URL outside the upload
            try:
                embedded = b64.b64decode(value.split(",", 1)[1])
            except ValueError:
                raise ImageUnreadable() from None
            _open_bounded(embedded, max_pixels).close()
    side = min(RENDER_SIDE, int(max_pixels ** 0.5))
    try:
        png = resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), width=side, background="#ffffff",
                                    skip_system_fonts=True)
        with Image.open(io.BytesIO(png), formats=["PNG"]) as drawn:
            if drawn.width * drawn.height > max_pixels:
                raise ImageTooLarge(megapixels=max_pixels // 1_000_000)
            return drawn.convert("L")
    except (ValueError, UnicodeDecodeError, OSError):
        raise ImageUnreadable() from None


def _pdf_pages_grey(data: bytes, max_pixels: int):
    """The first PDF_PAGES pages drawn in grey (pdfium), each scaled so that it holds at most
    ``max_pixels`` pixels (at most 300 dpi): the page size, not the file, sets the pixel count."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise ImageUnreadable() from None
    try:
        for index in range(min(len(pdf), PDF_PAGES)):
            page = pdf[index]
            width, height = page.get_size()  # points
            if width <= 0 or height <= 0:
                continue
            scale = min(300 / 72, (max_pixels / (width * height)) ** 0.5, RENDER_SIDE / max(width, height))
            yield page.render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


def _read_qr(grey):
    import zxingcpp

    return zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)


def decode_image(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> str | bytes:
    """The payload of the first QR code in an upload (zxing-cpp): a raster image (PNG, JPEG…),
    an SVG, or a PDF (its first pages).

    Raises ImageTooLarge (413) for an image of more than ``max_pixels`` pixels, checked in its
    header before decoding (SVGs and PDF pages are drawn at a size the kit chooses), and
    ImageUnreadable (400) for anything else that yields no QR code.
    """
    from PIL import Image

    kind = upload_kind(data)
    if kind == "pdf":
        results = next((found for found in map(_read_qr, _pdf_pages_grey(data, max_pixels)) if found), [])
    elif kind == "svg":
        results = _read_qr(_svg_grey(data, max_pixels))
    else:
        with _open_bounded(data, max_pixels) as image:
            try:
                grey = image.convert("L")  # decodes, within the pixel budget checked above
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                raise ImageUnreadable() from None
        results = _read_qr(grey)
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
