"""``cowin-kit keys activate | csr | import-certificate | provision-secret`` (lifecycle.py)."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import click

from cowin_kit.core.errors import KitError
from cowin_kit.profiles import get_profile

from . import lifecycle
from .cli import KIND_CHOICE, _app, _key_errors, _kinds, keys_group
from .dsc import signed_der
from .keys import CERT_SUFFIX, KeyStore, issuer_settings, kid_of
from .lifecycle import dsc_csr, load_certificates
from .provisioning import ProvisioningFailed, provision_secret, secret_files
from .stores import ensure_keys, keystore

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def _local_store(app):
    store = keystore(app)
    if not isinstance(store, KeyStore):
        raise click.ClickException("this process signs through the signer: run this where the signer "
                                   "and its KEYS_DIR are")
    return store


@keys_group.command("activate")
@click.option("--kind", "kind", type=KIND_CHOICE, required=True)
@click.option("--kid", default=None, help="The key to activate (default: the newest next key).")
@click.option("--before-delay", is_flag=True,
              help="Activate before COWIN_KIT_KEY_ACTIVATION_DELAY_HOURS has passed: only when the "
                   "current key is compromised (verifiers that have not fetched the new key reject "
                   "new certificates until they do).")
def activate_command(kind: str, kid: str | None, before_delay: bool) -> None:
    """Make a rotated ("next") key sign new certificates, once its activation time has come
    (it also becomes active by itself at that time)."""
    app = _app()
    with app.app_context():
        store = _local_store(app)
        for k in _kinds(kind):
            chosen = kid or next((i.kid for i in store.keys(k) if i.status == lifecycle.NEXT), None)
            if chosen is None:
                active = store.active_kid(k)
                click.echo(f"{k}\t{active or '-'}\tactive (no next key: run `cowin-kit keys rotate` first)")
                continue
            try:
                lifecycle.activate(store, k, chosen, before_delay=before_delay)
            except KitError as exc:
                raise click.ClickException(exc.text()) from None
            click.echo(f"{k}\t{chosen}\tactive")


def _hcert_key(store, kid: str | None):
    keys = [i for i in store.keys("hcert") if not (i.lifecycle or {}).get("superseded_by")]
    if kid:
        keys = [i for i in keys if i.kid == kid]
    else:  # the key being prepared (next), else the one signing
        keys = sorted(keys, key=lambda i: {lifecycle.NEXT: 0, lifecycle.ACTIVE: 1}.get(i.status, 2))
    if not keys:
        raise click.ClickException("no such document-signer (hcert) key: see `cowin-kit keys list`")
    return keys[0]


def _csr_signed_by_backend(store, info, country: str, common_name: str, organization: str):
    """The CSR for ``info``'s key, signed by its backend (the key may sit in an HSM): drafted
    with a stand-in P-256 key whose public key is then swapped (same DER length) and the
    request's to-be-signed part signed again."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    stand_in = ec.generate_private_key(ec.SECP256R1())
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    draft = dsc_csr(stand_in, country=country, common_name=common_name, organization=organization)
    tbs = draft.tbs_certrequest_bytes.replace(stand_in.public_key().public_bytes(*spki),
                                              info.public_key.public_bytes(*spki))
    csr = x509.load_der_x509_csr(signed_der(tbs, store._signer(info)))
    if not csr.is_signature_valid:
        raise click.ClickException("the key backend did not sign the request with this key")
    return csr


@keys_group.command("csr")
@click.option("--kid", default=None, help="The hcert key (default: the newest next key, else the active one).")
@click.option("--common-name", default=None, help="Subject CN (default: '<issuer name> DSC').")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Write the PEM here (default: stdout).")
def csr_command(kid: str | None, common_name: str | None, out: str | None) -> None:
    """A certificate signing request for the EU DCC document signer, for the country's CSCA
    (eHealth Network DSC profile: C and CN, digitalSignature, the test/vaccination/recovery
    extended key usages)."""
    from cryptography.hazmat.primitives import serialization

    app = _app()
    with app.app_context():
        store = _local_store(app)
        name, country = issuer_settings(get_profile())
        info = _hcert_key(store, kid)
        with _key_errors():
            csr = _csr_signed_by_backend(store, info, country, common_name or f"{name} DSC", name)
    pem = csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
    if out:
        Path(out).write_text(pem)
        click.echo(f"certificate signing request for hcert key {info.kid} written to {out}", err=True)
    else:
        click.echo(pem, nl=False)


