"""The lottery draw: a pure function of published inputs, so that anyone can recompute it.

This file needs nothing but Python's standard library: an observer can copy it alone and run
``python lottery_draw.py draw.json`` (or ``cowin-kit lottery verify draw.json``) on the JSON
an instance publishes at ``/api/kit/v1/lottery/<session_id>/draw.json``.

The rule (docs/fair-access.md):

1. When the round opens, the instance publishes ``commitment = SHA-256(seed)`` (hex); the
   32-byte ``seed`` itself is revealed only at the draw, so it cannot be chosen after the
   requests are known, and the commitment proves it was not changed.
2. Every request is published as an ``entry``: an opaque ``ticket`` (64 hex digits, told to the
   requester on their receipt; it does not identify them), its priority ``tier`` (0 first: the
   earliest dated phase of the profile that admits the person) and its ``dose_kind``. Entries
   are listed sorted by ticket: the order in which requests arrived plays no part.
3. The draw order sorts entries by ``(tier, SHA-256(seed || pool || ticket))`` (bytes,
   hex-compared), where ``pool = SHA-256`` of every ticket in ticket order (the bytes of each,
   concatenated). Because ``pool`` is fixed only when the window closes, a person's rank cannot
   be computed while requests are still coming in, not even by someone who can read the seed
   and the ticket key in the instance's database: they would have to know every other request.
   What remains is trust that the operator adds no invented requests at the close; every entry
   stands for a registered person, which the ministry's audit can check.
4. For each dose kind, the first ``capacity[kind]`` entries of that kind in the draw order,
   skipping those listed in ``skipped`` (the person already held a slot for that dose
   elsewhere when offers were made), get the first offers. When an offer lapses, the next
   entry of the same kind in the draw order gets it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from typing import Iterable, Mapping

FORMAT = "cowin-kit-lottery/2"


def commitment(seed_hex: str) -> str:
    """The published commitment to a seed: SHA-256 of the seed's bytes, hex."""
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def ticket(ticket_key_hex: str, beneficiary_id: int) -> str:
    """A person's ticket in a round: HMAC-SHA256 under the round's secret ticket key (the same
    person always gets the same ticket; without the key, no one can tell whose it is)."""
    return hmac.new(bytes.fromhex(ticket_key_hex), str(int(beneficiary_id)).encode(),
                    hashlib.sha256).hexdigest()


def pool_digest(tickets: Iterable[str]) -> bytes:
    """SHA-256 of every ticket of the round, in ticket order (rule 3's ``pool``)."""
    return hashlib.sha256(b"".join(bytes.fromhex(t) for t in sorted(tickets))).digest()


def draw_key(seed_hex: str, pool: bytes, tier: int, ticket_hex: str) -> tuple[int, str]:
    return int(tier), hashlib.sha256(
        bytes.fromhex(seed_hex) + pool + bytes.fromhex(ticket_hex)).hexdigest()


def draw_order(seed_hex: str, entries: Iterable[Mapping]) -> list[str]:
    """The tickets in draw order (rule 3)."""
    entries = list(entries)
    pool = pool_digest(e["ticket"] for e in entries)
    ranked = sorted(entries, key=lambda e: draw_key(seed_hex, pool, e["tier"], e["ticket"]))
    return [e["ticket"] for e in ranked]


def first_offers(order: list[str], kinds: Mapping[str, str], capacity: Mapping[str, int],
                 skipped: Iterable[str] = ()) -> list[str]:
    """The tickets that get the first offers (rule 4), in draw order."""
    left = {kind: int(n) for kind, n in capacity.items()}
    skip = set(skipped)
    chosen = []
    for item in order:
        kind = kinds[item]
        if item in skip or left.get(kind, 0) <= 0:
            continue
        left[kind] -= 1
        chosen.append(item)
    return chosen


def verify(published: Mapping) -> list[str]:
    """Recompute a published draw; return the disagreements (an empty list: it checks out)."""
    problems = []
    if not isinstance(published, Mapping):
        return ["not a published draw: the file must hold one JSON object"]
    if published.get("format") != FORMAT:
        problems.append(f"unknown format {published.get('format')!r} (expected {FORMAT})")
        return problems
    seed = published.get("seed")
    if not seed:
        return ["the seed is not revealed yet: the draw has not taken place"]
    if commitment(seed) != published["commitment"]:
        problems.append("SHA-256(seed) differs from the commitment published when the round "
                        "opened")
    entries = published["entries"]
    tickets = [e["ticket"] for e in entries]
    if tickets != sorted(tickets) or len(set(tickets)) != len(tickets):
        problems.append("entries are not listed once each in ticket order")
    order = draw_order(seed, entries)
    if order != published["order"]:
        problems.append("the published order is not the order the rule gives")
    kinds = {e["ticket"]: e["dose_kind"] for e in entries}
    if not set(published.get("skipped", ())) <= set(kinds):
        problems.append("the skipped list names tickets that are not entries")
    offers = first_offers(order, kinds, published["capacity"], published.get("skipped", ()))
    if offers != published["first_offers"]:
        problems.append("the first offers are not the first tickets of each dose kind in the "
                        "draw order")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python lottery_draw.py DRAW.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        problems = verify(json.load(fh))
    for problem in problems:
        print(f"MISMATCH: {problem}")
    if not problems:
        print("OK: the draw follows from the published seed and entries")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover - run by observers
    sys.exit(main())
