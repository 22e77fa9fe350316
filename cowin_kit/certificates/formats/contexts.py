"""JSON-LD context documents shipped with the kit, and a pyld document loader that never
touches the network."""

from __future__ import annotations

import json
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


@lru_cache(maxsize=None)
def context_document(url: str) -> dict:
    """Return the shipped context document for a URL (KeyError for unknown URLs)."""
    return json.loads((CONTEXTS_DIR / FILES[url]).read_text("utf-8"))


def document_loader(url: str, options=None) -> dict:
    """pyld document loader over the shipped contexts; refuses every other URL."""
    try:
        document = context_document(url.rstrip("/") if url.rstrip("/") in FILES else url)
    except KeyError:
        raise ValueError(f"JSON-LD context not shipped with cowin-kit: {url}") from None
    return {"contextUrl": None, "documentUrl": url, "document": document}