def install_certificate(store, certificate, chain) -> tuple[str, str]:
    """Install a CSCA-signed DSC (and its chain) for the hcert key it belongs to; the key's
    previous certificate stays as a retired key so what it signed keeps verifying. Returns the
    old and the new kid. Raises lifecycle.CertificateRefused."""
    from cryptography.hazmat.primitives import serialization

    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    wanted = certificate.public_key().public_bytes(*spki)
    match = next((i for i in store.keys("hcert") if not (i.lifecycle or {}).get("superseded_by")
                  and i.public_key.public_bytes(*spki) == wanted), None)
    if match is None:
        raise lifecycle.CertificateRefused(why=lifecycle._l(
            "it is not for any document-signer key of this instance (make the request with cowin-kit keys csr)"))
    lifecycle.check_chain(certificate, match.public_key, chain)
    folder = store.root / "hcert"
    current = next(p for p in sorted(folder.glob(f"*{CERT_SUFFIX}"))
                   if lifecycle.SUPERSEDED_INFIX not in p.name
                   and lifecycle.load_certificates(p.read_bytes())[0].public_key().public_bytes(*spki) == wanted)
    stem = current.name[: -len(CERT_SUFFIX)]
    number = len(list(folder.glob(f"{stem}{lifecycle.SUPERSEDED_INFIX}*"))) + 1
    current.rename(folder / f"{stem}{lifecycle.SUPERSEDED_INFIX}{number}{CERT_SUFFIX}")
    pem = serialization.Encoding.PEM
    (folder / f"{stem}{lifecycle.CHAIN_SUFFIX}").write_bytes(b"".join(c.public_bytes(pem) for c in chain))
    current.write_bytes(certificate.public_bytes(pem))
    new_kid = kid_of("hcert", match.public_key, certificate)[0]
    lifecycle.rename(store.root, "hcert", match.kid, new_kid)
    if store._active().get("hcert") == match.kid:
        store._set_active("hcert", new_kid)
    store._cache.clear()
    return match.kid, new_kid


@keys_group.command("import-certificate")
@click.argument("certificate", type=click.Path(exists=True, dir_okay=False))
@click.option("--chain", "chain_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The issuing CSCA certificate (and any intermediates, issuer first), PEM or DER.")
def import_certificate_command(certificate: str, chain_path: str | None) -> None:
    """Install the document-signer certificate the CSCA issued for `keys csr`; refused unless it
    is for one of this instance's hcert keys and the chain verifies up to the CSCA."""
    app = _app()
    with app.app_context():
        store = _local_store(app)
        try:
            cert = load_certificates(Path(certificate).read_bytes())[0]
            chain = load_certificates(Path(chain_path).read_bytes()) if chain_path else []
        except ValueError:
            raise click.ClickException("cannot read the certificate or the chain (PEM or DER expected)") from None
        try:
            old, new = install_certificate(store, cert, chain)
        except KitError as exc:
            raise click.ClickException(exc.text()) from None
    click.echo(f"hcert\t{new}\tinstalled (the previous certificate {old} stays published, verify-only)")


# -- the chart's provisioning Job ------------------------------------------------------------


@keys_group.command("provision-secret")
@click.option("--name", required=True, help="The Secret to create (signingKeys.existingSecret).")
@click.option("--namespace", default=None, help="Default: the pod's namespace.")
@click.option("--label", "labels", multiple=True, help="key=value label for the Secret (repeat).")
def provision_secret_command(name: str, namespace: str | None, labels: tuple[str, ...]) -> None:
    """The chart's pre-install Job: generate the signing keys once, in this pod's in-memory
    KEYS_DIR, into Secret NAME through the Kubernetes API; nothing when it exists already."""
    app = _app()
    token = (SERVICE_ACCOUNT / "token").read_text().strip()
    namespace = namespace or (SERVICE_ACCOUNT / "namespace").read_text().strip()
    host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    api = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    context = ssl.create_default_context(cafile=str(SERVICE_ACCOUNT / "ca.crt"))

    def make_keys() -> dict[str, str]:
        with app.app_context(), _key_errors():
            ensure_keys(app, get_profile(), click.echo)
            return secret_files(Path(app.config["KEYS_DIR"]))

    try:
        done = provision_secret(api=api, token=token, namespace=namespace, name=name, make_keys=make_keys,
                                context=context, labels=dict(item.split("=", 1) for item in labels))
    except ProvisioningFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Secret {namespace}/{name}: {done}"
               + (" (kept as it is; keys are made once)" if done == "exists" else ""))
