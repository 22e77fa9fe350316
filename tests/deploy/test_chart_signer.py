"""The chart's signer (issue #14, item 2): private keys only in the signer pods; web pods hold the
signer's URL and a client certificate, never a private signing key; only web pods reach it."""

from __future__ import annotations

import base64
import socket
import ssl
import threading

import pytest
from cryptography import x509

from tests.deploy.conftest import PRODUCTION_VALUES, SIGNER_DEPLOYMENT
from tests.deploy.test_chart import EVERYTHING, HTTP_SMS, env_of

CASES = {"default": {}, "production": {"values_files": [PRODUCTION_VALUES]},
         "everything": {"values": EVERYTHING, "set": HTTP_SMS}}
KEY_SETTINGS = {"COWIN_KIT_KEYS_PASSPHRASE", "COWIN_KIT_KEYS_PASSPHRASE_FILE", "COWIN_KIT_PKCS11_PIN",
                "COWIN_KIT_PKCS11_PIN_FILE", "COWIN_KIT_PKCS11_MODULE"}


def _pods(rendered):
    """(name, pod spec) of every workload."""
    for doc in rendered:
        spec = doc.get("spec", {})
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if doc["kind"] in ("Deployment", "Job", "CronJob"):
            yield doc["metadata"]["name"], spec["template"]["spec"]
        elif doc["kind"] == "Pod":
            yield doc["metadata"]["name"], spec


def _signing_keys_secret(rendered) -> str:
    signer = rendered.pod_template("Deployment", SIGNER_DEPLOYMENT)["spec"]
    return next(v["secret"]["secretName"] for v in signer["volumes"] if v["name"] == "signing-keys-secret")


