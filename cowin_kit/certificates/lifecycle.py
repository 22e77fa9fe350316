"""Key lifecycle: when a key signs, who it belongs to, and the national PKI around the DSC.

Every key has a status, computed from ``KEYS_DIR/lifecycle.json`` and the clock, so every pod
reading the same (read-only, mounted) folder agrees without writing anything:

``next``     published (JWKS, DID document, trust list) but not signing yet: ``keys rotate``
             makes a key ``next`` for ``KEY_ACTIVATION_DELAY_HOURS`` (default 48) so verifiers
             and every pod have it before the first certificate signed with it exists;
``active``   the one key of its kind that signs: the latest key whose activation time has come
             (``keys activate`` after the delay, or by itself at the first issuance when due);
``retired``  verify-only, never signs; kept and published as long as certificates exist.

``lifecycle.json``::

    {"divoc": {"<kid>": {"created": iso, "activates_at": iso, "did": "did:web:host"}}, ...}

The DID (``did:web`` of ``PUBLIC_URL`` when the key was made) is the key's issuer identity:
a DIVOC credential's ``verificationMethod`` is ``<did>#<kid>`` and does not change when the
instance moves to another URL.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import Conflict, ValidationFailed

from .formats import jose
from .keyinfo import PUBLIC_FIELDS, KeyInfo, kid_of  # noqa: F401 - PUBLIC_FIELDS: its interface

LIFECYCLE_FILE = "lifecycle.json"
ACTIVE, NEXT, RETIRED = "active", "next", "retired"
#: EU DCC document-signer extended key usages (eHealth Network certificate governance):
#: the DSC may sign test (.1), vaccination (.2) and recovery (.3) certificates.
DSC_EKU = {"test": "1.3.6.1.4.1.1847.2021.1.1", "vaccination": "1.3.6.1.4.1.1847.2021.1.2",
           "recovery": "1.3.6.1.4.1.1847.2021.1.3"}

_cache: dict[str, tuple[float, dict]] = {}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# -- the lifecycle file ------------------------------------------------------------------------


def read(root: Path) -> dict:
    """``lifecycle.json`` (cached by modification time; {} when missing)."""
    path = Path(root) / LIFECYCLE_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    cached = _cache.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    data = json.loads(path.read_text("utf-8"))
    _cache[str(path)] = (stamp, data)
    return data


def write(root: Path, data: dict) -> None:
    path = Path(root) / LIFECYCLE_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
    tmp.replace(path)


def record(root: Path, kind: str, kid: str, *, public_url: str, activates_at: dt.datetime,
           now: dt.datetime | None = None) -> dict:
    """Note a new key: creation time, activation time, and its DID (from today's URL)."""
    data = read(root)
    entry = {"created": (now or utcnow()).isoformat(), "activates_at": activates_at.isoformat(),
             "did": did_web(public_url)}
    data = {**data, kind: {**data.get(kind, {}), kid: entry}}
    write(root, data)
    return entry


def rename(root: Path, kind: str, old: str, new: str) -> None:
    """A key's id changed (an HCERT kid follows its certificate): carry its record over."""
    data = read(root)
    entries = dict(data.get(kind, {}))
    if old in entries:
        entries[new] = entries.pop(old)
        write(root, {**data, kind: entries})


def entry(root: Path, kind: str, kid: str) -> dict:
    return read(root).get(kind, {}).get(kid, {})


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def effective_active(root: Path, kind: str, explicit: str | None, kids, now: dt.datetime | None = None) -> str | None:
    """The signing key: the latest key (of ``kids``) whose activation time has come.

    ``explicit`` is the key ``active.json`` names (keys made before lifecycle records existed,
    or ``keys activate``); it counts as activated at its recorded time, or at the beginning."""
    now = now or utcnow()
    entries = read(root).get(kind, {})
    beginning = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    best, best_at = None, None
    for kid in kids:
        at = _time(entries.get(kid, {}).get("activates_at"))
        if kid == explicit:
            at = min(at, now) if at else beginning
        if at is None or at > now:
            continue
        if best_at is None or at > best_at:
            best, best_at = kid, at
    return best


def status_of(root: Path, kind: str, kid: str, active: str | None, now: dt.datetime | None = None) -> str:
    if kid == active:
        return ACTIVE
    at = _time(entry(root, kind, kid).get("activates_at"))
    return NEXT if at is not None and at > (now or utcnow()) else RETIRED


def activation_delay(app) -> dt.timedelta:
    return dt.timedelta(hours=float(app.config.get("KEY_ACTIVATION_DELAY_HOURS", 48)))


class NotDueYet(Conflict):
    code = "KEY_NOT_DUE"
    default_message = _l("The new key may sign from %(when)s: verifiers and every server need time "
                         "to fetch it first. Activate it then, or add --before-delay if the current "
                         "key is compromised.")


def activate(store, kind: str, kid: str, *, before_delay: bool = False,
             now: dt.datetime | None = None) -> None:
    """Make ``kid`` the signing key of ``kind`` (refused before its activation time)."""
    now = now or utcnow()
    store.get(kind, kid)  # exists
    data = read(store.root)
    entries = dict(data.get(kind, {}))
    current = entries.get(kid, {})
    at = _time(current.get("activates_at"))
    if at is not None and at > now and not before_delay:
        raise NotDueYet(when=at.strftime("%Y-%m-%d %H:%M UTC"))
    entries[kid] = {**current, "activates_at": min(at or now, now).isoformat()}
    write(store.root, {**data, kind: entries})
    store._set_active(kind, kid)


CHAIN_SUFFIX = ".chain.pem"
SUPERSEDED_INFIX = ".superseded-"


def with_status(root: Path, kind: str, explicit: str | None, found: list) -> list:
    """The keys of a kind with today's status (active first); superseded DSCs stay retired."""
    import dataclasses

    now = utcnow()
    own = [info.kid for info in found if not (info.lifecycle or {}).get("superseded_by")]
    active = effective_active(root, kind, explicit, own, now)
    entries = read(root).get(kind, {})
    out = []
    for info in found:
        extra = dict(info.lifecycle or {})
        if not extra.get("superseded_by"):
            recorded = entries.get(info.kid, {})
            extra.update({k: recorded[k] for k in ("created", "activates_at", "did") if k in recorded})
            extra["status"] = status_of(root, kind, info.kid, active, now)
        out.append(dataclasses.replace(info, active=info.kid == active and not extra.get("superseded_by"),
                                       lifecycle=extra))
    out.sort(key=lambda k: (not k.active, k.status != NEXT))
    return out


def _b64(certificate: x509.Certificate) -> str:
    import base64

    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")


def file_extras(kind: str, stem: Path) -> dict | None:
    """The CSCA chain installed beside an hcert key's DSC (``<stem>.chain.pem``)."""
    path = stem.with_name(stem.name + CHAIN_SUFFIX)
    if kind != "hcert" or not path.exists():
        return None
    return {"chain": [_b64(c) for c in load_certificates(path.read_bytes())]}


def superseded(kind: str, stem: Path, public_key) -> list:
    """Earlier DSCs of an hcert key (replaced by ``keys import-certificate``): retired keys of
    their own (their kid is the old certificate's), so what they signed keeps verifying."""
    if kind != "hcert":
        return []
    out = []
    current_kid = None
    for path in sorted(stem.parent.glob(f"{stem.name}{SUPERSEDED_INFIX}*.crt.pem")):
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        if current_kid is None:
            current = stem.with_name(stem.name + ".crt.pem")
            current_kid = (kid_of(kind, public_key, x509.load_pem_x509_certificate(current.read_bytes()))[0]
                           if current.exists() else "")
        kid = kid_of(kind, public_key, certificate)[0]
        out.append(KeyInfo(kind, kid, jose.alg_for_public(public_key), public_key, certificate, False, None,
                           {"status": RETIRED, "superseded_by": current_kid}))
    return out


# -- identity: did:web -------------------------------------------------------------------------


def did_web(public_url: str) -> str:
    """``did:web`` of a base URL: host (port as %3A) and path segments joined by colons."""
    parts = urlsplit(public_url)
    host = quote(parts.hostname or "localhost", safe="")
    if parts.port:
        host += "%3A" + str(parts.port)
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did", "web", host, *segments])


def key_did(root: Path, kind: str, kid: str, public_url: str) -> str:
    """The DID a key was made under (today's URL only for keys made before it was recorded)."""
    return entry(root, kind, kid).get("did") or did_web(public_url)


def verification_method(root: Path, kid: str, public_url: str) -> str:
    """DIVOC ``verificationMethod`` of a key: ``<did at the key's creation>#<kid>``."""
    return f"{key_did(root, 'divoc', kid, public_url)}#{kid}"


def did_document(store, public_url: str) -> dict:
    """The ``did:web`` document of this instance: every W3C credential and SMART Health Card
    key it has used or will use (JsonWebKey2020), so old credentials keep resolving."""
    me = did_web(public_url)
    methods, others = [], []
    for kind in ("divoc", "shc"):
        for info in store.keys(kind):
            jwk = {k: v for k, v in info.public_dict()["jwk"].items() if k not in ("use",)}
            methods.append({"id": f"{me}#{info.kid}", "type": "JsonWebKey2020", "controller": me,
                            "publicKeyJwk": jwk})
            did = key_did(store.root, kind, info.kid, public_url)
            if did != me and did not in others:
                others.append(did)
    ids = [m["id"] for m in methods]
    doc = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
           "id": me, "verificationMethod": methods, "assertionMethod": ids}
    if others:
        doc["alsoKnownAs"] = others
    return doc


