"""Demo seed: signing keys for every certificate format (idempotent)."""

from __future__ import annotations

from .stores import ensure_keys


def seed(app, profile, echo) -> None:
    ensure_keys(app, profile, echo)
