"""The signer (issue #14, item 2): private keys only in ``cowin-kit signer serve``, web pods sign
through it over mutual TLS, one call per certificate, every signature logged without personal
data, nothing private ever returned."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest

from cowin_kit.certificates.backends import BackendSettings
from cowin_kit.certificates.keys import FORMAT_KIND, KINDS, KeyStore, MissingKey, SigningUnavailable

from .signer_support import sample, sign_all, start_signer, stop_signer, verify_independently, wait_for_log

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("signer-keys")
    store = KeyStore(root, BackendSettings(passphrase=PASSPHRASE.encode()))
    for kind in KINDS:
        store.generate(kind, issuer_name="Ministry of Health", country="IN")
    return root


@pytest.fixture(scope="module")
def signer(tmp_path_factory, keys_dir):
    running = start_signer(tmp_path_factory.mktemp("signer"), keys_dir,
                           {"COWIN_KIT_KEYS_PASSPHRASE": PASSPHRASE})
    yield running
    stop_signer(running)


@pytest.fixture(scope="module")
def registry(keys_dir):
    """The signer's keys read as public keys only (no passphrase: nothing private is loaded)."""
    return KeyStore(keys_dir)


def _request(signer, method, path, body=None, tls=None):
    tls = tls or signer.tls
    context = signer.client_context(tls / "client.crt", tls / "client.key")
    connection = http.client.HTTPSConnection("127.0.0.1", signer.port, context=context, timeout=10)
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def test_every_format_signed_by_the_signer_is_accepted_by_independent_verifiers(signer, registry):
    remote = signer.remote_store()
    data = sample()
    signed = sign_all(remote, data)
    for fmt, value in signed.items():
        info = registry.active(FORMAT_KIND[fmt])  # the public key on the signer's own disk
        content = verify_independently(fmt, value, info)
        assert data.name in json.dumps(content, ensure_ascii=False)
    # the web pod's view of the keys is the signer's public registry
    for kind in KINDS:
        assert [(k.kid, k.algorithm, k.active) for k in remote.keys(kind)] == \
               [(k.kid, k.algorithm, k.active) for k in registry.keys(kind)]


def test_the_signer_refuses_a_client_without_a_valid_client_certificate(signer, tmp_path):
    from cowin_kit.certificates.signer import write_tls_material

    def get(context):
        connection = http.client.HTTPSConnection("127.0.0.1", signer.port, context=context, timeout=10)
        connection.request("GET", "/v1/keys")
        return connection.getresponse().status

    with pytest.raises((ssl.SSLError, ConnectionError)):
        get(signer.client_context())  # no client certificate
    other = tmp_path / "other-ca"
    write_tls_material(other, ["localhost"])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        get(signer.client_context(other / "client.crt", other / "client.key"))  # another CA's
    # the kit's client with such a certificate gets "signing unavailable", not a signature
    with pytest.raises(SigningUnavailable):
        signer.remote_store(tls=other).keys("shc")
    assert get(signer.client_context(signer.tls / "client.crt", signer.tls / "client.key")) == 200