# -- national PKI: the EU DCC document signer ------------------------------------------------


class DscInvalid(Conflict):
    code = "SIGNING_CERTIFICATE_INVALID"
    default_message = _l("The document signer certificate is not valid today (valid from %(start)s "
                         "to %(end)s). An administrator must install a valid one: cowin-kit keys "
                         "rotate --kind hcert, keys csr, keys import-certificate.")


def check_dsc(certificate: x509.Certificate | None, now: dt.datetime | None = None) -> None:
    """Refuse to sign with a DSC that has expired or is not valid yet."""
    if certificate is None:
        return
    now = now or utcnow()
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if not start <= now <= end:
        raise DscInvalid(start=start.strftime("%Y-%m-%d"), end=end.strftime("%Y-%m-%d"))


def days_left(certificate: x509.Certificate, now: dt.datetime | None = None) -> int:
    return (certificate.not_valid_after_utc - (now or utcnow())).days


def dsc_csr(private_key, *, country: str, common_name: str, organization: str = "") -> x509.CertificateSigningRequest:
    """A certificate signing request for the CSCA: the eHealth Network DSC profile (C and CN in
    the subject, key usage digitalSignature, the three DCC extended key usages)."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country[:2].upper())]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return (x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in DSC_EKU.values()]),
                           critical=False)
            .sign(private_key, hashes.SHA256()))


class CertificateRefused(ValidationFailed):
    code = "CERTIFICATE_REFUSED"
    default_message = _l("This certificate cannot be installed: %(why)s")


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    key = parent.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(child.signature_hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            pad = (padding.PSS(padding.MGF1(child.signature_hash_algorithm), padding.PSS.AUTO)
                   if child.signature_algorithm_oid == x509.oid.SignatureAlgorithmOID.RSASSA_PSS
                   else padding.PKCS1v15())
            key.verify(child.signature, child.tbs_certificate_bytes, pad, child.signature_hash_algorithm)
        else:
            return False
    except Exception:  # noqa: BLE001 - InvalidSignature and unsupported parameters alike
        return False
    return True


def check_chain(certificate: x509.Certificate, public_key, chain: list[x509.Certificate],
                now: dt.datetime | None = None) -> None:
    """The certificate is for ``public_key``, valid today, and ``chain`` (issuer first, the
    CSCA last) links it to a self-signed root. Raises CertificateRefused saying why."""
    der = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(*der) != public_key.public_bytes(*der):
        raise CertificateRefused(why=_l("it is not for this key (make the request with cowin-kit keys csr)"))
    now = now or utcnow()
    if certificate.not_valid_after_utc < now:
        raise CertificateRefused(why=_l("it has expired"))
    if not chain:
        raise CertificateRefused(why=_l("the chain up to the CSCA is missing (--chain)"))
    links = [certificate, *chain]
    for child, parent in zip(links, links[1:]):
        if not _issued_by(child, parent):
            raise CertificateRefused(why=_l("the chain does not verify (%(subject)s is not signed by the "
                                            "next certificate)", subject=child.subject.rfc4514_string()))
    if not _issued_by(chain[-1], chain[-1]):
        raise CertificateRefused(why=_l("the chain does not end with the self-signed CSCA certificate"))


def load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]