@pytest.mark.parametrize("case", CASES)
def test_web_pods_env_and_volumes_hold_no_private_key(render, case):
    rendered = render(**CASES[case])
    keys_secret = _signing_keys_secret(rendered)
    tls_secret = next(doc["metadata"]["name"] for doc in rendered.of_kind("Secret")
                      if doc["metadata"]["name"].endswith("signer-tls")) if case != "production" \
        else "cowin-kit-signer-tls"
    web = rendered.pod_template("Deployment")["spec"]
    container = rendered.web_container()
    env = env_of(container)
    assert env["COWIN_KIT_SIGNER_URL"]["value"] == "https://cowin-kit-signer:8443"
    assert not KEY_SETTINGS & set(env)
    assert "initContainers" not in web
    volumes = {v["name"]: v for v in web["volumes"]}
    assert all(v.get("secret", {}).get("secretName") != keys_secret for v in volumes.values())
    # of the signer's TLS Secret, the web pods get the client side only
    tls = volumes["signer-tls"]["secret"]
    assert tls["secretName"] == tls_secret
    assert sorted(item["key"] for item in tls["items"]) == ["ca.crt", "client.crt", "client.key"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert env["COWIN_KIT_SIGNER_CLIENT_KEY"]["value"] == mounts["signer-tls"] + "/client.key"
    assert env["COWIN_KIT_SIGNER_CA"]["value"] == mounts["signer-tls"] + "/ca.crt"
    # no other workload but the signer (and the Job that makes the keys) sees the keys Secret
    for name, pod in _pods(rendered):
        if name in (SIGNER_DEPLOYMENT, "cowin-kit-signing-keys"):
            continue
        for volume in pod.get("volumes", []):
            assert volume.get("secret", {}).get("secretName") != keys_secret, name
            items = {item["key"] for item in volume.get("secret", {}).get("items", [])}
            assert "server.key" not in items, name


@pytest.mark.parametrize("case", CASES)
def test_the_signer_alone_mounts_the_keys_and_serves_mutual_tls(render, case):
    rendered = render(**CASES[case])
    pod = rendered.pod_template("Deployment", SIGNER_DEPLOYMENT)["spec"]
    container = pod["containers"][0]
    assert container["command"] == ["cowin-kit"] and container["args"][:2] == ["signer", "serve"]
    args = dict(zip(container["args"][2::2], container["args"][3::2]))
    assert args["--bind"] == "0.0.0.0:8443"
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    tls_path = mounts["signer-tls"]["mountPath"]
    assert (args["--cert"], args["--key"], args["--client-ca"]) == (
        f"{tls_path}/server.crt", f"{tls_path}/server.key", f"{tls_path}/ca.crt")
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert sorted(i["key"] for i in volumes["signer-tls"]["secret"]["items"]) == ["ca.crt", "server.crt", "server.key"]
    assert volumes["signing-keys"]["emptyDir"]["medium"] == "Memory"
    assert mounts["signing-keys"]["readOnly"] is True
    env = env_of(container)
    assert env["COWIN_KIT_KEYS_DIR"]["value"] == mounts["signing-keys"]["mountPath"]
    assert "COWIN_KIT_DATABASE_URL" not in env and "COWIN_KIT_SECRET_KEY" not in env
    if case == "production":
        assert env["COWIN_KIT_KEYS_PASSPHRASE"]["valueFrom"]["secretKeyRef"] == {
            "name": "cowin-kit-keys-passphrase", "key": "keys-passphrase"}
        assert volumes["signer-tls"]["secret"]["secretName"] == "cowin-kit-signer-tls"
    # hardened like the web pods; probed on its port (the handshake needs a client certificate)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    for each in pod["initContainers"] + pod["containers"]:
        assert each["securityContext"]["readOnlyRootFilesystem"] is True
        assert each["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert each["resources"]["requests"] and each["resources"]["limits"]
    assert container["readinessProbe"]["tcpSocket"]["port"] == "https"
    service = rendered.one("Service", SIGNER_DEPLOYMENT)
    assert service["spec"]["ports"][0]["port"] == 8443
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "signer"


def test_only_web_pods_reach_the_signer(render):
    rendered = render()
    policy = rendered.one("NetworkPolicy", SIGNER_DEPLOYMENT)["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "signer"
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    [rule] = policy["ingress"]
    assert [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in rule["from"]] == ["web"]
    assert rule["ports"] == [{"port": "https", "protocol": "TCP"}]
    assert {p["port"] for rule in policy["egress"] for p in rule["ports"]} == {53}
    web = rendered.one("NetworkPolicy", "cowin-kit")["spec"]
    to_signer = [rule for rule in web["egress"] if "to" in rule]
    assert to_signer == [{"to": [{"podSelector": {"matchLabels": policy["podSelector"]["matchLabels"]}}],
                          "ports": [{"port": 8443, "protocol": "TCP"}]}]
    hsm = render(values={"signer": {"egressPorts": [{"port": 1792, "protocol": "TCP"}]}})
    egress = hsm.one("NetworkPolicy", SIGNER_DEPLOYMENT)["spec"]["egress"]
    assert {p["port"] for rule in egress for p in rule["ports"]} == {53, 1792}


def test_the_pkcs11_backend_takes_its_pin_from_a_secret(render):
    values = {"signer": {"keysBackend": "pkcs11", "pkcs11": {
        "module": "/usr/lib/hsm/libvendor.so", "token": "moh-dsc", "existingSecret": "hsm-pin"}}}
    env = env_of(render(values=values).pod_template("Deployment", SIGNER_DEPLOYMENT)["spec"]["containers"][0])
    assert env["COWIN_KIT_KEYS_BACKEND"]["value"] == "pkcs11"
    assert env["COWIN_KIT_PKCS11_MODULE"]["value"] == "/usr/lib/hsm/libvendor.so"
    assert env["COWIN_KIT_PKCS11_TOKEN"]["value"] == "moh-dsc"
    assert env["COWIN_KIT_PKCS11_PIN"]["valueFrom"]["secretKeyRef"] == {"name": "hsm-pin", "key": "pkcs11-pin"}
    done = render(values={"signer": {"keysBackend": "pkcs11"}}, expect_ok=False)
    assert done.returncode != 0 and "signer.pkcs11.module" in done.stderr


def test_without_the_signer_the_web_pods_mount_the_keys_as_before(render):
    rendered = render(values={"signer": {"enabled": False}})
    assert not [d for d in rendered if d["metadata"]["name"].startswith(SIGNER_DEPLOYMENT)]
    pod = rendered.pod_template("Deployment")["spec"]
    assert pod["initContainers"][0]["name"] == "signing-keys"
    assert "COWIN_KIT_SIGNER_URL" not in env_of(rendered.web_container())


def test_the_chart_made_certificates_give_working_mutual_tls(render, tmp_path):
    rendered = render()
    secret = next(d for d in rendered.of_kind("Secret") if d["metadata"]["name"] == "cowin-kit-signer-tls")
    files = {name: base64.b64decode(value) for name, value in secret["data"].items()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    ca = x509.load_pem_x509_certificate(files["ca.crt"])
    server = x509.load_pem_x509_certificate(files["server.crt"])
    client = x509.load_pem_x509_certificate(files["client.crt"])
    server.verify_directly_issued_by(ca)
    client.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert "cowin-kit-signer" in names and "cowin-kit-signer.cowin.svc" in names

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    server_context.load_verify_locations(tmp_path / "ca.crt")
    server_context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen = {}

    def serve():
        raw, _ = listener.accept()
        with server_context.wrap_socket(raw, server_side=True) as tls:
            seen["client"] = tls.getpeercert()["subject"]
            tls.sendall(b"ok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
    client_context.load_cert_chain(tmp_path / "client.crt", tmp_path / "client.key")
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with client_context.wrap_socket(raw, server_hostname="cowin-kit-signer") as tls:
            assert tls.recv(2) == b"ok"
    thread.join(10)
    listener.close()
    assert seen["client"]