def test_the_signer_returns_no_private_material(signer):
    status, body = _request(signer, "GET", "/v1/keys")
    assert status == 200
    text = json.dumps(body)
    assert "PRIVATE" not in text
    assert {item["kind"] for item in body["keys"]} == set(KINDS)
    for item in body["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(item["jwk"])


def test_every_signature_is_logged_with_key_and_format_but_no_personal_data(signer, registry):
    remote = signer.remote_store()
    data = sample()
    signed = sign_all(remote, data, formats=("shc", "divoc_vc"))
    shc_kid = registry.active("shc").kid
    divoc_kid = registry.active("divoc").kid
    log = wait_for_log(signer, f"kid={divoc_kid} purpose=divoc_vc")
    assert f"signature kind=shc kid={shc_kid} purpose=shc alg=ES256" in log
    assert f"signature kind=divoc kid={divoc_kid} purpose=divoc_vc alg=EdDSA" in log
    assert data.name not in log and data.reference_id not in log and data.certificate_id not in log
    assert signed["shc"].split(".")[2] not in log  # nor the signatures themselves


def test_the_signer_signs_only_what_the_formats_need(signer, registry):
    import base64

    hcert_kid = registry.active("hcert").kid
    digest = base64.b64encode(b"\x01" * 32).decode()
    ok = {"kid": hcert_kid, "purpose": "eu_dcc", "tbs": digest}
    assert _request(signer, "POST", "/v1/sign", {"requests": [ok]})[0] == 200
    assert _request(signer, "POST", "/v1/sign", {"requests": [{**ok, "purpose": "revocations"}]})[0] == 200
    # the document signer's key never signs SMART Health Cards, nor anything else
    assert _request(signer, "POST", "/v1/sign", {"requests": [{**ok, "purpose": "shc"}]})[0] == 404
    status, body = _request(signer, "POST", "/v1/sign", {"requests": [{**ok, "purpose": "tls"}]})
    assert status == 400 and "purpose" in body["error"]
    # ES256 signs a digest: whole messages (and whatever personal data they hold) are refused
    status, body = _request(signer, "POST", "/v1/sign",
                            {"requests": [{**ok, "tbs": base64.b64encode(b"Ved Prakash 1987").decode()}]})
    assert status == 400 and "32 bytes" in body["error"]
    assert _request(signer, "POST", "/v1/sign", {"requests": [ok] * 33})[0] == 400
    assert _request(signer, "POST", "/v1/sign", {"requests": []})[0] == 400
    assert _request(signer, "POST", "/v1/sign", b"{not json")[0] == 400
    assert _request(signer, "POST", "/v1/sign", {"requests": [{**ok, "tbs": "***"}]})[0] == 400
    assert _request(signer, "POST", "/v1/sign", {"requests": [{**ok, "kid": "nope"}]})[0] == 404
    assert _request(signer, "POST", "/v1/sign", b"x" * (70 * 1024))[0] == 413


@pytest.fixture
def web_app(make_app, signer, tmp_path):
    """A web pod's app: an empty keys folder, the signer's URL and client certificate."""
    from flask_babel import force_locale

    from cowin_kit.profiles import get_profile

    app = make_app(WTF_CSRF_ENABLED=False, KEYS_DIR=str(tmp_path / "no-keys"), **signer.config())
    with app.app_context():
        with force_locale("en"):
            get_profile()
        yield app


def _issued_certificate(db):
    from cowin_kit.booking.models import Facility
    from cowin_kit.certificates import issuance

    from .world import make_area, make_dose, make_person

    district = make_area(db, "S-1", make_area(db, "S"), 2)
    facility = Facility(code="SF", name="PHC Aundh", area_id=district.id, fee_type="Free", address="Main Road")
    db.session.add(facility)
    db.session.flush()
    person = make_person(db, name="Asha Devi")
    dose = make_dose(db, person, facility, dose_number=1)
    cert = issuance.issue_for_dose(dose)
    db.session.commit()
    return cert


def test_a_download_signs_every_format_of_a_certificate_in_one_signer_call(web_app, signer, registry,
                                                                           monkeypatch):
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.signer import RemoteKeyStore
    from cowin_kit.core.db import db

    store = keystore(web_app)
    assert isinstance(store, RemoteKeyStore)
    cert = _issued_certificate(db)
    calls = []
    original = RemoteKeyStore._call

    def counting(self, method, path, body=None):
        calls.append((method, path))
        return original(self, method, path, body)

    monkeypatch.setattr(RemoteKeyStore, "_call", counting)
    formats = issuance.enabled_formats()
    assert len(formats) > 1
    signed = {fmt: issuance.render(cert, fmt) for fmt in formats}
    assert [call for call in calls if call[1] == "/v1/sign"] == [("POST", "/v1/sign")]
    for fmt, value in signed.items():
        verify_independently(fmt, value, registry.active(FORMAT_KIND[fmt]))


def test_web_pods_answer_503_while_the_signer_is_unreachable(make_app, tmp_path, signer):
    from .signer_support import free_port

    config = {**signer.config(), "SIGNER_URL": f"https://127.0.0.1:{free_port()}"}
    app = make_app(KEYS_DIR=str(tmp_path / "no-keys"), **config)
    response = app.test_client().get("/api/kit/v1/certificates/keys")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "SIGNING_UNAVAILABLE"
    assert response.headers["Retry-After"]


def test_a_web_pod_cannot_make_keys(make_app, tmp_path, signer):
    from cowin_kit.certificates.backends import KeyBackendError
    from cowin_kit.certificates.stores import keystore

    app = make_app(KEYS_DIR=str(tmp_path / "no-keys"), **signer.config())
    with app.app_context():
        store = keystore(app)
        with pytest.raises(KeyBackendError, match="where the signer runs"):
            store.generate("shc")
        with pytest.raises(MissingKey):
            store.get("shc", "not-a-key")
    assert not (tmp_path / "no-keys").exists()


def test_signer_url_without_a_client_certificate_is_refused(make_app, tmp_path):
    from cowin_kit.certificates.backends import KeyBackendError
    from cowin_kit.certificates.stores import keystore

    app = make_app(KEYS_DIR=str(tmp_path / "k"), SIGNER_URL="https://signer:8443")
    with app.app_context(), pytest.raises(KeyBackendError, match="COWIN_KIT_SIGNER_CLIENT_CERT"):
        keystore(app)


def test_a_signer_reached_by_address_is_checked_against_the_name_its_certificate_holds(signer):
    from cowin_kit.certificates.signer import RemoteKeyStore

    def store(server_name):
        return RemoteKeyStore(f"https://127.0.0.1:{signer.port}".replace("127.0.0.1", "localhost"),
                              client_cert=str(signer.tls / "client.crt"), client_key=str(signer.tls / "client.key"),
                              ca=str(signer.tls / "ca.crt"), server_name=server_name)

    assert store("127.0.0.1").keys("shc")  # a name the server certificate holds
    with pytest.raises(SigningUnavailable):
        store("cowin-kit-signer").keys("shc")  # not in the certificate: refused, not trusted
