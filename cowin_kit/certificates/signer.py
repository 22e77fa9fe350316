"""The signer: the one component holding private signing keys, called by the web pods over mutual TLS.

Web pods (``SIGNER_URL`` set) keep no private key: :class:`RemoteKeyStore` lists the signer's
public keys and asks it for signatures; the signer (``cowin-kit signer serve``: gunicorn, TLS
with a required client certificate from its own CA) signs with a local :class:`keys.KeyStore`
(``files`` or ``pkcs11`` backend) and logs every signature: key id, kind, purpose, algorithm,
client address; never a certificate's content.

API (JSON over HTTPS; only clients with a certificate from ``SIGNER_CLIENT_CA`` get a
connection at all):

``GET /v1/keys``   {"keys": [public_dict...], "trust": {"certificates": [PEM], "jwks": [...]}}
``POST /v1/sign``  {"requests": [{"kid", "purpose", "tbs": base64}]} ->
                   {"signatures": [{"kid", "alg", "signature": base64}]}

``tbs`` is what :func:`backends.to_be_signed` makes: the SHA-256 digest of the message for
ES256 and PS256, the message itself for EdDSA (DIVOC signs a header and two SHA-256 digests).
The signer therefore never receives personal data, and signs only for the purposes the kit's
formats need (``keys.PURPOSES``), with the key kind each purpose takes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Mapping, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .backends import BackendSettings, KeyBackendError, to_be_signed
from .keys import KINDS, PURPOSES, KeyInfo, KeyLookup, KeyStore, MissingKey, SignRequest, SigningUnavailable

log = logging.getLogger("cowin_kit.signer")

MAX_BATCH = 32  # signatures per request: a certificate needs at most four
MAX_BODY = 64 * 1024
MAX_EDDSA_MESSAGE = 1024  # DIVOC's signing input is a JWS header and two digests (~130 bytes)
LISTING_TTL = 30.0  # seconds web pods reuse the signer's key listing


# -- the service ---------------------------------------------------------------------------------


class SignerApp:
    """The signer's WSGI application over a local key store."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        request.max_content_length = MAX_BODY
        try:
            if request.path == "/v1/sign" and request.method == "POST":
                status, body = self.sign(request)
            elif request.path == "/v1/keys" and request.method == "GET":
                status, body = 200, self.listing()
            elif request.path == "/healthz" and request.method == "GET":
                status, body = 200, {"status": "ok"}
            else:
                status, body = 404, {"error": "not found: GET /v1/keys, POST /v1/sign"}
        except MissingKey as exc:
            status, body = 404, {"error": exc.params.get("detail") or "no such key"}
        except SigningUnavailable:
            status, body = 503, {"error": "the key backend cannot sign now; see the signer's log"}
        response = Response(json.dumps(body, separators=(",", ":")), status=status,
                            mimetype="application/json", headers={"Cache-Control": "no-store"})
        return response(environ, start_response)

    def listing(self) -> dict:
        store = self.store
        return {"keys": [info.public_dict() for kind in KINDS for info in store.keys(kind)],
                "trust": {"certificates": [c.public_bytes(serialization.Encoding.PEM).decode("ascii")
                                           for c in store.trusted_certificates()],
                          "jwks": store.trusted_jwks()}}

    def sign(self, request) -> tuple[int, dict]:
        from werkzeug.exceptions import RequestEntityTooLarge

        try:
            body = json.loads(request.get_data(cache=False))
        except RequestEntityTooLarge:
            return 413, {"error": f"at most {MAX_BODY} bytes"}
        except ValueError:
            return 400, {"error": "send a JSON object {\"requests\": [...]}"}
        items = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            return 400, {"error": f"\"requests\" must list 1 to {MAX_BATCH} signing requests"}
        parsed = []
        for index, item in enumerate(items):
            problem = _request_problem(item)
            if problem:
                return 400, {"error": f"requests[{index}]: {problem}"}
            parsed.append((item["kid"], item["purpose"], base64.b64decode(item["tbs"], validate=True)))
        client = request.remote_addr or "-"
        out = []
        for kid, purpose, tbs in parsed:
            info = self.store.get(PURPOSES[purpose], kid)
            if info.algorithm == "EdDSA" and len(tbs) > MAX_EDDSA_MESSAGE:
                return 400, {"error": f"EdDSA messages are at most {MAX_EDDSA_MESSAGE} bytes"}
            if info.algorithm != "EdDSA" and len(tbs) != 32:
                return 400, {"error": f"{info.algorithm} signs a SHA-256 digest: send 32 bytes"}
        for kid, purpose, tbs in parsed:
            info, signature = self.store.sign_prepared(kid, purpose, tbs)
            log.info("signature kind=%s kid=%s purpose=%s alg=%s client=%s",
                     info.kind, info.kid, purpose, info.algorithm, client)
            out.append({"kid": kid, "alg": info.algorithm,
                        "signature": base64.b64encode(signature).decode("ascii")})
        return 200, {"signatures": out}


