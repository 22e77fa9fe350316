"""Smoke test: the chart starts the real application.

Render the chart, take the migration Job's, the SMS delivery CronJob's and the web container's
command, arguments, environment, mounts and probe paths from the rendered manifests, add the
image's own ENV from deploy/Dockerfile, map the image's paths onto this checkout (and mounts onto
temporary folders), and run them here against a fresh PostgreSQL database with two roles (the
schema owner for the Job, a fresh app role for the pods, as a DBA would create it): gunicorn
first (production mode refuses to start: the schema is missing, and pods never migrate), then
the Job's `cowin-kit db upgrade --app-role`, then the CronJob's `cowin-kit sms deliver`
(nothing queued yet), then gunicorn again, whose probes must answer 200.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import make_url

from tests.dbutil import SERVER_URL, create_database, drop_database
from tests.deploy import image
from tests.deploy.conftest import PRODUCTION_VALUES, REPO, SIGNER_DEPLOYMENT

pytestmark = pytest.mark.postgres

VENV_BIN = Path(sys.executable).parent
OWN_PROFILE = REPO / "country_profiles" / "vn"
SECRET_KEY = "smoke-test-secret-key-0123456789-0123456789-0123456789-0123456789"
KEYS_PASSPHRASE = "smoke-test keys passphrase"


def cpu_quantity(value: str) -> float:
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


class Pod:
    """A rendered pod made runnable on this machine: its volumes as local folders (shared by
    its containers, as in Kubernetes), its containers' environment and command lines."""

    def __init__(self, rendered, pod_spec: dict, workdir: Path,
                 existing_secrets: dict[str, dict[str, str]]):
        self.rendered, self.spec, self.workdir = rendered, pod_spec, workdir
        self.existing = existing_secrets
        self.volumes: dict[str, Path] = {}
        for volume in pod_spec.get("volumes", []):
            self.volumes[volume["name"]] = self._materialise(volume)

    def secret(self, name: str) -> dict[str, str]:
        for doc in self.rendered.of_kind("Secret"):
            if doc["metadata"]["name"] == name:
                return {**dict(doc.get("stringData") or {}),
                        **{key: base64.b64decode(value).decode() for key, value in (doc.get("data") or {}).items()}}
        assert name in self.existing, f"the pod needs Secret {name!r}, which nobody creates"
        return self.existing[name]

    def _materialise(self, volume: dict) -> Path:
        local = self.workdir / "volumes" / volume["name"]
        local.mkdir(parents=True)
        if "configMap" in volume:
            config_map = self.rendered.one("ConfigMap", volume["configMap"]["name"])
            files = {**config_map.get("data", {}),
                     **{key: base64.b64decode(value)
                        for key, value in (config_map.get("binaryData") or {}).items()}}
            if "items" in volume["configMap"]:  # only the listed keys, each at its path
                files = {item["path"]: files[item["key"]] for item in volume["configMap"]["items"]}
        elif "secret" in volume:
            files = self.secret(volume["secret"]["secretName"])
        else:
            assert "emptyDir" in volume, f"unexpected volume {volume}"
            files = {}
        for name, content in files.items():
            (local / name).parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                (local / name).write_bytes(content)
            else:
                (local / name).write_text(content)
        return local

    def container(self, name: str) -> "Container":
        found = [c for c in self.spec.get("initContainers", []) + self.spec["containers"]
                 if c["name"] == name]
        return Container(self, found[0])

    def run_init_containers(self) -> None:
        for init in self.spec.get("initContainers", []):
            container = Container(self, init)
            env = container.env()
            done = subprocess.run(container.argv(env), env=env, cwd=self.workdir,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"init container {init['name']}: {done.stderr}"


class Container:
    """One container of a Pod: image paths mapped to this checkout and the pod's volumes."""

    def __init__(self, pod: Pod, spec: dict):
        self.pod, self.spec = pod, spec
        self.paths: dict[str, Path] = {"/opt/venv": VENV_BIN.parent}
        self.paths.update(image.repository_paths())
        for mount in spec.get("volumeMounts", []):
            self.paths[mount["mountPath"]] = pod.volumes[mount["name"]]

    def __getitem__(self, key):
        return self.spec[key]

    def local(self, value: str) -> str:
        """Translate an image path (or a value starting with one) to this machine's."""
        for image_path in sorted(self.paths, key=len, reverse=True):
            if value == image_path or value.startswith(image_path.rstrip("/") + "/"):
                return str(self.paths[image_path]) + value[len(image_path):]
        return value

    def env(self) -> dict[str, str]:
        """The image's ENV, then the container's env (secrets and resources resolved)."""
        env = {"HOME": str(self.pod.workdir), "LANG": "C.UTF-8"}
        for key, value in image.final_stage().env().items():
            if key == "PATH":  # each image entry translated once; this machine's PATH as it is
                env[key] = ":".join(self.local(part) for part in value.split(":")).replace(
                    "$PATH", os.environ["PATH"])
                continue
            env[key] = self.local(value)
        for item in self.spec.get("env", []):
            source = item.get("valueFrom")
            if source is None:
                value = item["value"]
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                secret = self.pod.secret(ref["name"])
                if ref.get("optional") and ref["key"] not in secret:
                    continue  # as the kubelet does: an optional key that is absent sets nothing
                assert ref["key"] in secret, f"Secret {ref['name']} has no key {ref['key']}"
                value = secret[ref["key"]]
            elif "resourceFieldRef" in source:
                ref = source["resourceFieldRef"]
                kind, resource = ref["resource"].split(".")
                amount = cpu_quantity(self.spec["resources"][kind][resource])
                value = str(math.ceil(amount / cpu_quantity(ref.get("divisor", "1"))))
            else:
                raise AssertionError(f"cannot resolve env {item}")
            env[item["name"]] = self.local(value)
        return env

    def argv(self, env: dict[str, str]) -> list[str]:
        words = [self.local(w) for w in self.spec["command"] + self.spec.get("args", [])]
        program = shutil.which(words[0], path=env["PATH"])
        assert program, f"{words[0]} is not on the image's PATH ({env['PATH']})"
        return [program, *words[1:]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


def wait_for(url: str, want, seconds: float, server: subprocess.Popen, log: Path):
    deadline = time.monotonic() + seconds
    while True:
        status, body = get(url)
        if want(status):
            return status, body
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} answered {status} {body[:300]}; server log:\n"
                                 + log.read_text()[-3000:])
        time.sleep(0.3)


