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

import hashlib
import re

from .contexts import CREDENTIALS_V1, SECURITY_V2, VACCINATION_V1, VACCINATION_V2

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
    if context not in ([CREDENTIALS_V1, VACCINATION_V1], [CREDENTIALS_V1, VACCINATION_V2]):
        raise Unsupported("unexpected @context")
    if context[1] == VACCINATION_V1:
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


# --- URDNA2015 over (subject, predicate, object) term strings in the default graph ----------


class _Issuer:
    __slots__ = ("prefix", "counter", "issued", "order")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}
        self.order: list[str] = []

    def get(self, old: str) -> str:
        new = self.issued.get(old)
        if new is None:
            new = f"{self.prefix}{self.counter}"
            self.counter += 1
            self.issued[old] = new
            self.order.append(old)
        return new

    def copy(self) -> "_Issuer":
        other = _Issuer(self.prefix)
        other.counter = self.counter
        other.issued = dict(self.issued)
        other.order = list(self.order)
        return other


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _permutations(elements: list[str]):
    """All permutations in the Steinhaus-Johnson-Trotter order pyld uses."""
    elements = sorted(elements)
    left = {e: True for e in elements}
    length = len(elements)
    last = length - 1
    while True:
        yield list(elements)
        k, pos = None, 0
        for i in range(length):
            e = elements[i]
            is_left = left[e]
            if (k is None or e > k) and ((is_left and i > 0 and e > elements[i - 1])
                                          or (not is_left and i < last and e > elements[i + 1])):
                k, pos = e, i
        if k is None:
            return
        swap = pos - 1 if left[k] else pos + 1
        elements[pos], elements[swap] = elements[swap], k
        for e in elements:
            if e > k:
                left[e] = not left[e]


class _Canonicaliser:
    def __init__(self, quads) -> None:
        self.quads = list(quads)
        self.info: dict[str, list] = {}
        for quad in self.quads:
            s, _p, o = quad
            if s[0] == "_":
                self.info.setdefault(s, []).append(quad)
            if o[0] == "_":
                self.info.setdefault(o, []).append(quad)
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")

    def hash_first_degree(self, node: str) -> str:
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for s, p, o in self.info[node]:
            if s[0] == "_":
                s = "_:a" if s == node else "_:z"
            if o[0] == "_":
                o = "_:a" if o == node else "_:z"
            lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        result = self.first_degree[node] = _sha256("".join(lines))
        return result

    def hash_related(self, related: str, predicate: str | None, issuer: _Issuer, position: str) -> str:
        if related in self.canonical.issued:
            ident = self.canonical.issued[related]
        elif related in issuer.issued:
            ident = issuer.issued[related]
        else:
            ident = self.hash_first_degree(related)
        return _sha256(position + (predicate or "") + ident)

    def hash_n_degree(self, node: str, issuer: _Issuer):
        hash_to_related: dict[str, list[str]] = {}
        for s, p, o in self.info[node]:
            for term, position in ((s, "s"), (o, "o")):
                if term[0] == "_" and term != node:
                    h = self.hash_related(term, p, issuer, position)
                    hash_to_related.setdefault(h, []).append(term)
        md = hashlib.sha256()
        for related_hash, blank_nodes in sorted(hash_to_related.items()):
            md.update(related_hash.encode("utf-8"))
            chosen_path = ""
            chosen_issuer = None
            for permutation in _permutations(blank_nodes):
                issuer_copy = issuer.copy()
                path = ""
                recursion = []
                skip = False
                for related in permutation:
                    if related in self.canonical.issued:
                        path += self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.get(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.get(related)
                    path += "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            md.update(chosen_path.encode("utf-8"))
            issuer = chosen_issuer
        return md.hexdigest(), issuer

    def run(self) -> str:
        non_normalized = set(self.info)
        hash_to_nodes: dict[str, list[str]] = {}
        simple = True
        while simple:
            simple = False
            hash_to_nodes = {}
            for node in non_normalized:
                hash_to_nodes.setdefault(self.hash_first_degree(node), []).append(node)
            for h, nodes in sorted(hash_to_nodes.items()):
                if len(nodes) > 1:
                    continue
                self.canonical.get(nodes[0])
                non_normalized.discard(nodes[0])
                del hash_to_nodes[h]
                simple = True
        for _h, nodes in sorted(hash_to_nodes.items()):
            paths = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                issuer = _Issuer("_:b")
                issuer.get(node)
                paths.append(self.hash_n_degree(node, issuer))
            for _result_hash, result_issuer in sorted(paths, key=lambda r: r[0]):
                for existing in result_issuer.order:
                    self.canonical.get(existing)
        issued = self.canonical.issued
        lines = []
        for s, p, o in self.quads:
            if s[0] == "_":
                s = issued[s]
            if o[0] == "_":
                o = issued[o]
            lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        return "".join(lines)


def urdna2015(quads) -> str:
    """Canonicalise default-graph quads of serialised terms to sorted N-Quads (URDNA2015)."""
    return _Canonicaliser(quads).run()
