"""A real instance starts with the profile's areas; the ministry adds its full hierarchy with
``cowin-kit areas import``."""

from __future__ import annotations

from .demo import seed


def init_instance(app, profile, echo, options) -> None:
    """Import the profile's areas file (idempotent)."""
    seed(app, profile, echo)
