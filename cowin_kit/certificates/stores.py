"""The app's key store: the signer's client (``signer.RemoteKeyStore``) when ``SIGNER_URL`` is
set, else the local :class:`keys.KeyStore` on ``KEYS_DIR``. Above both ``keys`` and ``signer``,
which knows the local store (the signer service signs with one); docs/certificates.md, "Where
keys live: backends and the signer".
"""

from __future__ import annotations

from flask import current_app

from .backends import BackendSettings
from .keys import KINDS, KeyInfo, KeyStore, issuer_settings
from .signer import RemoteKeyStore


def keystore(app=None):
    """The app's key store (one per app, created on first use): the signer's client when
    ``SIGNER_URL`` is set, else the keys in ``KEYS_DIR`` signed in this process."""
    app = app or current_app._get_current_object()
    config = app.config
    wanted = (str(config.get("SIGNER_URL") or ""), str(config["KEYS_DIR"]))
    found = app.extensions.get("cowin_keystore")
    if found is None or found[0] != wanted:
        if wanted[0]:
            store = RemoteKeyStore.from_config(config)
        else:
            store = KeyStore(config["KEYS_DIR"], BackendSettings.from_config(config))
        found = app.extensions["cowin_keystore"] = (wanted, store)
    return found[1]


def ensure_keys(app, profile, echo=None) -> list[KeyInfo]:
    """Generate any missing key (idempotent): used by the demo seed and ``cowin-kit init``."""
    store = keystore(app)
    if store.remote:
        if echo:
            echo("signing keys are the signer's: run `cowin-kit keys generate` where it runs")
        return []
    name, country = issuer_settings(profile)
    made = []
    for kind in KINDS:
        if not store.active_kid(kind):
            info = store.generate(kind, issuer_name=name, country=country, public_url=app.config["PUBLIC_URL"])
            made.append(info)
            if echo:
                echo(f"generated {kind} signing key {info.kid}")
    return made
