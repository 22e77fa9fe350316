"""Configuration: built-in defaults < optional config file < COWIN_KIT_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

#: Repository root when running from a checkout or an editable install.
SOURCE_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, object] = {
    # Database: empty means SQLite inside the instance folder (demo and quick tests only).
    "DATABASE_URL": "",
    # Country profile: a code under PROFILES_DIR (e.g. "in", "vn") or a path to a profile folder.
    "PROFILE": "in",
    "PROFILES_DIR": str(SOURCE_ROOT / "country_profiles"),
    "LOCALES_DIR": str(SOURCE_ROOT / "locales"),
    "SECRET_KEY": "",
    # Optional Redis: shared rate limits and caches across gunicorn workers and pods.
    "REDIS_URL": "",
    "SMS_BACKEND": "outbox",  # outbox | log | http
    "SMS_HTTP_URL": "",
    "SMS_HTTP_TOKEN": "",
    # Background threads per process that deliver queued notifications (remote backends).
    "SMS_DELIVERY_THREADS": 4,
    "KEYS_DIR": "",  # default: <instance>/keys
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # Public availability responses may be at most this many seconds stale.
    "PUBLIC_CACHE_SECONDS": 5,
    "RATE_LIMIT_PUBLIC": "100 per 5 minutes",
    "CAPTCHA_ENABLED": False,
    "OTP_VALID_SECONDS": 180,
    "OTP_MAX_TRIES": 3,
    "OTP_RESEND_SECONDS": 30,
    "OTP_DAILY_CAP": 50,
    "JWT_TTL_SECONDS": 900,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    # Demo mode (set by `cowin-kit demo`): shows demo hints such as the OTP from the outbox.
    "DEMO": False,
}


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to fix."""


def load_config(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, then COWIN_KIT_CONFIG file, then COWIN_KIT_* variables."""
    app.config.update(DEFAULTS)
    config_file = os.environ.get("COWIN_KIT_CONFIG")
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"COWIN_KIT_CONFIG points to {config_file}, which is not a file")
        if path.suffix in (".yaml", ".yml"):
            import yaml

            app.config.from_file(str(path.resolve()), load=yaml.safe_load)
        elif path.suffix == ".json":
            import json

            app.config.from_file(str(path.resolve()), load=json.load)
        else:
            app.config.from_pyfile(str(path.resolve()))
    app.config.from_prefixed_env("COWIN_KIT")
    if overrides:
        app.config.update(overrides)
    _derive(app)


def _derive(app: Flask) -> None:
    """Work out the settings that depend on others (database URL, secret key, keys folder)."""
    instance = Path(app.instance_path)
    url = str(app.config.get("DATABASE_URL") or "")
    if not url:
        instance.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{instance / 'cowin-kit.sqlite3'}"
    app.config["DATABASE_URL"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    engine_options: dict[str, object] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_options["connect_args"] = {"connect_timeout": 5}
        engine_options["pool_size"] = int(app.config.get("DB_POOL_SIZE", 10))
        engine_options["max_overflow"] = int(app.config.get("DB_MAX_OVERFLOW", 20))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    if not app.config.get("KEYS_DIR"):
        app.config["KEYS_DIR"] = str(instance / "keys")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """Read or create the instance's secret key file (mode 0600) for single-machine setups."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"no COWIN_KIT_SECRET_KEY set and cannot write {path} ({exc.strerror}); "
            "set COWIN_KIT_SECRET_KEY"
        ) from exc
