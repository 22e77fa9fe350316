"""Configuration: built-in defaults < optional config file < COWIN_KIT_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from cowin_kit.core.keys import check_rotation, parse_fallbacks

#: Repository root when running from a checkout or an editable install.
SOURCE_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, object] = {
    # Database: empty means SQLite inside the instance folder (demo and quick tests only).
    "DATABASE_URL": "",
    # A streaming replica of it (docs/scale.md): public availability and dashboard reads go
    # there; empty reads everything from DATABASE_URL.
    "DATABASE_REPLICA_URL": "",
    # "pgbouncer" when DATABASE_URL (and the replica URL) lead through PgBouncer in transaction
    # mode: no server-side prepared statements then.
    "DATABASE_POOLER": "",
    # Country profile: a code under PROFILES_DIR (e.g. "in", "vn") or a path to a profile folder.
    "PROFILE": "in",
    "PROFILES_DIR": str(SOURCE_ROOT / "country_profiles"),
    "LOCALES_DIR": str(SOURCE_ROOT / "locales"),
    # Keys (docs/deploy.md, "Secrets"): the secret key signs sessions, tokens and OTP hashes;
    # its fallbacks (the keys it replaced, newest first) are still accepted after a rotation;
    # the identity hash key keys stored hashes (identity numbers) and never rotates (empty: the
    # secret key, which then must not rotate either).
    "SECRET_KEY": "",
    "SECRET_KEY_FALLBACKS": [],
    "IDENTITY_HASH_KEY": "",
    # Optional Redis: shared rate limits and caches across gunicorn workers and pods.
    "REDIS_URL": "",
    "SMS_BACKEND": "outbox",  # outbox | log | http
    "SMS_HTTP_URL": "",
    "SMS_HTTP_TOKEN": "",
    # Background threads per process that deliver queued notifications (remote backends).
    "SMS_DELIVERY_THREADS": 4,
    # Days a finished text (sent, held, failed) is kept before `cowin-kit sms purge` deletes it.
    "SMS_RETENTION_DAYS": 30,
    # Due-dose reminders (`cowin-kit reminders send`, docs/configuration.md): the days ahead of
    # a dose's first day a reminder goes, the days back a run still catches up, the country's
    # local quiet hours (HH:MM-HH:MM, empty: none), texts per mobile per day, people per page.
    "REMINDER_DAYS_AHEAD": 3,
    "REMINDER_CATCH_UP_DAYS": 7,
    "REMINDER_QUIET_HOURS": "21:00-08:00",
    "REMINDER_DAILY_CAP": 2,
    "REMINDER_BATCH": 2000,
    # Overdue routine doses: texts about one dose in all, and the days between them.
    "REMINDER_ROUTINE_OVERDUE_TIMES": 2,
    "REMINDER_ROUTINE_OVERDUE_EVERY": 28,
    # Outages (docs/security.md): the Retry-After of a 503, and how long a process leaves an
    # unreachable Redis alone before trying it again.
    "UNAVAILABLE_RETRY_SECONDS": 30,
    "REDIS_RETRY_SECONDS": 5,
    "KEYS_DIR": "",  # default: <instance>/keys
    # Certificate signing keys (docs/certificates.md, "Where keys live"): where new private keys
    # are made (files | pkcs11), the passphrase encrypting key files (or a file holding it), and
    # the PKCS#11 library, token label and user PIN of an HSM or cloud KMS.
    "KEYS_BACKEND": "files",
    "KEYS_PASSPHRASE": "",
    "KEYS_PASSPHRASE_FILE": "",
    "PKCS11_MODULE": "",
    "PKCS11_TOKEN": "",
    "PKCS11_PIN": "",
    "PKCS11_PIN_FILE": "",
    # The signer holding the private keys (https://host:port); empty signs in this process.
    # Mutual TLS: this process's client certificate and key, and the CA of the signer's.
    "SIGNER_URL": "",
    "SIGNER_CLIENT_CERT": "",
    "SIGNER_CLIENT_KEY": "",
    "SIGNER_CA": "",
    "SIGNER_TIMEOUT": 5,
    # The name in the signer's certificate when SIGNER_URL reaches it by another (an address).
    "SIGNER_SERVER_NAME": "",
    # Key lifecycle (docs/certificates.md, "Key ceremony"): a rotated key is published this
    # many hours before it signs; /readyz warns this many days before the DSC expires.
    "KEY_ACTIVATION_DELAY_HOURS": 48,
    "DSC_EXPIRY_WARNING_DAYS": 30,
    # /metrics (Prometheus, docs/configuration.md "Metrics"): callers presenting this bearer
    # token, or connecting straight (through no proxy) from one of these networks.
    "METRICS_TOKEN": "",
    "METRICS_NETWORKS": "127.0.0.0/8, ::1/128",
    # The kit's log lines (cowin_kit.core.logs): level, and json (one object per line) or text.
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # Public availability responses may be at most this many seconds stale.
    "PUBLIC_CACHE_SECONDS": 5,
    "RESPONSE_CACHE_MB": 64,  # per process, ready public answers (JSON + gzip), oldest go first
    # Proxies in front of the kit that append to X-Forwarded-For (nginx, ingress: 1). Their
    # headers name the client for rate limits and the audit log; 0 ignores every such header.
    "TRUSTED_PROXIES": 0,
    "RATE_LIMIT_PUBLIC": "100 per 5 minutes",
    # /api/v2's status for "slow down" (rate limit, OTP asked again too soon): 429, or 403 as
    # CoWIN answered, for clients that only know CoWIN's block (docs/cowin-api.md).
    "V2_BLOCK_STATUS": 429,
    # Citizens registering beneficiaries: every attempt, and the refusals "document already
    # registered" (an oracle of who is registered), per account and per client address.
    "RATE_LIMIT_REGISTRATION_ATTEMPTS_PER_ACCOUNT": "30 per day",
    "RATE_LIMIT_REGISTRATION_ATTEMPTS_PER_IP": "300 per hour",
    "RATE_LIMIT_REGISTRATION_DUPLICATES_PER_ACCOUNT": "5 per day",
    "RATE_LIMIT_REGISTRATION_DUPLICATES_PER_IP": "30 per day",
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
    # Migrations on PostgreSQL (docs/deploy.md, "Upgrades"): seconds a migration waits for a
    # table lock before giving up (and trying again, at most MIGRATION_LOCK_RETRIES more times,
    # the pause from MIGRATION_RETRY_DELAY seconds doubling each time); the longest statement;
    # how long a second migration run waits for the first (0: exit at once).
    "MIGRATION_LOCK_TIMEOUT": 5,
    "MIGRATION_LOCK_RETRIES": 8,
    "MIGRATION_RETRY_DELAY": 2,
    "MIGRATION_STATEMENT_TIMEOUT": 900,
    "MIGRATION_WAIT_SECONDS": 900,
    # Demo mode (set by `cowin-kit demo`): shows demo hints such as the OTP from the outbox.
    "DEMO": False,
    # "production" refuses unsafe settings at start (docs/security.md, "Production mode").
    "ENV": "development",
}

#: COWIN_KIT_ENV values. Anything else is refused, so that a typo never skips the checks.
ENVIRONMENTS = ("development", "production")
#: Shortest COWIN_KIT_SECRET_KEY production accepts, in bytes (HMAC-SHA256 strength).
MIN_SECRET_KEY_BYTES = 32


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
    # hide_parameters: a database error names the statement, never its values (mobile numbers,
    # names): errors are logged, and logs carry no personal data (docs/operations.md, "Logs").
    engine_options: dict[str, object] = {"pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("postgresql"):
        engine_options["connect_args"] = {"connect_timeout": 5}
        engine_options["pool_size"] = int(app.config.get("DB_POOL_SIZE", 10))
        engine_options["max_overflow"] = int(app.config.get("DB_MAX_OVERFLOW", 20))
    if app.config.get("DATABASE_POOLER") not in ("", None, "pgbouncer"):
        raise ConfigError(f"COWIN_KIT_DATABASE_POOLER is {app.config['DATABASE_POOLER']!r}: "
                          "set it to pgbouncer, or leave it empty")
    if url.startswith("postgresql") and app.config.get("DATABASE_POOLER") == "pgbouncer":
        # A transaction-mode pooler hands each transaction to any server connection: a
        # statement prepared on one is unknown on the next (psycopg prepares after 5 uses).
        engine_options["connect_args"]["prepare_threshold"] = None
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    replica = str(app.config.get("DATABASE_REPLICA_URL") or "")
    if replica:
        if not (replica.startswith("postgresql") and url.startswith("postgresql")):
            raise ConfigError("COWIN_KIT_DATABASE_REPLICA_URL needs PostgreSQL for both "
                              "COWIN_KIT_DATABASE_URL and the replica")
        app.config.setdefault("SQLALCHEMY_BINDS", {"replica": {"url": replica,
                                                               **engine_options}})
    if not app.config.get("KEYS_DIR"):
        app.config["KEYS_DIR"] = str(instance / "keys")
    if app.config["ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"COWIN_KIT_ENV is {app.config['ENV']!r}: set it to "
                          + " or ".join(ENVIRONMENTS))
    production = app.config["ENV"] == "production"
    # Production never invents a key: each pod would get its own (sessions and identity hashes
    # that differ between pods), so production_problems() asks for COWIN_KIT_SECRET_KEY instead.
    if not app.config.get("SECRET_KEY") and not production:
        app.config["SECRET_KEY"] = _instance_secret(instance)

    try:
        app.config["SECRET_KEY_FALLBACKS"] = parse_fallbacks(app.config.get("SECRET_KEY_FALLBACKS"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    problems = check_rotation(app.config)
    if problems:
        raise ConfigError("\n".join(problems))
    # The session cookie (citizens and staff) travels only over HTTPS when the site is HTTPS.
    if _is_https(app.config.get("PUBLIC_URL")):
        app.config["SESSION_COOKIE_SECURE"] = True
    if production:
        problems = production_problems(app.config)
        if problems:
            raise ConfigError("COWIN_KIT_ENV=production refuses to start:\n"
                              + "\n".join(f"- {problem}" for problem in problems))


def _is_https(url: object) -> bool:
    parts = urlsplit(str(url or ""))
    return parts.scheme == "https" and bool(parts.hostname)


def production_problems(config) -> list[str]:
    """What production mode refuses in the settings alone, each with what to do instead.

    The database role is checked separately, once it can be reached
    (:func:`cowin_kit.production.preflight`).
    """
    problems = []
    key = str(config.get("SECRET_KEY") or "")
    if not key:
        problems.append("COWIN_KIT_SECRET_KEY is not set: set it to at least "
                        f"{MIN_SECRET_KEY_BYTES} random bytes (e.g. `openssl rand -base64 48`), "
                        "the same on every pod, and keep it")
    elif len(key.encode()) < MIN_SECRET_KEY_BYTES:
        problems.append(f"COWIN_KIT_SECRET_KEY is {len(key.encode())} bytes long: use at least "
                        f"{MIN_SECRET_KEY_BYTES} random bytes (e.g. `openssl rand -base64 48`)")
    for name in ("SECRET_KEY_FALLBACKS", "IDENTITY_HASH_KEY"):
        values = config.get(name) or ()
        for value in [values] if isinstance(values, str) else values:
            if len(str(value).encode()) < MIN_SECRET_KEY_BYTES:
                problems.append(f"COWIN_KIT_{name} holds a key of {len(str(value).encode())} "
                                f"bytes: use at least {MIN_SECRET_KEY_BYTES}")
    if config.get("DEMO"):
        problems.append("COWIN_KIT_DEMO is on (it shows one-time passwords on screen): unset "
                        "COWIN_KIT_DEMO; `cowin-kit demo` is never for production")
    if not _is_https(config.get("PUBLIC_URL")):
        problems.append(f"COWIN_KIT_PUBLIC_URL is {config.get('PUBLIC_URL')!r}: set the https:// "
                        "address citizens use (TLS ends at the proxy or ingress in front)")
    if not str(config.get("DATABASE_URL") or "").startswith("postgresql"):
        problems.append("COWIN_KIT_DATABASE_URL is not PostgreSQL: SQLite is for the demo and "
                        "tests (one machine, no roles to protect the audit log); set a "
                        "postgresql+psycopg:// URL for the app role (docs/security.md)")
    return problems


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
