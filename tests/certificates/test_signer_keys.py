"""Private key files (issue #14, item 3): encrypted PKCS#8 with a passphrase from the environment
or a file; refused without it; ``cowin-kit keys encrypt`` for folders made before."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from cowin_kit.certificates.backends import BackendSettings, KeyBackendError, files
from cowin_kit.certificates.formats import jose
from cowin_kit.certificates.keys import KINDS, PURPOSES, KeyStore, SigningUnavailable

from .signer_support import sample, sign_all, verify_independently

PASSPHRASE = b"a long passphrase from the ministry's vault"
PURPOSE_OF = {kind: next(p for p, k in PURPOSES.items() if k == kind) for kind in KINDS}


def _generate(root, passphrase=None) -> KeyStore:
    store = KeyStore(root, BackendSettings(passphrase=passphrase))
    for kind in KINDS:
        store.generate(kind, issuer_name="Ministry of Health", country="IN")
    return store


def _private_files(root):
    return sorted(root.rglob("*.key.pem"))


def test_encrypted_keys_sign_with_the_passphrase_and_are_refused_without_it(tmp_path):
    store = _generate(tmp_path, PASSPHRASE)
    paths = _private_files(tmp_path)
    assert len(paths) == len(KINDS)
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):  # cryptography itself needs the password
            serialization.load_pem_private_key(data, password=None)
        assert serialization.load_pem_private_key(data, password=PASSPHRASE)
    for fmt, value in sign_all(store, sample()).items():
        verify_independently(fmt, value, store.active({"divoc_vc": "divoc", "shc": "shc"}.get(fmt, "hcert")))

    without = KeyStore(tmp_path)
    # the public side needs no passphrase: web pods verify and publish keys without it
    assert [k.kid for kind in KINDS for k in without.keys(kind)] == [k.kid for kind in KINDS for k in store.keys(kind)]
    for kind in KINDS:
        with pytest.raises(SigningUnavailable):
            without.sign(without.active(kind).kid, PURPOSE_OF[kind], b"message")
    with pytest.raises(KeyBackendError, match="COWIN_KIT_KEYS_PASSPHRASE"):
        files.load(paths[0], None)
    with pytest.raises(KeyBackendError, match="wrong COWIN_KIT_KEYS_PASSPHRASE"):
        files.load(paths[0], b"not the passphrase")
    wrong = KeyStore(tmp_path, BackendSettings(passphrase=b"not the passphrase"))
    with pytest.raises(SigningUnavailable):
        wrong.sign(wrong.active("shc").kid, "shc", b"message")


def test_the_passphrase_is_read_exactly_from_the_environment_or_a_file(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("COWIN_KIT_KEYS_PASSPHRASE", "0123")  # not the number 123
    app = make_app()
    assert BackendSettings.from_config(app.config).passphrase == b"0123"
    monkeypatch.delenv("COWIN_KIT_KEYS_PASSPHRASE")
    secret = tmp_path / "passphrase"
    secret.write_text("from a mounted Secret\n")
    assert BackendSettings.from_config({"KEYS_PASSPHRASE_FILE": str(secret)}).passphrase == b"from a mounted Secret"
    with pytest.raises(KeyBackendError, match="COWIN_KIT_KEYS_PASSPHRASE_FILE"):
        BackendSettings.from_config({"KEYS_PASSPHRASE_FILE": str(tmp_path / "missing")})
    with pytest.raises(KeyBackendError, match="files or pkcs11"):
        BackendSettings.from_config({"KEYS_BACKEND": "vault"})


def test_an_app_signs_with_encrypted_keys_given_the_passphrase(make_app, tmp_path, monkeypatch):
    from cowin_kit.certificates.stores import keystore

    _generate(tmp_path / "keys", PASSPHRASE)
    monkeypatch.setenv("COWIN_KIT_KEYS_PASSPHRASE", PASSPHRASE.decode())
    app = make_app(KEYS_DIR=str(tmp_path / "keys"))
    with app.app_context():
        store = keystore(app)
        info = store.active("shc")
        assert jose.verify(info.public_key, "ES256", store.sign(info.kid, "shc", b"m"), b"m")
    monkeypatch.delenv("COWIN_KIT_KEYS_PASSPHRASE")
    app = make_app(KEYS_DIR=str(tmp_path / "keys"))
    with app.app_context():
        store = keystore(app)
        with pytest.raises(SigningUnavailable):
            store.sign(store.active("shc").kid, "shc", b"m")


def test_keys_encrypt_encrypts_a_folder_made_without_a_passphrase(app, runner, monkeypatch, tmp_path):
    from cowin_kit.cli import cli

    root = tmp_path / "old-keys"
    before = _generate(root)
    kids = {kind: before.active(kind).kid for kind in KINDS}
    for path in _private_files(root):
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        path.with_name(path.name.replace(".key.pem", ".pub.pem")).unlink()  # as folders were before
    for name, value in {"COWIN_KIT_KEYS_DIR": str(root), "COWIN_KIT_DATABASE_URL": app.config["DATABASE_URL"],
                        "COWIN_KIT_SECRET_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    refused = runner.invoke(cli, ["keys", "encrypt"])
    assert refused.exit_code != 0 and "COWIN_KIT_KEYS_PASSPHRASE" in refused.output
    monkeypatch.setenv("COWIN_KIT_KEYS_PASSPHRASE", PASSPHRASE.decode())
    done = runner.invoke(cli, ["keys", "encrypt"])
    assert done.exit_code == 0, done.output
    assert f"{len(KINDS)} key file(s) encrypted" in done.output
    for path in _private_files(root):
        assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert path.stat().st_mode & 0o077 == 0
    after = KeyStore(root, BackendSettings(passphrase=PASSPHRASE))
    assert {kind: after.active(kind).kid for kind in KINDS} == kids
    info = after.active("divoc")
    assert jose.verify(info.public_key, "EdDSA", after.sign(info.kid, "divoc_vc", b"m"), b"m")
    again = runner.invoke(cli, ["keys", "encrypt"])
    assert "0 key file(s) encrypted" in again.output


def test_generate_warns_when_it_writes_unencrypted_keys(app, runner, monkeypatch, tmp_path):
    from cowin_kit.cli import cli

    for name, value in {"COWIN_KIT_KEYS_DIR": str(tmp_path / "k"), "COWIN_KIT_DATABASE_URL": app.config["DATABASE_URL"],
                        "COWIN_KIT_SECRET_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("COWIN_KIT_KEYS_PASSPHRASE", raising=False)
    done = runner.invoke(cli, ["keys", "generate", "--kind", "shc"])
    assert done.exit_code == 0, done.output
    assert "unencrypted" in done.output
