"""``cowin-kit init``: create the instance's signing keys when missing (never in production)."""

from __future__ import annotations

from .keys import KINDS
from .stores import ensure_keys, keystore


def init_instance(app, profile, echo, options) -> None:
    if app.config.get("ENV") == "production":
        # A production pod's folders vanish with it and no other pod would see keys made here:
        # they come from the chart's signing-keys Job or the ministry's own Secret.
        missing = [kind for kind in KINDS if not keystore(app).active_kid(kind)]
        if missing:
            echo(f"signing keys missing ({', '.join(missing)}): not made here; they come from the "
                 "chart's signing-keys Job or signingKeys.existingSecret (docs/certificates.md, "
                 "\"Key ceremony\")")
        return
    ensure_keys(app, profile, echo)
