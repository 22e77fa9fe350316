"""Liveness and readiness probes for load balancers and Kubernetes."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cowin_kit import __version__
from cowin_kit.core.db import db
from cowin_kit.core.migrate import current_revisions, head_revisions, schema_usable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. Never touches the database."""
    return jsonify(status="ok", version=__version__)


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers and its schema is at this code's head (or a newer one)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not schema_usable(connection):
                current = sorted(current_revisions(connection)) or ["none"]
                return jsonify(
                    status="unavailable",
                    reason=(f"database schema is at {', '.join(current)}, expected "
                            f"{', '.join(sorted(head_revisions()))}; run 'cowin-kit db upgrade'"),
                ), 503
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return jsonify(status="unavailable", reason=f"database unreachable: {reason}"), 503
    return jsonify(status="ready", version=__version__)
