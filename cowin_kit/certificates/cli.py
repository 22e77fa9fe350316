"""``cowin-kit keys generate | list | rotate`` and ``cowin-kit certificate verify``."""

from __future__ import annotations

import json

import click

from cowin_kit.cli.common import make_app

KIND_CHOICE = click.Choice(["all", "divoc", "hcert", "shc"])


def _app():
    return make_app()


@click.group("keys")
def keys_group() -> None:
    """Certificate signing keys (KEYS_DIR): divoc (W3C credential), hcert (EU DCC and WHO
    DDCC:VS document signer), shc (SMART Health Cards)."""


def _kinds(kind: str) -> list[str]:
    from .keys import KINDS

    return list(KINDS) if kind == "all" else [kind]


@keys_group.command("generate")
@click.option("--kind", "kind", type=KIND_CHOICE, default="all", show_default=True)
@click.option("--algorithm", type=click.Choice(["ed25519", "rsa"]), default="ed25519", show_default=True,
              help="For the W3C credential key: Ed25519 (EdDSA) or RSA-2048 (PS256).")
def generate(kind: str, algorithm: str) -> None:
    """Create missing signing keys (existing active keys are kept)."""
    from cowin_kit.profiles import get_profile

    from .keys import issuer_settings, keystore

    app = _app()
    with app.app_context():
        store = keystore(app)
        name, country = issuer_settings(get_profile())
        for k in _kinds(kind):
            existed = store.active_kid(k)
            info = store.generate(k, algorithm=algorithm, issuer_name=name, country=country)
            click.echo(f"{k}\t{info.kid}\t{info.algorithm}\t{'kept' if existed else 'generated'}")


@keys_group.command("rotate")
@click.option("--kind", "kind", type=KIND_CHOICE, required=True)
@click.option("--algorithm", type=click.Choice(["ed25519", "rsa"]), default="ed25519", show_default=True)
def rotate(kind: str, algorithm: str) -> None:
    """Make a new active key; old keys stay available for verification."""
    from cowin_kit.profiles import get_profile

    from .keys import issuer_settings, keystore

    app = _app()
    with app.app_context():
        store = keystore(app)
        name, country = issuer_settings(get_profile())
        for k in _kinds(kind):
            info = store.rotate(k, algorithm=algorithm, issuer_name=name, country=country)
            click.echo(f"{k}\t{info.kid}\t{info.algorithm}\tactive")


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the public keys as JSON.")
def list_keys(as_json: bool) -> None:
    """List every key with its id, algorithm and whether it signs new certificates."""
    from .keys import KINDS, keystore

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
            click.echo(f"{info.kind}\t{info.kid}\t{info.algorithm}\t{'active' if info.active else 'verify-only'}")
        trusted = store.trusted_certificates()
        if trusted:
            click.echo(f"trust list: {len(trusted)} document-signer certificate(s)")


@click.group("certificate")
def certificate_group() -> None:
    """Vaccination certificates."""


@certificate_group.command("verify")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True)
def verify_command(source: str, as_json: bool) -> None:
    """Verify a certificate offline: a QR image, a file, or the QR text itself."""
    from .verify import app_verifier, read_input

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


commands = [keys_group, certificate_group]
