"""``cowin-kit keys generate | list | rotate | encrypt``, ``cowin-kit signer serve | tls`` and
``cowin-kit certificate verify``."""

from __future__ import annotations

import json

import click

from cowin_kit.cli.common import make_app
from cowin_kit.profiles import get_profile

from .backends import KeyBackendError
from .keys import KINDS, KeyStore, issuer_settings
from .stores import keystore
from .lifecycle import activation_delay
from .signer import gunicorn_options, serve, service_app, write_tls_material
from .verify import app_verifier
from .verify_upload import read_input

KIND_CHOICE = click.Choice(["all", "divoc", "hcert", "shc"])
BACKEND_OPTION = click.option(
    "--backend", "backend_name", type=click.Choice(["files", "pkcs11"]), default=None,
    help="Where the private key is made: files (PKCS#8, encrypted with COWIN_KIT_KEYS_PASSPHRASE) or "
         "pkcs11 (the HSM or KMS token of COWIN_KIT_PKCS11_*). Default: COWIN_KIT_KEYS_BACKEND.")


def _app():
    return make_app()


@click.group("keys")
def keys_group() -> None:
    """Certificate signing keys (KEYS_DIR): divoc (W3C credential), hcert (EU DCC and WHO
    DDCC:VS document signer), shc (SMART Health Cards)."""


def _kinds(kind: str) -> list[str]:
    return list(KINDS) if kind == "all" else [kind]


def refuse_existing(store, kinds) -> None:
    """``keys generate`` makes keys once: refuse (exit 1) when a kind asked for has keys."""
    held = [f"{kind} ({', '.join(info.kid for info in store.keys(kind))})" for kind in kinds if store.keys(kind)]
    if held:
        raise click.ClickException(
            f"{store.root if hasattr(store, 'root') else 'the signer'} already holds signing keys: "
            f"{'; '.join(held)}. Keys are made once and never overwritten. To replace a key run "
            "`cowin-kit keys rotate --kind KIND` (the old key keeps verifying what it signed); "
            "to start over, move the folder away yourself.")


def _key_errors():
    """Key backend problems as a message saying what to set, not a traceback."""
    from contextlib import contextmanager

    @contextmanager
    def guard():
        try:
            yield
        except KeyBackendError as exc:
            raise click.ClickException(str(exc)) from None

    return guard()


def _warn_unencrypted(store, backend_name: str | None, production: bool = False) -> None:
    """Warn before writing unencrypted key files; production mode refuses to (production.py)."""
    if (backend_name or store.settings.generate_in) == "files" and not store.settings.passphrase:
        if production:
            raise click.ClickException(
                "COWIN_KIT_ENV=production: the private keys would be written unencrypted; set "
                "COWIN_KIT_KEYS_PASSPHRASE (or COWIN_KIT_KEYS_PASSPHRASE_FILE), or use --backend pkcs11")
        click.echo("warning: private keys written unencrypted; set COWIN_KIT_KEYS_PASSPHRASE (or "
                   "COWIN_KIT_KEYS_PASSPHRASE_FILE) outside a demo", err=True)


@keys_group.command("generate")
@click.option("--kind", "kind", type=KIND_CHOICE, default="all", show_default=True)
@click.option("--algorithm", type=click.Choice(["ed25519", "rsa"]), default="ed25519", show_default=True,
              help="For the W3C credential key: Ed25519 (EdDSA) or RSA-2048 (PS256).")
@BACKEND_OPTION
def generate(kind: str, algorithm: str, backend_name: str | None) -> None:
    """Create the signing keys, once: refused (exit 1) when KEYS_DIR already holds a key of a
    kind asked for; replace a key with `keys rotate` (the old one keeps verifying)."""
    app = _app()
    with app.app_context():
        store = keystore(app)
        name, country = issuer_settings(get_profile())
        with _key_errors():
            refuse_existing(store, _kinds(kind))  # lifecycle: keys are made once
            if not store.remote:
                _warn_unencrypted(store, backend_name, app.config["ENV"] == "production")
            for k in _kinds(kind):
                info = store.generate(k, algorithm=algorithm, issuer_name=name, country=country,
                                      backend_name=backend_name, public_url=app.config["PUBLIC_URL"])
                click.echo(f"{k}\t{info.kid}\t{info.algorithm}\tgenerated\t{info.backend}")


