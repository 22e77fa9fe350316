"""Fast RDF Dataset Canonicalization (URDNA2015) for the DIVOC vaccination credential.

A general JSON-LD processor (pyld) expands the document against its contexts, builds a node
map, converts it to RDF and canonicalises it: about 3 ms per certificate. The credential's
shape is fixed, so this module maps its keys straight to the RDF terms pyld would produce
(tables below, derived from the shipped contexts) and runs URDNA2015 over the few quads. The
output is byte-identical to ``pyld.jsonld.normalize(doc, {"algorithm": "URDNA2015", "format":
"application/n-quads"})`` — tests compare the two over generated inputs.

Anything outside the known shape (an unknown key, a float, a relative IRI…) raises
``Unsupported``; callers then fall back to pyld when it is installed.
"""

from __future__ import annotations

import re

from .contexts import CREDENTIALS_V1, SECURITY_V2, vaccination_version
from .urdna2015 import urdna2015

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATETIME = f"^^<{XSD}dateTime>"
XSD_INTEGER = f"^^<{XSD}integer>"
XSD_BOOLEAN = f"^^<{XSD}boolean>"
S = "https://schema.org/"
CRED = "https://www.w3.org/2018/credentials#"
SEC = "https://w3id.org/security#"


class Unsupported(ValueError):
    """The document is outside the shape this canonicaliser knows; use a general processor."""


# Term tables: key -> (predicate, kind). Kinds: "lit" plain literal (or integer/boolean by JSON
# type), "dt" xsd:dateTime literal, "iri" IRI reference, "vocab" term in @vocab position,
# "node:<table>" nested node object, "type" rdf:type with class names from TYPES.
ADDRESS = {
    "streetAddress": (f"<{S}streetAddress>", "lit"),
    "streetAddress2": ("<vac:addressLine2>", "lit"),
    "city": ("<vac:city>", "lit"),
    "district": ("<vac:district>", "lit"),
    "addressRegion": (f"<{S}addressRegion>", "lit"),
    "postalCode": (f"<{S}postalCode>", "lit"),
    "addressCountry": (f"<{S}addressCountry>", "lit"),
}
PERSON = {
    "refId": (f"<{S}id>", "lit"),
    "dob": (f"<{S}date>", "lit"),  # vaccination context v2
    "uhid": (f"<{S}id>", "lit"),
    "name": (f"<{S}name>", "lit"),
    "age": (f"<{S}Number>", "lit"),
    "gender": (f"<{S}gender>", "lit"),
    "nationality": (f"<{S}nationality>", "lit"),
    "address": (f"<{S}PostalAddress>", "node:address"),
}
VERIFIER = {
    "id": (f"<{S}id>", "lit"),
    "name": (f"<{S}name>", "lit"),
    "sign-image": (f"<{S}image>", "lit"),
}
FACILITY = {
    "name": (f"<{S}name>", "lit"),
    "address": (f"<{S}PostalAddress>", "node:address"),
    "seal-image": (f"<{S}image>", "lit"),
}
VACCINATION = {
    "certificateId": (f"<{S}id>", "lit"),
    "feedbackUrl": (f"<{S}url>", "lit"),
    "infoUrl": (f"<{S}url>", "lit"),
    "batch": (f"<{S}id>", "lit"),
    "vaccine": (f"<{S}id>", "lit"),
    "manufacturer": (f"<{S}id>", "lit"),
    "date": (f"<{S}date>", "lit"),
    "icd11Code": (f"<{S}id>", "lit"),  # v2
    "prophylaxis": (f"<{S}name>", "lit"),  # v2
    "effectiveStart": (f"<{S}date>", "lit"),
    "effectiveUntil": (f"<{S}date>", "lit"),
    "dose": (f"<{S}doseValue>", "lit"),
    "totalDoses": (f"<{S}doseValue>", "lit"),
    "verifier": ("<vac:verifier>", "node:verifier"),
    "facility": ("<vac:Facility>", "node:facility"),
}
CREDENTIAL = {
    "credentialSubject": (f"<{CRED}credentialSubject>", "node:subject"),
    "evidence": (f"<{CRED}evidence>", "node:evidence"),
    "issuer": (f"<{CRED}issuer>", "iri"),
    "issuanceDate": (f"<{CRED}issuanceDate>", "dt"),
    "expirationDate": (f"<{CRED}expirationDate>", "dt"),
    "nonTransferable": ("<vac:nonTransferable>", "lit"),
}
PROOF = {
    "created": ("<http://purl.org/dc/terms/created>", "dt"),
    "verificationMethod": (f"<{SEC}verificationMethod>", "iri"),
    "proofPurpose": (f"<{SEC}proofPurpose>", "vocab"),
    "domain": (f"<{SEC}domain>", "lit"),
    "challenge": (f"<{SEC}challenge>", "lit"),
    "nonce": (f"<{SEC}nonce>", "lit"),
}
TABLES = {"address": ADDRESS, "subject": PERSON, "verifier": VERIFIER, "facility": FACILITY,
          "evidence": VACCINATION, "credential": CREDENTIAL, "proof": PROOF}
# Which class each node table requires (its terms come from that class's scoped context).
REQUIRED_TYPE = {"subject": "Person", "evidence": "Vaccination",
                 "credential": "VerifiableCredential"}
