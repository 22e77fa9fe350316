"""EU Digital COVID Certificate (schema 1.3.0) in an HCERT "HC1:" QR text."""

from __future__ import annotations

import datetime as dt
import re

from stdnum import luhn

from . import hcert, jose
from .data import CertificateData
from .icao import transliterate

SCHEMA_VERSION = "1.3.0"
COVID19 = "840539006"  # SNOMED CT, value set disease-agent-targeted
GENERIC_VACCINE = "1119349007"
#: Luhn mod N alphabet of the eHealth Network's UVCI guidelines (Annex 2) and the DCC schema
#: FAQ: letters first, then digits, then '/' and ':'. The check character covers the whole
#: UVCI before '#', "URN:UVCI:" prefix included (FAQ example URN:UVCI:01:NL:187/37512422923#Z).
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"
_UVCI = re.compile(r"^URN:UVCI:01:[A-Z]{2}:[0-9A-Z/:]+#[0-9A-Z/:]$")


def luhn_mod_n(text: str) -> str:
    """Check character (Luhn mod N over A-Z, 0-9, '/', ':') for a UVCI without its '#X'."""
    return luhn.calc_check_digit(text, alphabet=ALPHABET)


def make_uvci(country: str, opaque: str) -> str:
    """Build ``URN:UVCI:01:<CC>:<opaque>#<check>`` (at most 80 characters)."""
    body = f"URN:UVCI:01:{country.upper()}:{opaque.upper()}"
    uvci = f"{body}#{luhn_mod_n(body)}"
    if len(uvci) > 80 or not _UVCI.match(uvci):
        raise ValueError(f"invalid UVCI {uvci!r}")
    return uvci


def uvci_is_valid(uvci: str) -> bool:
    """True when the UVCI has the right shape and check character."""
    return bool(_UVCI.match(uvci)) and luhn_mod_n(uvci[:-2]) == uvci[-1]


def names(data: CertificateData) -> dict:
    """``nam`` (DCC schema 1.3 "Person name"): surname and forenames apart, each with its ICAO
    9303 form; the name as in the passport when the person recorded it. A snapshot without a
    split name puts it all in the surname, as before."""
    family = data.family_name or data.name
    nam = {"fn": family[:80], "fnt": transliterate(family) or "X"}
    if data.given_names:
        nam["gn"] = data.given_names[:80]
        given = transliterate(data.given_names)
        if given:
            nam["gnt"] = given
    return nam


def dcc_payload(data: CertificateData) -> dict:
    """The DCC JSON (one vaccination entry) for the certificate's latest dose."""
    dose = data.dose
    codes = dose.codes or {}
    total = max(dose.series_total, dose.dose_number)
    return {
        "ver": SCHEMA_VERSION,
        "nam": names(data),
        "dob": data.dob_text,
        "v": [{
            "tg": COVID19,
            "vp": str(codes.get("eu_vp") or GENERIC_VACCINE),
            "mp": str(codes.get("eu_mp") or dose.vaccine_name)[:80],
            "ma": str(codes.get("eu_ma") or dose.manufacturer)[:80],
            "dn": dose.dose_number,
            "sd": total,
            "dt": dose.date.isoformat(),
            "co": (dose.country or data.issuer.country).upper(),
            "is": data.issuer.name[:80],
            "ci": data.uvci,
        }],
    }


def claims(data: CertificateData, payload: dict) -> dict:
    iat, exp = hcert.timestamps(data.issued_at, data.valid_until)
    return {1: data.issuer.country.upper(), 6: iat, 4: exp, hcert.HCERT_CLAIM: payload}


def prepare(data: CertificateData, alg: str, kid: bytes) -> jose.Unsigned:
    """The EU DCC before its signature (``kid``: the document signer's 8-byte key id)."""
    return hcert.prepare(claims(data, {1: dcc_payload(data)}), alg, kid)


def encode(data: CertificateData, signer: hcert.HcertSigner) -> str:
    """Sign the certificate as an EU DCC and return the HC1 QR text."""
    return hcert.sign(signer, claims(data, {1: dcc_payload(data)}))


def structure_problem(body) -> str:
    """What makes a decoded DCC unusable, or "" (DCC schema: ``ver``, ``nam`` with ``fnt`` or
    ``gnt``, ``dob``, and exactly one of ``v``, ``t``, ``r``; schema 1.3 allows one entry in it,
    1.0 several, so at least one is required)."""
    if not isinstance(body, dict):
        return "the DCC is not a map"
    names = body.get("nam")
    if not isinstance(body.get("ver"), str) or not isinstance(body.get("dob"), str):
        return "ver or dob missing"
    if not isinstance(names, dict) or not any(isinstance(names.get(k), str) for k in ("fnt", "gnt")):
        return "nam lacks fnt and gnt"
    kinds = [k for k in ("v", "t", "r") if k in body]
    if len(kinds) != 1:
        return "not exactly one of v, t, r"
    entries = body[kinds[0]]
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        return f"{kinds[0]} must hold entries"
    return ""


def verify(text: str, keys_for, now: dt.datetime | None = None) -> dict:
    """Verify HC1 text and return the DCC JSON (raises hcert.HcertError)."""
    decoded = hcert.verify(text, keys_for, now)
    body = decoded.claims.get(hcert.HCERT_CLAIM) or {}
    if 1 not in body:
        raise hcert.HcertError("no EU DCC in this health certificate")
    return body[1]
