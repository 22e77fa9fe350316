"""Helpers shared by every CLI command: build the app once, fail with one clear line."""

from __future__ import annotations

import functools
import os

import click
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from cowin_kit.app import create_app
from cowin_kit.config import ConfigError
from cowin_kit.profiles import ProfileError, get_profile


class AppContextError(click.ClickException):
    """The app cannot be built or the database cannot be reached; says what to fix."""


def make_app(**overrides):
    """Create the app, turning configuration problems into AppContextError."""
    try:
        app = create_app(overrides or None)
        with app.app_context():
            get_profile()
    except (ConfigError, ProfileError) as exc:
        raise AppContextError(str(exc)) from exc
    except (ArgumentError, NoSuchModuleError) as exc:
        raise AppContextError(
            f"COWIN_KIT_DATABASE_URL is not a usable database URL ({exc}); expected e.g. "
            "postgresql+psycopg://user@host:5432/dbname or sqlite:///path/to/file.sqlite3"
        ) from exc
    return app


def database_error(exc: Exception) -> AppContextError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    url = os.environ.get("COWIN_KIT_DATABASE_URL", "(default SQLite)")
    safe = url.split("@")[-1] if "@" in url else url
    return AppContextError(f"cannot reach the database at {safe}: {reason}. "
                           "Check COWIN_KIT_DATABASE_URL and that the server is running.")


def pass_app(fn):
    """Run the command inside an app context; the app is passed as the first argument."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        app = make_app()
        with app.app_context():
            try:
                return fn(app, *args, **kwargs)
            except OperationalError as exc:
                raise database_error(exc) from exc
            except (ArgumentError, NoSuchModuleError) as exc:
                raise AppContextError(f"COWIN_KIT_DATABASE_URL is not usable: {exc}") from exc

    return wrapper
