"""Verify any supported certificate: own keys, the trust list, the revocation list."""

from __future__ import annotations

import base64
import datetime as dt
import re

from cowin_kit.core.db import db
from cowin_kit.core.outage import limit
from cowin_kit.profiles import get_profile

from .formats import ddcc, divoc_vc, eu_dcc, jose, shc
from .formats.hcert import HCERT_CLAIM, HcertError
from .formats.hcert import decode as hcert_decode
from .formats.hcert import kid_for
from .keys import KeyStore
from .stores import keystore
from .models import Certificate
from .verify_hcert import CLOCK_LEEWAY, ddcc_result, eu_dcc_key_usage_allows, eu_dcc_result, signer_window
from .verify_result import REASONS, Result, refused
from .verify_upload import (MAX_IMAGE_PIXELS, ImageRejected, ImageTooLarge, ImageUnreadable, decode_image,
                            read_input)


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
        window = signer_window(signer)
        if issued > now + CLOCK_LEEWAY or now < window[0] - CLOCK_LEEWAY:
            return refused("NOT_YET_VALID", fmt)
        if now > window[1]:  # the document signer's certificate has expired
            return refused("EXPIRED", fmt, status="expired")
        if fmt == "eu_dcc":
            result = eu_dcc_result(body)
        else:
            result = ddcc_result(body)
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


__all__ = ["Verifier", "Result", "app_verifier", "read_input", "decode_image", "ImageRejected",
           "ImageTooLarge", "ImageUnreadable", "MAX_IMAGE_PIXELS"]
