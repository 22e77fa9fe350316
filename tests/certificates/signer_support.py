"""Test support for signing keys: a running signer (``cowin-kit signer serve``, a real gunicorn
with mutual TLS) and verification of signed certificates by software other than ours (cwt for
HCERT, jwcrypto for SMART Health Cards, pyld and ``cryptography`` for the DIVOC proof)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import base45

from cowin_kit.certificates import keys as keys_module
from cowin_kit.certificates.formats import ddcc, divoc_vc, eu_dcc, jose, shc
from cowin_kit.certificates.formats.hcert import kid_for

from .samples import certificate

VM = "https://cowin.example/api/kit/v1/certificates/keys#k"


def sample():
    """Certificate data that independent verifiers accept today (cwt checks expiry)."""
    return certificate(issued_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0), valid_until=None)


def unsigned(fmt: str, data, info) -> jose.Unsigned:
    """A format's unsigned form for a key (what issuance.unsigned_form does, without an app)."""
    if fmt == "divoc_vc":
        return divoc_vc.prepare(data, info.algorithm, VM)
    if fmt == "shc":
        return shc.prepare(data, info.kid)
    return (eu_dcc if fmt == "eu_dcc" else ddcc).prepare(data, info.algorithm, kid_for(info.certificate))


def sign_all(store, data, formats=("divoc_vc", "eu_dcc", "ddcc", "shc")) -> dict:
    """Every format signed by ``store`` in one batch."""
    items = []
    for fmt in formats:
        info = store.active(keys_module.FORMAT_KIND[fmt])
        items.append((info.kid, fmt, unsigned(fmt, data, info)))
    return dict(zip(formats, keys_module.sign_unsigned(store, items)))


def verify_independently(fmt: str, signed, info) -> dict:
    """Check a signed form with other software against the public key ``info``; returns the
    signed content."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding

    if fmt in ("eu_dcc", "ddcc"):
        import cwt

        key = cwt.load_pem_hcert_dsc(info.certificate.public_bytes(serialization.Encoding.PEM))
        claims = cwt.decode(zlib.decompress(base45.b45decode(signed[4:])), keys=[key])
        return claims[-260]
    if fmt == "shc":
        from jwcrypto import jwk, jws

        checker = jws.JWS()
        checker.deserialize(signed)
        checker.verify(jwk.JWK(**jose.public_jwk(info.public_key)))
        return json.loads(zlib.decompress(checker.payload, -15))
    assert fmt == "divoc_vc"
    from pyld import jsonld

    from cowin_kit.certificates.formats.contexts import SECURITY_V2, document_loader

    proof = signed["proof"]
    header_b64, _, signature_b64 = proof["jws"].split(".")
    options = {"@context": SECURITY_V2, **{k: v for k, v in proof.items() if k != "jws"}}
    doc = {k: v for k, v in signed.items() if k != "proof"}

    def normalized(value):
        return jsonld.normalize(copy.deepcopy(value), {"algorithm": "URDNA2015", "format": "application/n-quads",
                                                       "documentLoader": document_loader}).encode("utf-8")

    data = (header_b64.encode("ascii") + b"." + hashlib.sha256(normalized(options)).digest()
            + hashlib.sha256(normalized(doc)).digest())
    signature = jose.b64u_decode(signature_b64)
    if isinstance(info.public_key, ed25519.Ed25519PublicKey):
        info.public_key.verify(signature, data)
    else:
        info.public_key.verify(signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    return doc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningSigner:
    url: str
    port: int
    tls: Path
    log: Path
    process: subprocess.Popen

    def client_context(self, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.tls / "ca.crt"))
        if cert is not None:
            context.load_cert_chain(str(cert), str(key))
        return context

    def remote_store(self, tls: Path | None = None):
        from cowin_kit.certificates.signer import RemoteKeyStore

        tls = tls or self.tls
        return RemoteKeyStore(self.url, client_cert=str(tls / "client.crt"), client_key=str(tls / "client.key"),
                              ca=str(self.tls / "ca.crt"))

    def config(self) -> dict:
        """What a web pod sets to sign through this signer."""
        return {"SIGNER_URL": self.url, "SIGNER_CLIENT_CERT": str(self.tls / "client.crt"),
                "SIGNER_CLIENT_KEY": str(self.tls / "client.key"), "SIGNER_CA": str(self.tls / "ca.crt")}

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def start_signer(folder: Path, keys_dir: Path, env: dict | None = None) -> RunningSigner:
    """Run ``cowin-kit signer serve`` with fresh mutual-TLS material; wait until it answers."""
    from cowin_kit.certificates.signer import write_tls_material

    tls = folder / "tls"
    write_tls_material(tls, ["localhost", "127.0.0.1"])
    port = free_port()
    log = folder / "signer.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COWIN_KIT_")}
    environ.update({"COWIN_KIT_KEYS_DIR": str(keys_dir), **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-c", "from cowin_kit.cli import cli; cli()", "signer", "serve",
         "--bind", f"127.0.0.1:{port}", "--cert", str(tls / "server.crt"), "--key", str(tls / "server.key"),
         "--client-ca", str(tls / "ca.crt"), "--workers", "1"],
        env=environ, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    running = RunningSigner(f"https://127.0.0.1:{port}", port, tls, log, process)
    context = running.client_context(tls / "client.crt", tls / "client.key")
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the signer stopped: {running.log_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
                with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                    return running
        except OSError:
            if time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError(f"the signer did not start: {running.log_text()}") from None
            time.sleep(0.1)


def stop_signer(running: RunningSigner) -> None:
    running.process.terminate()
    try:
        running.process.wait(10)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


def wait_for_log(running: RunningSigner, text: str, seconds: float = 10) -> str:
    """The signer's log once it holds ``text`` (log lines reach the file asynchronously)."""
    deadline = time.monotonic() + seconds
    while text not in running.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    return running.log_text()
