"""HC1 certificates (EU DCC and WHO DDCC:VS): the document signer's key usage and validity
window, and what each format's payload says (eHN hcert specification, dgc-testdata)."""

from __future__ import annotations

import datetime as dt

from .verify_result import Result

#: Extended key usage OIDs of EU DCC document signers (eHN hcert specification 1.0.5, section
#: 5.1.1; dgc-testdata CERT_VALIDITY_MAP): which certificate types a key may sign.
DCC_KEY_USAGE = {
    "t": {"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"},
    "v": {"1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"},
    "r": {"1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"},
}
#: How far in the future a certificate's issue time may lie (the issuing server's clock).
CLOCK_LEEWAY = dt.timedelta(minutes=5)


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


def signer_window(signer) -> tuple[dt.datetime, dt.datetime]:
    """When the document signer's certificate is valid (checked at verification time, as the
    Corona-Warn-App does). Not against iat: the kit signs a certificate when it is first
    downloaded, so a DSC installed after issuance signs certificates whose iat predates it."""
    start = getattr(signer, "not_valid_before_utc", None) or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    end = getattr(signer, "not_valid_after_utc", None) or dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return start, end


def eu_dcc_result(body: dict) -> Result:
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


def ddcc_result(body: dict) -> Result:
    vac = body.get("vaccination") or {}
    certificate = body.get("certificate") or {}
    return Result("valid", "ddcc", certificate_id=str((certificate.get("hcid") or {}).get("value", "")),
                  issuer=str(((certificate.get("issuer") or {}).get("identifier") or {}).get("value", "")),
                  person={"name": body.get("name", ""), "birth": body.get("birthDate", ""),
                          "gender": body.get("sex", "")},
                  vaccination={"vaccine": (vac.get("brand") or {}).get("code"), "dose": vac.get("dose"),
                               "total": vac.get("totalDoses"), "date": vac.get("date"),
                               "country": (vac.get("country") or {}).get("code"),
                               # "unknown": a routine product's (routine.yaml names no maker)
                               "manufacturer": _known((vac.get("manufacturer") or {}).get("code")),
                               "type": (vac.get("vaccine") or {}).get("code"),
                               "disease": (vac.get("disease") or {}).get("code")})


def _known(code):
    return None if code == "unknown" else code
