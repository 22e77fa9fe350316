"""Private keys in a PKCS#11 token (issue #14, item 3), against SoftHSM2 (Debian softhsm2, which
CI installs): keys are made inside the token and never leave it; certificates signed through it
in every format are accepted by independent verifiers (cwt, jwcrypto, pyld + cryptography)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cowin_kit.certificates.backends import BackendSettings, KeyBackendError
from cowin_kit.certificates.keys import FORMAT_KIND, KINDS, KeyStore, SigningUnavailable

from .signer_support import sample, sign_all, start_signer, stop_signer, verify_independently

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
PIN = "0123456"  # a leading zero: the PIN is read exactly as given, never as a number


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """A fresh SoftHSM2 token: (module path, token label, environment to reach it)."""
    module = next((path for path in MODULES if Path(path).is_file()), None)
    util = shutil.which("softhsm2-util")
    if module is None or util is None:
        pytest.fail("SoftHSM2 is not installed: apt-get install softhsm2 (CI's .ci/run does)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {"SOFTHSM2_CONF": str(conf)}
    subprocess.run([util, "--init-token", "--free", "--label", "cowin-kit-test", "--so-pin", "87654321",
                    "--pin", PIN], check=True, capture_output=True, env={**env, "PATH": "/usr/bin:/bin"})
    return module, "cowin-kit-test", env


@pytest.fixture
def hsm_env(softhsm, monkeypatch):
    module, token, env = softhsm
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COWIN_KIT_PKCS11_PIN", PIN)
    return module, token


def _settings(module, token, **extra):
    return BackendSettings.from_config({"KEYS_BACKEND": "pkcs11", "PKCS11_MODULE": module, "PKCS11_TOKEN": token,
                                        **extra})


@pytest.fixture
def hsm_store(hsm_env, tmp_path):
    module, token = hsm_env
    store = KeyStore(tmp_path / "keys", _settings(module, token))
    for kind in KINDS:
        store.generate(kind, issuer_name="Ministry of Health", country="IN")
    return store


def test_certificates_signed_in_the_hsm_pass_independent_verifiers_in_every_format(hsm_store):
    data = sample()
    signed = sign_all(hsm_store, data)
    assert set(signed) == set(FORMAT_KIND)
    for fmt, value in signed.items():
        info = hsm_store.active(FORMAT_KIND[fmt])
        assert info.backend == "pkcs11"
        content = verify_independently(fmt, value, info)
        assert data.name in json.dumps(content, ensure_ascii=False)
    assert {hsm_store.active(kind).algorithm for kind in KINDS} == {"EdDSA", "ES256"}
    # the document-signer certificate was self-signed inside the token
    dsc = hsm_store.active("hcert").certificate
    dsc.verify_directly_issued_by(dsc)


def test_an_rsa_credential_key_in_the_hsm_signs_divoc_ps256(hsm_store):
    info = hsm_store.rotate("divoc", algorithm="rsa", issuer_name="Ministry of Health", country="IN",
                            delay=__import__("datetime").timedelta(0))
    assert info.algorithm == "PS256" and info.backend == "pkcs11"
    signed = sign_all(hsm_store, sample(), formats=("divoc_vc",))
    assert signed["divoc_vc"]["proof"]["type"] == "RsaSignature2018"
    verify_independently("divoc_vc", signed["divoc_vc"], hsm_store.active("divoc"))


def test_hsm_keys_stay_in_the_token(hsm_store, hsm_env):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    module, token = hsm_env
    root = hsm_store.root
    assert not list(root.rglob("*.key.pem"))
    references = sorted(root.rglob("*.pkcs11.json"))
    assert len(references) == len(KINDS)
    session = pkcs11.lib(module).get_token(token_label=token).open()  # this process is logged in
    try:
        for reference in references:
            key_id = bytes.fromhex(json.loads(reference.read_text())["id"])
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
            assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE]
            with pytest.raises(pkcs11.PKCS11Error):
                key[Attribute.VALUE]  # the private value cannot be read out
    finally:
        session.close()


def test_the_signer_signs_with_hsm_keys(hsm_store, hsm_env, tmp_path, softhsm):
    module, token = hsm_env
    running = start_signer(tmp_path, hsm_store.root, {
        **softhsm[2], "COWIN_KIT_KEYS_BACKEND": "pkcs11", "COWIN_KIT_PKCS11_MODULE": module,
        "COWIN_KIT_PKCS11_TOKEN": token, "COWIN_KIT_PKCS11_PIN": PIN})
    try:
        signed = sign_all(running.remote_store(), sample())
    finally:
        stop_signer(running)
    for fmt, value in signed.items():
        verify_independently(fmt, value, hsm_store.active(FORMAT_KIND[fmt]))


def test_a_wrong_pin_or_missing_settings_are_refused_with_what_to_fix(hsm_store, hsm_env, softhsm,
                                                                       monkeypatch):
    import os
    import sys

    module, token = hsm_env
    # PKCS#11 logs in once per process: a wrong PIN is tried in a process of its own
    script = ("from cowin_kit.certificates.backends import BackendSettings\n"
              "from cowin_kit.certificates.keys import KeyStore\n"
              f"store = KeyStore({str(hsm_store.root)!r}, BackendSettings.from_config("
              f"{{'KEYS_BACKEND': 'pkcs11', 'PKCS11_MODULE': {module!r}, 'PKCS11_TOKEN': {token!r}}}))\n"
              "store.generate('shc', force=True)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COWIN_KIT_")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**env, **softhsm[2], "COWIN_KIT_PKCS11_PIN": "999999"})
    assert done.returncode != 0
    assert "check the module path, the token label and the PIN" in done.stderr
    assert "999999" not in done.stderr
    monkeypatch.delenv("COWIN_KIT_PKCS11_PIN")
    with pytest.raises(KeyBackendError, match="COWIN_KIT_PKCS11_PIN"):
        KeyStore(hsm_store.root, _settings(module, token)).generate("shc", force=True)
    with pytest.raises(KeyBackendError, match="COWIN_KIT_PKCS11_MODULE"):
        KeyStore(hsm_store.root, _settings("", token, PKCS11_PIN=PIN)).generate("shc", force=True)
    # signing with a key whose token cannot be opened: a 503 for the web pod, detail in the log
    broken = KeyStore(hsm_store.root, _settings(module + ".missing", token, PKCS11_PIN=PIN))
    with pytest.raises(SigningUnavailable):
        broken.sign(broken.active("shc").kid, "shc", b"message")


def test_the_pin_may_come_from_a_file(hsm_store, hsm_env, monkeypatch, tmp_path):
    module, token = hsm_env
    monkeypatch.delenv("COWIN_KIT_PKCS11_PIN")
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    store = KeyStore(hsm_store.root, _settings(module, token, PKCS11_PIN_FILE=str(pin_file)))
    info = store.active("shc")
    assert len(store.sign(info.kid, "shc", b"message")) == 64