def _request_problem(item) -> str:
    if not isinstance(item, dict):
        return "expected an object {kid, purpose, tbs}"
    if not isinstance(item.get("kid"), str) or not 0 < len(item["kid"]) <= 128:
        return "kid: a key id from GET /v1/keys"
    if item.get("purpose") not in PURPOSES:
        return f"purpose: one of {', '.join(sorted(PURPOSES))}"
    try:
        if not isinstance(item.get("tbs"), str):
            raise ValueError
        base64.b64decode(item["tbs"], validate=True)
    except (ValueError, binascii.Error):
        return "tbs: base64 of what to sign"
    return ""


def env_config(environ: Mapping[str, str] | None = None) -> dict:
    """The signer's settings from COWIN_KIT_* variables (it needs no database and no profile)."""
    environ = os.environ if environ is None else environ
    prefix = "COWIN_KIT_"
    config = {name[len(prefix):]: value for name, value in environ.items() if name.startswith(prefix)}
    if not config.get("KEYS_DIR"):
        instance = environ.get("COWIN_KIT_INSTANCE_DIR") or str(Path.cwd() / "instance")
        config["KEYS_DIR"] = str(Path(instance) / "keys")
    return config


def service_app(config: Mapping | None = None) -> SignerApp:
    """The signer application for ``config`` (default: the environment)."""
    config = env_config() if config is None else config
    return SignerApp(KeyStore(config["KEYS_DIR"], BackendSettings.from_config(config)))


def gunicorn_options(*, bind: str, certfile: str, keyfile: str, client_ca: str, workers: int = 2,
                     threads: int = 4) -> dict:
    """gunicorn settings of the signer: TLS, and no connection without a client certificate
    from ``client_ca``."""
    import ssl

    for name, path in (("COWIN_KIT_SIGNER_SERVER_CERT", certfile), ("COWIN_KIT_SIGNER_SERVER_KEY", keyfile),
                       ("COWIN_KIT_SIGNER_CLIENT_CA", client_ca)):
        if not path or not Path(path).is_file():
            raise KeyBackendError(f"{name} must name a PEM file (got {path!r}); `cowin-kit signer tls` "
                                  "makes a CA and the certificates")

    def ssl_context(conf, default_ssl_context_factory):
        context = default_ssl_context_factory()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    return {"bind": [bind], "workers": workers, "worker_class": "gthread", "threads": threads,
            "certfile": certfile, "keyfile": keyfile, "ca_certs": client_ca, "cert_reqs": ssl.CERT_REQUIRED,
            "ssl_context": ssl_context, "accesslog": None, "errorlog": "-", "timeout": 30,
            "proc_name": "cowin-kit-signer",
            # no runtime control socket: it needs a writable $HOME (read-only in the pod)
            "control_socket_disable": True}


def serve(app: SignerApp, options: dict) -> None:
    """Run the signer under gunicorn (blocks); every signature is logged on stderr."""
    from gunicorn.app.base import BaseApplication

    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
        log.addHandler(handler)
        logging.getLogger("cowin_kit.certificates").addHandler(handler)
    log.setLevel(logging.INFO)
    logging.getLogger("cowin_kit.certificates").setLevel(logging.INFO)

    class Signer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Signer().run()


