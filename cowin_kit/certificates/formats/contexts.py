"""JSON-LD context documents shipped with the kit, and a pyld document loader that never
touches the network."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "contexts"

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
VACCINATION_V1 = "https://cowin.gov.in/credentials/vaccination/v1"
VACCINATION_V2 = "https://cowin.gov.in/credentials/vaccination/v2"
SECURITY_V1 = "https://w3id.org/security/v1"
SECURITY_V2 = "https://w3id.org/security/v2"

FILES = {
    CREDENTIALS_V1: "credentials-v1.json",
    VACCINATION_V1: "vaccination-v1.json",
    VACCINATION_V2: "vaccination-v2.json",
    SECURITY_V1: "security-v1.json",
    SECURITY_V2: "security-v2.json",
}


#: Where an instance serves the vaccination contexts: ``<public URL>/credentials/vaccination/v1``
#: (and v2). India's credentials keep CoWIN's own URLs, which India's verifiers know; every other
#: profile names its instance, which serves the same documents (views.vaccination_context).
CONTEXT_PATH = "/credentials/vaccination/{version}"
_SERVED = re.compile(r"^https://[^/?#\s]+(?:/[^?#\s]*)?/credentials/vaccination/(v[12])$")


def vaccination_context(issuer_url: str, country: str) -> str:
    """The vaccination context URL a profile's credentials use (v1)."""
    if country.upper() == "IN":
        return VACCINATION_V1
    return issuer_url.rstrip("/") + CONTEXT_PATH.format(version="v1")


def vaccination_version(url, issuer=None) -> str | None:
    """"v1" or "v2" for CoWIN's context URLs and for the copies the credential's own ``issuer``
    serves (the issuer is signed, the @context is not: a context on any other host would let a
    copy with a changed @context verify), else None. Without ``issuer``, any instance's copy."""
    if url == VACCINATION_V1:
        return "v1"
    if url == VACCINATION_V2:
        return "v2"
    match = _SERVED.match(url) if isinstance(url, str) else None
    if not match or (issuer is not None and (not isinstance(issuer, str) or url != issuer.rstrip("/")
                                             + CONTEXT_PATH.format(version=match.group(1)))):
        return None
    return match.group(1)


@lru_cache(maxsize=None)
def context_document(url: str) -> dict:
    """Return the shipped context document for a URL (KeyError for unknown URLs)."""
    return json.loads((CONTEXTS_DIR / FILES[url]).read_text("utf-8"))


def document_loader(url: str, options=None) -> dict:
    """pyld document loader over the shipped contexts; refuses every other URL."""
    version = vaccination_version(url)
    if version:
        url = VACCINATION_V1 if version == "v1" else VACCINATION_V2
    try:
        document = context_document(url.rstrip("/") if url.rstrip("/") in FILES else url)
    except KeyError:
        raise ValueError(f"JSON-LD context not shipped with cowin-kit: {url}") from None
    return {"contextUrl": None, "documentUrl": url, "document": document}
