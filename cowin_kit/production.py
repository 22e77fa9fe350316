"""Production mode's start-up checks of the web server (COWIN_KIT_ENV=production).

The settings alone are checked in ``create_app`` (``config.production_problems``). What only the
web server must not do is checked here, once per server before it forks its workers: gunicorn's
``on_starting`` hook (deploy/gunicorn.conf.py) runs it in the master, and ``cowin_kit.wsgi``
runs it for any other WSGI server. Forked workers inherit the result and do not ask again:

- the database role the app connects as must not be able to rewrite the audit log;
- an internet-facing web process must not hold private signing keys in the clear: without a
  signer (``SIGNER_URL``) its key files must be encrypted (``KEYS_PASSPHRASE``) or in an HSM
  (``KEYS_BACKEND=pkcs11``). Command-line tools are not refused, so that ``cowin-kit keys
  encrypt`` can fix a folder in place.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from cowin_kit.app import create_app
from cowin_kit.certificates.backends.files import is_encrypted
from cowin_kit.certificates.keys import KEY_SUFFIX, KINDS
from cowin_kit.config import ConfigError
from cowin_kit.core.db import db
from cowin_kit.core.dbroles import audit_log_problems

#: Set once this process (or the parent it was forked from) has passed the check.
_checked = False


def signing_key_problems(config) -> list[str]:
    """Private signing keys this process would hold unencrypted, with what to do instead."""
    if config.get("SIGNER_URL"):
        return []  # the signer holds the private keys; this process asks it for signatures

    root = Path(str(config["KEYS_DIR"]))
    plain = sorted(f"{kind}/{path.name}" for kind in KINDS
                   for path in (root / kind).glob(f"*{KEY_SUFFIX}")
                   if not path.name.startswith(".") and not is_encrypted(path.read_bytes()))
    if not plain:
        return []
    return [f"{len(plain)} private signing key file(s) in COWIN_KIT_KEYS_DIR ({root}) are stored "
            f"unencrypted ({', '.join(plain)}) in this internet-facing web process: set "
            "COWIN_KIT_SIGNER_URL so that a signer holds the keys (docs/deploy.md, \"The "
            "signer\"), or set COWIN_KIT_KEYS_PASSPHRASE (or COWIN_KIT_KEYS_PASSPHRASE_FILE) and "
            "run `cowin-kit keys encrypt`, or keep them in an HSM (COWIN_KIT_KEYS_BACKEND=pkcs11)"]


def check_database_role(app: Flask) -> None:
    """Refuse a database role that could rewrite the audit log, or private signing keys kept
    in the clear without a signer (production mode only)."""
    global _checked
    if _checked or app.config["ENV"] != "production":
        return
    import sqlalchemy as sa

    problems = signing_key_problems(app.config)
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                problems += audit_log_problems(connection)
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            problems.append(f"cannot reach the database to check its role ({reason}): check "
                            "COWIN_KIT_DATABASE_URL; the server is restarted until it answers")
        finally:
            db.engine.dispose()  # no connection crosses the fork into the workers
    if problems:
        raise ConfigError("COWIN_KIT_ENV=production refuses to start:\n"
                          + "\n".join(f"- {problem}" for problem in problems))
    _checked = True


def preflight() -> None:
    """Build the app as a worker will (settings checked) and check the database role.

    Raises ConfigError (a RuntimeError: gunicorn prints it and exits with status 1).
    """
    check_database_role(create_app())