# -- mutual TLS material -------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cowin-kit"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def tls_material(hosts: Sequence[str], days: int = 825) -> dict[str, bytes]:
    """A private CA for the signer's mutual TLS and the certificates it issues: ``ca.crt``,
    ``server.crt``/``server.key`` (for ``hosts``: DNS names or IP addresses) and
    ``client.crt``/``client.key`` (the web pods). The CA's own key is not kept: run again to
    replace all of them."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("cowin-kit signer CA")).issuer_name(_name("cowin-kit signer CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))

    def leaf(common_name: str, usage, names) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)

    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    server_crt, server_key = leaf(hosts[0] if hosts else "signer", ExtendedKeyUsageOID.SERVER_AUTH, names)
    client_crt, client_key = leaf("cowin-kit web", ExtendedKeyUsageOID.CLIENT_AUTH, [])
    return {"ca.crt": ca.public_bytes(serialization.Encoding.PEM), "server.crt": server_crt,
            "server.key": server_key, "client.crt": client_crt, "client.key": client_key}


def write_tls_material(folder: Path, hosts: Sequence[str], days: int = 825) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for name, data in tls_material(hosts, days).items():
        path = folder / name
        tmp = folder / f".{name}.tmp"
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if name.endswith(".key") else 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.replace(path)
        written.append(path)
    return written


# -- the web pods' client ------------------------------------------------------------------------


class RemoteKeyStore(KeyLookup):
    """The key store of a process without private keys: the signer's public keys, its signatures."""

    remote = True
    missing_hint = "run `cowin-kit keys generate` where the signer runs"

    def __init__(self, url: str, *, client_cert: str, client_key: str, ca: str, timeout: float = 5.0,
                 server_name: str = "") -> None:
        import urllib3

        for name, path in (("COWIN_KIT_SIGNER_CLIENT_CERT", client_cert), ("COWIN_KIT_SIGNER_CLIENT_KEY", client_key),
                           ("COWIN_KIT_SIGNER_CA", ca)):
            if not path:
                raise KeyBackendError(f"COWIN_KIT_SIGNER_URL is set: set {name} too (mutual TLS with the signer)")
        self.url = url.rstrip("/")
        self._http = urllib3.PoolManager(
            cert_file=client_cert, key_file=client_key, ca_certs=ca, cert_reqs="CERT_REQUIRED",
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout),
            # signing the same bytes again is harmless, so POSTs are retried too
            retries=urllib3.Retry(total=2, connect=2, read=1, status=0, allowed_methods=None, backoff_factor=0.1),
            maxsize=8,
            # the name the signer's certificate holds, when the URL reaches it by another
            **({"server_hostname": server_name, "assert_hostname": server_name} if server_name else {}))
        self._lock = threading.Lock()
        self._listing: tuple[float, dict[str, list[KeyInfo]], dict] | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> "RemoteKeyStore":
        return cls(str(config["SIGNER_URL"]), client_cert=str(config.get("SIGNER_CLIENT_CERT") or ""),
                   client_key=str(config.get("SIGNER_CLIENT_KEY") or ""), ca=str(config.get("SIGNER_CA") or ""),
                   timeout=float(config.get("SIGNER_TIMEOUT") or 5),
                   server_name=str(config.get("SIGNER_SERVER_NAME") or ""))

    @property
    def identity(self) -> str:
        return f"signer:{self.url}"

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        import urllib3

        try:
            response = self._http.request(method, self.url + path,
                                          body=json.dumps(body).encode() if body is not None else None,
                                          headers={"Content-Type": "application/json"} if body is not None else None)
        except urllib3.exceptions.HTTPError as exc:
            log.error("signer %s unreachable (%s): check COWIN_KIT_SIGNER_URL, the client "
                      "certificate and that the signer runs", self.url, type(exc).__name__)
            raise SigningUnavailable() from exc
        try:
            data = json.loads(response.data)
        except ValueError:
            data = {}
        if response.status == 404 and path == "/v1/sign":
            self._listing = None  # a key the listing named is gone: list again next time
            raise MissingKey(detail=str(data.get("error", "unknown key")))
        if response.status != 200 or not isinstance(data, dict):
            log.error("signer %s answered %s to %s %s: %s", self.url, response.status, method, path,
                      data.get("error", "") if isinstance(data, dict) else "")
            raise SigningUnavailable()
        return data

    def _keys_and_trust(self) -> tuple[dict[str, list[KeyInfo]], dict]:
        now = time.monotonic()
        listing = self._listing
        if listing is not None and now - listing[0] < LISTING_TTL:
            return listing[1], listing[2]
        with self._lock:
            try:
                data = self._call("GET", "/v1/keys")
            except SigningUnavailable:
                if listing is not None:  # keep verifying and serving keys with what we had
                    return listing[1], listing[2]
                raise
            keys: dict[str, list[KeyInfo]] = {kind: [] for kind in KINDS}
            for item in data.get("keys", []):
                if item.get("kind") in keys:
                    keys[item["kind"]].append(KeyInfo.from_public_dict(item, "signer"))
            for found in keys.values():
                found.sort(key=lambda k: not k.active)
            self._listing = (now, keys, data.get("trust") or {})
            return keys, self._listing[2]

    # -- the KeyStore interface ------------------------------------------------------------------
    def keys(self, kind: str) -> list[KeyInfo]:
        return self._keys_and_trust()[0].get(kind, [])

    def sign_batch(self, requests: Sequence[SignRequest]) -> list[bytes]:
        """All signatures in one call to the signer."""
        if not requests:
            return []
        items = []
        for request in requests:
            info = self.get(PURPOSES[request.purpose], request.kid)
            items.append({"kid": request.kid, "purpose": request.purpose,
                          "tbs": base64.b64encode(to_be_signed(info.algorithm, request.message)).decode("ascii")})
        data = self._call("POST", "/v1/sign", {"requests": items})
        signatures = data.get("signatures")
        if not isinstance(signatures, list) or len(signatures) != len(items):
            log.error("signer %s answered %d signatures for %d requests", self.url,
                      len(signatures) if isinstance(signatures, list) else -1, len(items))
            raise SigningUnavailable()
        return [base64.b64decode(item["signature"]) for item in signatures]

    def trusted_certificates(self) -> list[x509.Certificate]:
        pems = self._keys_and_trust()[1].get("certificates") or []
        return [x509.load_pem_x509_certificate(pem.encode("ascii")) for pem in pems]

    def trusted_jwks(self) -> list[dict]:
        return list(self._keys_and_trust()[1].get("jwks") or [])

    def generate(self, *_args, **_options):
        raise KeyBackendError("this process signs through the signer (COWIN_KIT_SIGNER_URL): make "
                              "and rotate keys where the signer runs, with its settings")

    rotate = generate
