"""``cowin-kit init``: create the instance's signing keys when missing."""

from __future__ import annotations


def init_instance(app, profile, echo, options) -> None:
    from .keys import ensure_keys

    ensure_keys(app, profile, echo)
