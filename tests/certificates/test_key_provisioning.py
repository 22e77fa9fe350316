"""`cowin-kit keys provision-secret` (the chart's pre-install Job) against a stand-in of the
Kubernetes API: keys are made once into a kept Secret, and never again once it exists."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FakeKubernetes:
    """Secrets of one namespace, over HTTP, the way the API server answers."""

    def __init__(self) -> None:
        self.secrets: dict[str, dict] = {}
        self.calls: list[tuple[str, str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                fake.calls.append(("GET", self.path, self.headers.get("Authorization", "")))
                name = self.path.rsplit("/", 1)[-1]
                if name in fake.secrets:
                    self._answer(200, fake.secrets[name])
                else:
                    self._answer(404, {"kind": "Status", "code": 404})

            def do_POST(self) -> None:  # noqa: N802
                fake.calls.append(("POST", self.path, self.headers.get("Authorization", "")))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = body["metadata"]["name"]
                if name in fake.secrets:
                    self._answer(409, {"kind": "Status", "code": 409})
                    return
                fake.secrets[name] = body
                self._answer(201, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def kube():
    fake = FakeKubernetes()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_keys_are_made_once_into_a_kept_secret(make_app, kube, tmp_path):
    from cowin_kit.certificates.keys import KeyStore
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.certificates.provisioning import provision_secret, secret_files
    from cowin_kit.profiles import get_profile

    app = make_app(KEYS_DIR=str(tmp_path / "made"), PUBLIC_URL="https://cowin.example.gov")
    made = []

    def make_keys():
        with app.app_context():
            made.extend(ensure_keys(app, get_profile()))
            return secret_files(tmp_path / "made")

    done = provision_secret(api=kube.url, token="t0ken", namespace="cowin", name="keys", make_keys=make_keys,
                            labels={"app.kubernetes.io/part-of": "cowin-kit"})
    assert done == "created" and len(made) == 3
    assert [c[:2] for c in kube.calls] == [("GET", "/api/v1/namespaces/cowin/secrets/keys"),
                                           ("POST", "/api/v1/namespaces/cowin/secrets")]
    assert all(c[2] == "Bearer t0ken" for c in kube.calls)
    secret = kube.secrets["keys"]
    assert secret["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert "app.kubernetes.io/managed-by" not in secret["metadata"]["labels"]  # not Helm's
    # unfolded as the chart's init container does, the Secret is the keys folder again
    unfolded = tmp_path / "unfolded"
    for key, value in secret["data"].items():
        path = unfolded.joinpath(*key.split("__"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(value))
    store = KeyStore(unfolded)
    assert {kind: store.active(kind).kid for kind in ("divoc", "hcert", "shc")} == {
        info.kind: info.kid for info in made}
    assert store.active("divoc").lifecycle["did"] == "did:web:cowin.example.gov"

    again = provision_secret(api=kube.url, token="t0ken", namespace="cowin", name="keys",
                             make_keys=lambda: pytest.fail("keys made again"))
    assert again == "exists"
    assert [c[0] for c in kube.calls[2:]] == ["GET"]
    assert kube.secrets["keys"] is secret


def test_a_secret_made_meanwhile_is_kept(kube):
    from cowin_kit.certificates.provisioning import provision_secret

    def race():
        kube.secrets["keys"] = {"metadata": {"name": "keys"}, "data": {"x": "eA=="}}
        return {"y": "eQ=="}

    assert provision_secret(api=kube.url, token="t", namespace="cowin", name="keys", make_keys=race) == "exists"
    assert kube.secrets["keys"]["data"] == {"x": "eA=="}


def test_init_never_makes_keys_inside_a_production_pod(make_app, tmp_path):
    from cowin_kit.certificates.bootstrap import init_instance
    from cowin_kit.profiles import get_profile

    said = []
    app = make_app(KEYS_DIR=str(tmp_path / "pod-keys"))
    app.config["ENV"] = "production"  # as in the chart's web pods (the rest of production mode aside)
    with app.app_context():
        init_instance(app, get_profile(), said.append, {})
    assert not (tmp_path / "pod-keys").exists()
    assert said and "signingKeys.existingSecret" in said[0]
    demo = make_app(KEYS_DIR=str(tmp_path / "demo-keys"))
    with demo.app_context():
        init_instance(demo, get_profile(), said.append, {})
    assert sorted(p.name for p in (tmp_path / "demo-keys").iterdir() if p.is_dir()) == ["divoc", "hcert", "shc"]