TYPES = {
    "credential": {"VerifiableCredential": f"<{CRED}VerifiableCredential>",
                   "ProofOfVaccinationCredential": f"<{S}ProofOfVaccinationCredential>"},
    "subject": {"Person": f"<{S}Person>"},
    "evidence": {"Vaccination": "<vac:Vaccination>"},
    "proof": {"Ed25519Signature2018": f"<{SEC}Ed25519Signature2018>",
              "RsaSignature2018": f"<{SEC}RsaSignature2018>"},
}
VOCAB = {"assertionMethod": f"<{SEC}assertionMethod>", "authentication": f"<{SEC}authenticationMethod>"}
# Nodes whose "id" key names the node (an IRI); in the verifier "id" is a plain schema:id.
NAMED = {"credential", "subject", "evidence", "proof"}
_IRI = re.compile(r"^(?:https?|did|urn):[^\s<>\"{}|\\^`]*$")


def _iri(value) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise Unsupported(f"not an absolute IRI this canonicaliser handles: {value!r}")
    return f"<{value}>"


def escape(value: str) -> str:
    """Escape a literal exactly as pyld's N-Quads serialiser does."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    if '"' in value:
        value = value.replace('"', '\\"')
    return value


def _literal(value, kind: str) -> str:
    if isinstance(value, bool):
        if kind != "lit":
            raise Unsupported("boolean where a date was expected")
        return f'"{"true" if value else "false"}"{XSD_BOOLEAN}'
    if isinstance(value, int):
        if kind != "lit" or abs(value) >= 10**21:
            raise Unsupported("number this canonicaliser does not handle")
        return f'"{value}"{XSD_INTEGER}'
    if not isinstance(value, str):
        raise Unsupported(f"unsupported literal {type(value).__name__}")
    if kind == "dt":
        return f'"{escape(value)}"{XSD_DATETIME}'
    return f'"{escape(value)}"'


class _Builder:
    __slots__ = ("quads", "counter")

    def __init__(self) -> None:
        self.quads: set[tuple[str, str, str]] = set()
        self.counter = 0

    def node(self, obj, table: str) -> str:
        if not isinstance(obj, dict):
            raise Unsupported(f"{table} must be an object")
        terms = TABLES[table]
        if table in NAMED and "id" in obj:
            subject = _iri(obj["id"])
        else:
            subject = f"_:b{self.counter}"
            self.counter += 1
        types = TYPES.get(table)
        if types is not None:
            names = obj.get("type")
            names = names if isinstance(names, list) else [names]
            required = REQUIRED_TYPE.get(table)
            if required and required not in names:
                raise Unsupported(f"{table} without type {required}")
            for name in names:
                if name not in types:
                    raise Unsupported(f"unknown type {name!r}")
                self.quads.add((subject, RDF_TYPE, types[name]))
        add = self.quads.add
        for key, value in obj.items():
            if key == "type" and types is not None:
                continue
            if key == "id" and table in NAMED:
                continue
            if key == "nonTransferable" and "ProofOfVaccinationCredential" not in obj.get("type", ()):
                raise Unsupported("nonTransferable outside ProofOfVaccinationCredential")
            try:
                predicate, kind = terms[key]
            except KeyError:
                raise Unsupported(f"unknown key {key!r} in {table}") from None
            for item in value if isinstance(value, list) else (value,):
                if item is None:
                    continue
                if kind == "iri":
                    add((subject, predicate, _iri(item)))
                elif kind == "vocab":
                    if item not in VOCAB:
                        raise Unsupported(f"unknown proof purpose {item!r}")
                    add((subject, predicate, VOCAB[item]))
                elif kind.startswith("node:"):
                    add((subject, predicate, self.node(item, kind[5:])))
                else:
                    add((subject, predicate, _literal(item, kind)))
        return subject


V2_ONLY = {("subject", "dob"), ("evidence", "icd11Code"), ("evidence", "prophylaxis")}


def credential_quads(doc: dict) -> set[tuple[str, str, str]]:
    """Map a vaccination credential (without proof) to its RDF quads."""
    context = doc.get("@context")
    version = (vaccination_version(context[1], doc.get("issuer"))
               if isinstance(context, list) and len(context) == 2 and context[0] == CREDENTIALS_V1 else None)
    if version is None:
        raise Unsupported("unexpected @context")
    if version == "v1":
        _reject_v2_terms(doc)
    builder = _Builder()
    body = {k: v for k, v in doc.items() if k != "@context"}
    if "proof" in body:
        raise Unsupported("canonicalise the credential without its proof")
    builder.node(body, "credential")
    return builder.quads


def _reject_v2_terms(doc: dict) -> None:
    """Under the v1 context the v2-only terms are undefined (JSON-LD would drop them)."""
    subject = doc.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    evidence = doc.get("evidence")
    evidences = evidence if isinstance(evidence, list) else [evidence]
    for table, nodes in (("subject", subjects), ("evidence", evidences)):
        for node in nodes:
            if isinstance(node, dict) and any((table, key) in V2_ONLY for key in node):
                raise Unsupported("term of the v2 vaccination context under v1")


def proof_quads(options: dict) -> set[tuple[str, str, str]]:
    """Map linked-data proof options (security v2 context, no jws) to RDF quads."""
    if options.get("@context") != SECURITY_V2:
        raise Unsupported("proof options must use the security v2 context")
    builder = _Builder()
    builder.node({k: v for k, v in options.items() if k != "@context"}, "proof")
    return builder.quads


def canonicalize_credential(doc: dict) -> str:
    return urdna2015(credential_quads(doc))


def canonicalize_proof(options: dict) -> str:
    return urdna2015(proof_quads(options))