def wait_for_port(port: int, seconds: float, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on {port}; log:\n" + log.read_text()[-3000:]) from None
            time.sleep(0.2)


def signing_keys_secret(tmp_path: Path) -> dict[str, str]:
    """Keys made by `cowin-kit keys generate`, as deploy/signing-keys-secret.sh stores them."""
    keys = tmp_path / "generated-keys"
    env = {**os.environ, "COWIN_KIT_KEYS_DIR": str(keys),
           "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "keys-instance"),
           "COWIN_KIT_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.sqlite3'}",
           "COWIN_KIT_KEYS_PASSPHRASE": KEYS_PASSPHRASE}
    made = subprocess.run([str(VENV_BIN / "cowin-kit"), "keys", "generate"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    # the script runs `kubectl create secret generic NAME --from-file=KEY=PATH ... ARGS`: a
    # stand-in kubectl reads those arguments back as the Secret's data
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(f"#!{sys.executable}\n" + (
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "assert args[:3] == ['create', 'secret', 'generic'], args\n"
        "files = dict(a[len('--from-file='):].split('=', 1) for a in args if a.startswith('--from-file='))\n"
        "print(json.dumps({'name': args[3], 'rest': [a for a in args[4:] if not a.startswith('--from-file=')],\n"
        "                  'data': {k: open(p).read() for k, p in files.items()}}))\n"))
    kubectl.chmod(0o755)
    script = REPO / "deploy" / "signing-keys-secret.sh"
    done = subprocess.run(["bash", str(script), str(keys), "cowin-kit-signing-keys", "-n", "cowin"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "KUBECTL": str(kubectl)})
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created["name"] == "cowin-kit-signing-keys" and created["rest"] == ["-n", "cowin"]
    return created["data"]


def signer_tls_secret(tmp_path: Path) -> dict[str, str]:
    """The signer's CA and certificates as docs/certificates.md makes them (`cowin-kit signer tls`)."""
    folder = tmp_path / "signer-tls"
    made = subprocess.run([str(VENV_BIN / "cowin-kit"), "signer", "tls", "--out", str(folder),
                           "--host", "cowin-kit-signer", "--host", "cowin-kit-signer.cowin.svc"],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return {path.name: path.read_text() for path in folder.iterdir()}


def existing_secrets(database: "Database", signing_keys: dict[str, str],
                     signer_tls: dict[str, str] | None = None) -> dict:
    """The Secrets values-production.yaml expects the ministry to have created."""
    return {
        "cowin-kit-signer-tls": signer_tls or {},
        "cowin-kit-keys-passphrase": {"keys-passphrase": KEYS_PASSPHRASE},
        "cowin-kit-database": {"database-url": database.app_url,
                               "migration-database-url": database.owner_url},
        "cowin-kit-secret-key": {"secret-key": SECRET_KEY},
        "cowin-kit-redis": {"redis-url": os.environ.get("COWIN_KIT_TEST_REDIS_URL",
                                                        "redis://127.0.0.1:6379/15")},
        "cowin-kit-sms": {"sms-http-token": "smoke-test-token"},
        "cowin-kit-signing-keys": signing_keys,
    }


def run_helm_test_pod(rendered, base: str) -> None:
    """Run the `helm test` pod's command (curl) with the Service address pointed here."""
    pod = next(doc for doc in rendered.of_kind("Pod")
               if doc["metadata"]["annotations"].get("helm.sh/hook") == "test")
    container = pod["spec"]["containers"][0]
    service = rendered.one("Service")
    address = f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}"
    argv = [arg.replace(address, base) for arg in container["command"] + container["args"]]
    assert any(arg.startswith(base) for arg in argv), f"the test pod does not call {address}"
    assert shutil.which(argv[0]), f"{argv[0]} is needed to run the helm test pod's command"
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout


class Database:
    """A fresh database, its owner's URL and a fresh app role (LOGIN, nothing granted yet)."""

    def __init__(self, owner_url: str, role: str):
        self.owner_url, self.role = owner_url, role
        self.app_url = make_url(owner_url).set(username=role).render_as_string(False)


@pytest.fixture
def database():
    url = create_database(Path("/nonexistent"))
    assert url.startswith("postgresql+psycopg://"), "the chart expects a psycopg URL"
    role = f"cowinkit_app_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    admin.dispose()
    yield Database(url, role)
    drop_database(url)  # with the grants in it; then the role owns nothing anywhere
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP ROLE "{role}"'))
    admin.dispose()


def start_gunicorn(container: "Container", env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(container.argv(env), env=env, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.parametrize("case", ["default", "production"])
def test_rendered_chart_starts_the_application(render, database, tmp_path, case):
    if case == "default":
        # Chart-managed Secret, and the ministry's own profile files through the ConfigMap
        # (Vietnam's, so that it cannot be confused with the default code "in"); the SMS
        # gateway backend, for the SMS delivery CronJob (the gateway is never called).
        rendered = render(set_string={"database.url": database.app_url,
                                      "database.migrationUrl": database.owner_url,
                                      "database.appRole": database.role,
                                      "secretKey.value": SECRET_KEY,
                                      "config.smsBackend": "http",
                                      "config.smsHttpUrl": "http://127.0.0.1:9/send",
                                      # the files its branding: section names (the emblem)
                                      **{"profile.files.branding." + f.name.replace(".", "\\."):
                                         base64.b64encode(f.read_bytes()).decode()
                                         for f in (OWN_PROFILE / "branding").iterdir()}},
                          set_file={"profile.files.profileYaml": OWN_PROFILE / "profile.yaml",
                                    "profile.files.areasCsv": OWN_PROFILE / "areas.csv"})
    else:
        rendered = render(values_files=[PRODUCTION_VALUES],
                          set_string={"database.appRole": database.role})
    secrets = existing_secrets(database, signing_keys_secret(tmp_path) if case == "production"
                               else {}, signer_tls_secret(tmp_path) if case == "production" else None)
    deployment = rendered.one("Deployment")
    web_pod = Pod(rendered, deployment["spec"]["template"]["spec"], tmp_path / "web", secrets)
    web_pod.run_init_containers()
    web = web_pod.container("web")
    job_spec = rendered.one("Job", "cowin-kit-migrate")["spec"]["template"]["spec"]
    job = Pod(rendered, job_spec, tmp_path / "job", secrets).container("migrate")
    sms_spec = rendered.pod_template("CronJob")["spec"]
    sms = Pod(rendered, sms_spec, tmp_path / "sms", secrets).container("sms-delivery")

    web_env = web.env()
    container_port = web["ports"][0]["containerPort"]
    assert web_env["GUNICORN_BIND"].endswith(f":{container_port}"), "gunicorn must listen on the pod's port"
    for probe in ("startupProbe", "readinessProbe"):
        assert web[probe]["httpGet"]["port"] in ("http", container_port)
    assert web["livenessProbe"]["tcpSocket"]["port"] in ("http", container_port)
    port = free_port()
    web_env["GUNICORN_BIND"] = f"127.0.0.1:{port}"  # the only change: a free loopback port
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    cwd = tmp_path / "app"  # like the image's WORKDIR: no source tree to import from
    cwd.mkdir()
    assert web_env["COWIN_KIT_ENV"] == "production"
    # Nothing has migrated the database, and the pod must not do it: production mode refuses
    # to start (Kubernetes restarts it until the migration Job has run).
    early = start_gunicorn(web, web_env, cwd, log)
    try:
        assert early.wait(timeout=60) == 1, log.read_text()[-3000:]
    finally:
        if early.poll() is None:
            os.killpg(early.pid, signal.SIGKILL)
    assert "run `cowin-kit db upgrade` as the schema owner" in log.read_text()

    job_env = job.env()
    assert job_env["COWIN_KIT_DATABASE_URL"] == database.owner_url
    migrated = subprocess.run(job.argv(job_env), env=job_env, cwd=cwd, capture_output=True,
                              text=True, timeout=180)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "up to date" in migrated.stdout
    assert f"granted {database.role}" in migrated.stdout
    sms_env = sms.env()
    assert sms_env["COWIN_KIT_DATABASE_URL"] == database.app_url
    delivered = subprocess.run(sms.argv(sms_env), env=sms_env, cwd=cwd, capture_output=True,
                               text=True, timeout=120)
    assert delivered.returncode == 0, delivered.stdout + delivered.stderr
    assert delivered.stdout.splitlines()[0] == "No queued messages to deliver."

    assert web_env["COWIN_KIT_DATABASE_URL"] == database.app_url
    # The signer pod: its init container unfolds the keys, `cowin-kit signer serve` answers
    # over mutual TLS; the web pod reaches it by the Service name its certificate holds.
    signer_pod = Pod(rendered, rendered.pod_template("Deployment", SIGNER_DEPLOYMENT)["spec"],
                     tmp_path / "signer", secrets)
    signer_pod.run_init_containers()
    signer = signer_pod.container("signer")
    signer_port = free_port()
    bind = f"0.0.0.0:{signer['ports'][0]['containerPort']}"
    signer_argv = [word.replace(bind, f"127.0.0.1:{signer_port}") for word in signer.argv(signer.env())]
    assert f"127.0.0.1:{signer_port}" in signer_argv
    signer_log = tmp_path / "signer.log"
    with signer_log.open("w") as out:
        signer_server = subprocess.Popen(signer_argv, env=signer.env(), cwd=cwd, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
    service = urlsplit(web_env["COWIN_KIT_SIGNER_URL"])
    assert (service.scheme, service.port) == ("https", signer["ports"][0]["containerPort"])
    web_env["COWIN_KIT_SIGNER_URL"] = f"https://127.0.0.1:{signer_port}"
    web_env["COWIN_KIT_SIGNER_SERVER_NAME"] = service.hostname
    wait_for_port(signer_port, 30, signer_server, signer_log)
    server = start_gunicorn(web, web_env, cwd, log)
    try:
        startup = web["startupProbe"]["httpGet"]["path"]
        wait_for(base + startup, lambda s: s == 200, 60, server, log)
        readiness = web["readinessProbe"]["httpGet"]["path"]
        wait_for(base + readiness, lambda s: s == 200, 30, server, log)
        # Liveness: gunicorn's socket accepts a connection (what the kubelet's tcpSocket does).
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
        run_helm_test_pod(rendered, base)
        # A real page, through templates, the profile and the translations (first render is slow).
        status, body = get(base + "/", timeout=60)
        assert status == 200, f"{status} {body[:500]}\n" + log.read_text()[-3000:]
        if case == "default":
            names = yaml.safe_load((OWN_PROFILE / "profile.yaml").read_text())["country"]["names"]
            assert any(name in body for name in names.values()), "the mounted profile is not used"
        if case == "production":
            # The signing keys reached the signer through the Secret and its init container (the
            # key files encrypted, the passphrase from its Secret); the web pod publishes the
            # signer's keys, fetched over mutual TLS.
            status, body = get(base + "/.well-known/jwks.json", timeout=30)
            assert status == 200, body[:500]
            published = {key["kid"] for key in json.loads(body)["keys"]}
            shc = [k for k in secrets["cowin-kit-signing-keys"] if k.startswith("shc__") and k.endswith(".key.pem")]
            assert shc and {name.split("__")[1].removesuffix(".key.pem") for name in shc} <= published
            assert all("ENCRYPTED PRIVATE KEY" in secrets["cowin-kit-signing-keys"][name] for name in shc)
            assert "GET /v1/keys" not in signer_log.read_text()  # no access log: only signatures are logged
    finally:
        os.killpg(signer_server.pid, signal.SIGTERM)
        signer_server.wait(timeout=30)
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # what Kubernetes sends: a graceful stop
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    assert server.returncode == 0, log.read_text()[-3000:]
