"""The offline desk's storage key (issue #22, item 4): what the server adds to each pack so that
the device can encrypt what it keeps (static/desk-store.js).

The device's key is PBKDF2-SHA256(passphrase the vaccinator chooses, ``secret``,
``iterations``) -> AES-GCM-256. The secret is drawn afresh for each download and stored nowhere
on the server; the device uses it only when it has no key yet (a first download, or after a
wipe), and keeps it beside its data (it must unlock offline). So neither the device's storage
without the passphrase nor the passphrase without the device's storage opens the data; the
passphrase's strength is what stands against someone who copies the storage (docs/operations.md,
"Encryption at rest and wiping").
"""

from __future__ import annotations

import base64
import secrets

#: PBKDF2-SHA256 rounds the device spends on the passphrase (OWASP's 2023 figure for
#: PBKDF2-SHA256); sent with the pack, kept by the device with its key.
ITERATIONS = 600_000


def device_key() -> dict:
    """The ``device_key`` section of a pack."""
    return {"algorithm": "PBKDF2-SHA256/AES-GCM-256", "iterations": ITERATIONS,
            "secret": base64.b64encode(secrets.token_bytes(32)).decode()}
