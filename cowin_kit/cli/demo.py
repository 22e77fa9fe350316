"""``cowin-kit demo`` (one-command demo instance) and ``cowin-kit init`` (a real instance).

Domains take part through hook modules, called in the order of ``cowin_kit.app.DOMAINS``:

- ``cowin_kit/<domain>/demo.py``      ``seed(app, profile, echo) -> None`` (idempotent demo data)
- ``cowin_kit/<domain>/bootstrap.py`` ``init_instance(app, profile, echo, options) -> None``
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import click

from cowin_kit.app import create_app, domain_modules
from cowin_kit.cli.common import AppContextError, database_error, make_app
from cowin_kit.config import DEFAULTS
from cowin_kit.core import migrate
from cowin_kit.core.db import db
from cowin_kit.core.i18n_tools import compile_catalogs
from cowin_kit.profiles import ProfileError, get_profile, resolve_profile_dir


def prepare_instance(profile: str | None, instance_dir: str | None, hook: str,
                     options: dict | None = None):
    """Migrate the database and run every domain's ``hook``; return the app."""
    from sqlalchemy.exc import OperationalError

    if profile:
        os.environ["COWIN_KIT_PROFILE"] = profile
    if instance_dir:
        os.environ["COWIN_KIT_INSTANCE_DIR"] = str(Path(instance_dir).resolve())
    app = make_app()

    compile_catalogs(Path(app.config["LOCALES_DIR"]), echo=lambda _line: None)
    with app.app_context():
        loaded = get_profile()
        click.echo(f"Profile: {loaded.country_name('en')} ({loaded.code})")
        click.echo(f"Instance folder: {app.instance_path}")
        try:
            click.echo("Migrating database schema…")
            migrate.upgrade("head")
            for module in domain_modules(hook):
                started = time.monotonic()
                fn = module.seed if hook == "demo" else module.init_instance
                args = (app, loaded, click.echo) if hook == "demo" else (
                    app, loaded, click.echo, options or {})
                fn(*args)
                domain = module.__name__.split(".")[1]
                click.echo(f"  {domain}: ready ({time.monotonic() - started:.1f}s)")
        except OperationalError as exc:
            raise database_error(exc) from exc

        db.engine.dispose()
    return app


@click.command("demo")
@click.option("--profile", "profile", default=None, metavar="CC",
              help="Country profile code or folder (default: COWIN_KIT_PROFILE or 'in').")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--instance-dir", default=None,
              help="Folder for the SQLite database, keys and secrets (default: "
                   "COWIN_KIT_INSTANCE_DIR, else instance/demo-<profile code>: one per country).")
@click.option("--public-url", default=None, metavar="URL",
              help="Base URL phones and verifiers reach the demo at (default: "
                   "COWIN_KIT_PUBLIC_URL, else http://<host>:<port>).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--no-serve", is_flag=True, help="Prepare the instance and exit.")
def demo_command(profile, host, port, instance_dir, public_url, workers, threads,
                 no_serve) -> None:
    """Create a demo instance (SQLite, demo data, staff logins) and serve it."""
    os.environ["COWIN_KIT_DEMO"] = "true"  # demo hints (e.g. the OTP on the sign-in page)
    profile = profile or os.environ.get("COWIN_KIT_PROFILE") or "in"
    instance_dir = Path(instance_dir or os.environ.get("COWIN_KIT_INSTANCE_DIR")
                        or Path("instance") / f"demo-{_profile_folder(profile).resolve().name}")
    _refuse_other_profile(instance_dir, profile)
    # Certificates (SMART Health Card issuer, verify links) carry this URL: it must be one the
    # server answers at, so it follows --host/--port unless given explicitly.
    if public_url or not os.environ.get("COWIN_KIT_PUBLIC_URL"):
        os.environ["COWIN_KIT_PUBLIC_URL"] = public_url or demo_public_url(host, port)
    click.echo(f"Public URL: {os.environ['COWIN_KIT_PUBLIC_URL']}")
    app = prepare_instance(profile, str(instance_dir), "demo")
    with app.app_context():
        (Path(app.instance_path) / PROFILE_MARKER).write_text(get_profile().code + "\n", "utf-8")
    if no_serve:
        click.echo("Demo instance ready.")
        return
    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    serve(host, port, workers, threads)


@click.command("init")
@click.option("--profile", "profile", default=None, metavar="CC",
              help="Country profile code or folder (default: COWIN_KIT_PROFILE).")
@click.option("--admin-username", default="admin", show_default=True)
@click.option("--admin-password", default=None, help="Password for the first national admin "
              "(asked for when not given; or set COWIN_KIT_ADMIN_PASSWORD).",
              envvar="COWIN_KIT_ADMIN_PASSWORD")
def init_command(profile, admin_username, admin_password) -> None:
    """Prepare a real instance: schema, the profile's areas and the first national admin."""
    if admin_password is None and os.isatty(0):
        admin_password = click.prompt("Password for the first national admin", hide_input=True,
                                      confirmation_prompt=True)
    prepare_instance(profile, None, "bootstrap",
                     {"admin_username": admin_username, "admin_password": admin_password})
    click.echo("Instance initialised.")


#: File in a demo instance folder naming the profile its data belongs to.
PROFILE_MARKER = "demo-profile"


def _profile_folder(profile: str) -> Path:
    """The profile's folder (a code under the profiles folder, or a path)."""
    try:
        return resolve_profile_dir(profile, os.environ.get("COWIN_KIT_PROFILES_DIR")
                                   or str(DEFAULTS["PROFILES_DIR"]))
    except ProfileError as exc:
        raise AppContextError(str(exc)) from exc


def _refuse_other_profile(instance_dir: Path, profile: str) -> None:
    """One demo instance holds one country: refuse a folder seeded with another profile."""
    marker = instance_dir / PROFILE_MARKER
    if not marker.is_file():
        return
    have = marker.read_text("utf-8").strip()
    want = _profile_folder(profile).resolve().name  # a profile's code is its folder's name
    if have.lower() != want.lower():
        raise AppContextError(
            f"the instance folder {instance_dir} holds the demo of profile '{have}', not "
            f"'{want}': one instance holds one country. Use another --instance-dir (the default "
            f"is instance/demo-<code>) or delete {instance_dir} to start again.")


def demo_public_url(host: str, port: int) -> str:
    """The URL a demo served on ``host``:``port`` is reached at (for links and certificates)."""
    if host in ("", "0.0.0.0", "::"):  # every interface: name the machine, not the wildcard
        host = socket.gethostname() or "127.0.0.1"
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the app with gunicorn's threaded workers (the same server as production)."""
    from gunicorn.app.base import BaseApplication

    class DemoServer(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-")
            # Paths only: no query string (personal data) in the log, as in production.
            self.cfg.set("logger_class", "cowin_kit.core.accesslog.PrivateAccessLogger")
            self.cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms')

        def load(self):
            return create_app()

    try:
        DemoServer().run()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise AppContextError(f"the server could not start on {host}:{port} "
                                  "(is the port in use? try --port)") from exc


commands = [demo_command, init_command]
