"""Liveness and readiness probes for load balancers and Kubernetes.

``/readyz`` is public: it says which dependency fails, never how (no URL, host or driver
message); the detail goes to the server log. It answers 503 only for what this pod cannot serve
without: the database and its schema. Redis and the signing keys are shared by every pod, so
taking all of them out of the Service would turn a partial outage into a full one: a failing one
makes the status ``degraded`` (200), and the paths that need it answer for themselves
(docs/security.md, "Outages").
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cowin_kit import __version__
from cowin_kit.certificates.keys import KINDS
from cowin_kit.certificates.stores import keystore
from cowin_kit.certificates.lifecycle import check_dsc, days_left
from cowin_kit.core.cache import get_cache
from cowin_kit.core.db import db
from cowin_kit.core.migrate import current_revisions, head_revisions, schema_usable
from cowin_kit.core.outage import describe_outage

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

OK, FAILING, UNKNOWN, NOT_CONFIGURED = "ok", "failing", "unknown", "not configured"
EXPIRING = "expiring"  # the document signer certificate ends within DSC_EXPIRY_WARNING_DAYS


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. Never touches the database."""
    return jsonify(status="ok", version=__version__)


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers and its schema is at this code's head (or a newer one);
    every dependency is listed in ``checks`` as ok, failing, unknown or not configured."""
    checks, reason = _database()
    checks["redis"] = _redis()
    checks["signing_keys"], days_left = _signing_keys()
    extra = {} if days_left is None else {"signing_keys_days_left": days_left}
    if reason:
        return jsonify(status="unavailable", reason=reason, checks=checks, **extra), 503
    degraded = any(value == FAILING for value in checks.values())
    return jsonify(status="degraded" if degraded else "ready", checks=checks, version=__version__, **extra)


def _database() -> tuple[dict[str, str], str | None]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not schema_usable(connection):
                current = sorted(current_revisions(connection)) or ["none"]
                return {"database": OK, "migrations": FAILING}, (
                    f"database schema is at {', '.join(current)}, expected "
                    f"{', '.join(sorted(head_revisions()))}; run 'cowin-kit db upgrade'")
    except SQLAlchemyError as exc:
        what = describe_outage(exc)
        log.error("readiness: database unreachable (%s)", what[1] if what else type(exc).__name__)
        return {"database": FAILING, "migrations": UNKNOWN}, "database unreachable"
    return {"database": OK, "migrations": OK}, None


def _redis() -> str:
    if not current_app.config.get("REDIS_URL"):
        return NOT_CONFIGURED

    if get_cache().backend.ping():
        return OK
    log.error("readiness: Redis does not answer; caches and rate limits run per process")
    return FAILING


def _signing_keys() -> tuple[str, int | None]:
    """Every certificate format has an active key this pod can read, and the document signer
    certificate is valid: ``expiring`` (with the days left) within DSC_EXPIRY_WARNING_DAYS of
    its end, ``failing`` once it has ended (issuance refuses it)."""
    store = keystore()
    try:
        for kind in KINDS:
            store.active(kind)
        dsc = store.active("hcert").certificate
        check_dsc(dsc)
    except Exception as exc:  # noqa: BLE001 - missing, unreadable, corrupt or expired: "failing"
        log.error("readiness: signing keys unusable (%s); run 'cowin-kit keys list'",
                  type(exc).__name__)
        return FAILING, None
    if dsc is None:
        return OK, None
    left = days_left(dsc)
    if left < int(current_app.config.get("DSC_EXPIRY_WARNING_DAYS", 30)):
        log.warning("readiness: the document signer certificate ends in %s days; rotate it "
                    "(docs/certificates.md, Key ceremony)", left)
        return EXPIRING, left
    return OK, None