@keys_group.command("rotate")
@click.option("--kind", "kind", type=KIND_CHOICE, required=True)
@click.option("--algorithm", type=click.Choice(["ed25519", "rsa"]), default="ed25519", show_default=True)
@BACKEND_OPTION
def rotate(kind: str, algorithm: str, backend_name: str | None) -> None:
    """Publish a new key as "next": it signs after COWIN_KIT_KEY_ACTIVATION_DELAY_HOURS (default
    48), once verifiers and every pod have it; old keys stay, verify-only."""
    app = _app()
    with app.app_context():
        store = keystore(app)
        name, country = issuer_settings(get_profile())
        with _key_errors():
            if not store.remote:
                _warn_unencrypted(store, backend_name, app.config["ENV"] == "production")
            for k in _kinds(kind):
                info = store.rotate(k, algorithm=algorithm, issuer_name=name, country=country,
                                    backend_name=backend_name, public_url=app.config["PUBLIC_URL"],
                                    delay=activation_delay(app))
                click.echo(f"{k}\t{info.kid}\t{info.algorithm}\t{info.status} from "
                           f"{info.lifecycle['activates_at']}\t{info.backend}")


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the public keys as JSON.")
def list_keys(as_json: bool) -> None:
    """List every key with its id, algorithm and whether it signs new certificates."""
    app = _app()
    with app.app_context():
        store = keystore(app)
        rows = [info for kind in KINDS for info in store.keys(kind)]
        if as_json:
            click.echo(json.dumps([info.public_dict() for info in rows], indent=2))
            return
        if not rows:
            click.echo("no keys: run `cowin-kit keys generate`")
        for info in rows:
            click.echo(f"{info.kind}\t{info.kid}\t{info.algorithm}\t{info.status}\t{info.backend or 'public only'}")
        trusted = store.trusted_certificates()
        if trusted:
            click.echo(f"trust list: {len(trusted)} document-signer certificate(s)")


@keys_group.command("encrypt")
def encrypt_keys() -> None:
    """Encrypt the private key files of KEYS_DIR with COWIN_KIT_KEYS_PASSPHRASE (in place)."""
    app = _app()
    with app.app_context():
        store = keystore(app)
        if not isinstance(store, KeyStore):
            raise click.ClickException("this process signs through the signer: run this where the signer runs")
        with _key_errors():
            done = store.encrypt_files()
    for name in done:
        click.echo(f"encrypted {name}")
    click.echo(f"{len(done)} key file(s) encrypted; the others already were")


@click.group("signer")
def signer_group() -> None:
    """The signer: the only process holding private signing keys; web pods call it over
    mutual TLS (COWIN_KIT_SIGNER_URL)."""


@signer_group.command("serve")
@click.option("--bind", envvar="COWIN_KIT_SIGNER_BIND", default="127.0.0.1:8443", show_default=True)
@click.option("--cert", envvar="COWIN_KIT_SIGNER_SERVER_CERT", help="The server certificate (PEM).")
@click.option("--key", envvar="COWIN_KIT_SIGNER_SERVER_KEY", help="Its private key (PEM).")
@click.option("--client-ca", envvar="COWIN_KIT_SIGNER_CLIENT_CA",
              help="The CA whose client certificates may connect (PEM); every other client is refused.")
@click.option("--workers", envvar="COWIN_KIT_SIGNER_WORKERS", type=int, default=2, show_default=True)
def serve_command(bind: str, cert: str, key: str, client_ca: str, workers: int) -> None:
    """Serve signatures over HTTPS with required client certificates (keys from
    COWIN_KIT_KEYS_DIR and COWIN_KIT_KEYS_BACKEND; no database needed)."""
    with _key_errors():
        options = gunicorn_options(bind=bind, certfile=cert, keyfile=key, client_ca=client_ca, workers=workers)
        app = service_app()
    serve(app, options)


@signer_group.command("tls")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Folder for ca.crt, server.crt/key and client.crt/key.")
@click.option("--host", "hosts", multiple=True, default=["localhost", "127.0.0.1"], show_default=True,
              help="Names the signer is reached by (repeat).")
@click.option("--days", type=int, default=825, show_default=True)
def tls_command(out: str, hosts: tuple[str, ...], days: int) -> None:
    """Make a private CA for the signer's mutual TLS, with a server and a client certificate."""
    from pathlib import Path

    for path in write_tls_material(Path(out), list(hosts), days):
        click.echo(str(path))


@click.group("certificate")
def certificate_group() -> None:
    """Vaccination certificates."""


@certificate_group.command("verify")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True)
def verify_command(source: str, as_json: bool) -> None:
    """Verify a certificate offline: a QR image, a file, or the QR text itself."""
    app = _app()
    with app.app_context():
        try:
            payload = read_input(source)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        result = app_verifier(app).verify(payload)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{result.status.upper()} ({result.format or 'unknown format'})"
                   + (f": {result.reason}" if result.reason else ""))
        for key, value in {**result.person, **result.vaccination}.items():
            if value not in (None, ""):
                click.echo(f"  {key}: {value}")
    if not result.valid:
        raise SystemExit(1)


from . import lifecycle_cli  # noqa: E402,F401 - keys activate | csr | import-certificate | provision-secret

commands = [keys_group, signer_group, certificate_group]
