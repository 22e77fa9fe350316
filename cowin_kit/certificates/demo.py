"""Demo seed: signing keys for every certificate format (idempotent)."""

from __future__ import annotations


def seed(app, profile, echo) -> None:
    from .keys import ensure_keys

    ensure_keys(app, profile, echo)
