"""URDNA2015 (RDF Dataset Canonicalization) over default-graph quads of serialised N-Quads
terms: IRIs as ``<…>``, blank nodes as ``_:…``, literals already escaped. Follows the spec's
algorithm step by step, as pyld does (including its permutation order), so the labels and the
sorted output are the same."""

from __future__ import annotations

import hashlib

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
