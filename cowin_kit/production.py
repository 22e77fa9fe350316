"""Production mode's start-up check that needs the database (COWIN_KIT_ENV=production).

The settings alone are checked in ``create_app`` (``config.production_problems``). The role the
app connects as is checked here, once per server before it forks its workers: gunicorn's
``on_starting`` hook (deploy/gunicorn.conf.py) runs it in the master, and ``cowin_kit.wsgi``
runs it for any other WSGI server. Forked workers inherit the result and do not ask again.
"""

from __future__ import annotations

from flask import Flask

from cowin_kit.config import ConfigError

#: Set once this process (or the parent it was forked from) has passed the check.
_checked = False


def check_database_role(app: Flask) -> None:
    """Refuse a database role that could rewrite the audit log (production mode only)."""
    global _checked
    if _checked or app.config["ENV"] != "production":
        return
    import sqlalchemy as sa

    from cowin_kit.core.db import db
    from cowin_kit.core.dbroles import audit_log_problems

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                problems = audit_log_problems(connection)
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            problems = [f"cannot reach the database to check its role ({reason}): check "
                        "COWIN_KIT_DATABASE_URL; the server is restarted until it answers"]
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
    from cowin_kit.app import create_app

    check_database_role(create_app())
