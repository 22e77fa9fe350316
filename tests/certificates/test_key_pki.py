"""National PKI for the EU DCC document signer (issue #14): the CSR for the CSCA, installing the
CSCA-signed certificate with its chain, and refusing a DSC outside its validity."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .test_key_lifecycle import app, issue, later, payloads, place, signed_kid  # noqa: F401 - fixtures

DCC_EKUS = {"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.1847.2021.1.3"}


def make_csca(country="IN", name="Test CSCA"):
    """A country signing CA made here, as a ministry's CSCA would be."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def csca_sign(csr: x509.CertificateSigningRequest, csca_key, csca_cert, days=365, start_days=-1):
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(csca_cert.subject)
               .public_key(csr.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + dt.timedelta(days=start_days)).not_valid_after(now + dt.timedelta(days=days)))
    for extension in csr.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return builder.sign(csca_key, hashes.SHA256())


@pytest.fixture
def cli_env(app, monkeypatch):  # noqa: F811
    for name in ("KEYS_DIR", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.setenv(f"COWIN_KIT_{name}", app.config[name])
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "x")


def make_csr(runner, tmp_path, *args) -> x509.CertificateSigningRequest:
    from cowin_kit.cli import cli

    out = tmp_path / "dsc.csr"
    done = runner.invoke(cli, ["keys", "csr", "--out", str(out), *args])
    assert done.exit_code == 0, done.output
    return x509.load_pem_x509_csr(out.read_bytes())


def test_csr_has_the_dsc_profile(app, runner, cli_env, tmp_path):  # noqa: F811
    from cowin_kit.certificates.stores import keystore

    csr = make_csr(runner, tmp_path, "--common-name", "Ministry of Health DSC 1")
    assert csr.is_signature_valid
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert csr.public_key().public_bytes(*spki) == keystore(app).active("hcert").public_key.public_bytes(*spki)
    assert csr.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "IN"
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Ministry of Health DSC 1"
    usage = csr.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert not (usage.value.key_cert_sign or usage.value.crl_sign or usage.value.key_encipherment)
    ekus = {oid.dotted_string for oid in csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value}
    assert ekus == DCC_EKUS
    assert ExtendedKeyUsageOID.SERVER_AUTH.dotted_string not in ekus


def test_csr_is_for_the_next_key_after_a_rotation(app, runner, cli_env, tmp_path):  # noqa: F811
    from cowin_kit.certificates.stores import keystore

    store = keystore(app)
    new = store.rotate("hcert", public_url=app.config["PUBLIC_URL"])
    csr = make_csr(runner, tmp_path)
    assert csr.public_key().public_numbers() == new.public_key.public_numbers()


def test_import_certificate_installs_the_csca_signed_dsc_and_its_chain(app, db, place, runner, cli_env, tmp_path):  # noqa: F811
    from cowin_kit.certificates.formats.hcert import kid_for
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier
    from cowin_kit.cli import cli

    store = keystore(app)
    before = issue(db, place)
    self_signed = payloads(before)  # signed under the self-signed DSC
    old_kid = store.active("hcert").kid
    csca_key, csca = make_csca()
    dsc = csca_sign(make_csr(runner, tmp_path), csca_key, csca)
    (tmp_path / "dsc.pem").write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "csca.der").write_bytes(csca.public_bytes(serialization.Encoding.DER))
    done = runner.invoke(cli, ["keys", "import-certificate", str(tmp_path / "dsc.pem"),
                               "--chain", str(tmp_path / "csca.der")])
    assert done.exit_code == 0, done.output
    active = store.active("hcert")
    assert active.certificate == dsc and active.kid != old_kid
    listed = app.test_client().get("/api/kit/v1/certificates/keys").get_json()["formats"]["eu_dcc"]
    by_kid = {k["kid"]: k for k in listed}
    assert by_kid[active.kid]["status"] == "active"
    import base64

    assert [x509.load_der_x509_certificate(base64.b64decode(c)) for c in by_kid[active.kid]["chain"]] == [csca]
    assert by_kid[old_kid]["status"] == "retired"  # the self-signed DSC stays published
    after = payloads(before)
    assert signed_kid("eu_dcc", after["eu_dcc"]) == active.kid
    assert kid_for(dsc) == base64.b64decode(active.kid)
    verifier = app_verifier(app)
    for fmt in ("eu_dcc", "ddcc"):
        assert verifier.verify(self_signed[fmt]).status == "valid", fmt
        assert verifier.verify(after[fmt]).status == "valid", fmt


def test_import_certificate_refuses_a_certificate_for_another_key(app, runner, cli_env, tmp_path):  # noqa: F811
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.lifecycle import dsc_csr
    from cowin_kit.cli import cli

    store = keystore(app)
    csca_key, csca = make_csca()
    stranger = dsc_csr(ec.generate_private_key(ec.SECP256R1()), country="IN", common_name="Not ours")
    (tmp_path / "other.pem").write_bytes(csca_sign(stranger, csca_key, csca).public_bytes(serialization.Encoding.PEM))
    (tmp_path / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    before = store.active("hcert").certificate
    refused = runner.invoke(cli, ["keys", "import-certificate", str(tmp_path / "other.pem"),
                                  "--chain", str(tmp_path / "csca.pem")])
    assert refused.exit_code == 1
    assert "not for any document-signer key" in refused.output
    assert store.active("hcert").certificate == before


def test_import_certificate_refuses_a_chain_that_does_not_verify(app, runner, cli_env, tmp_path):  # noqa: F811
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.cli import cli

    store = keystore(app)
    csca_key, _csca = make_csca()
    _other_key, other_csca = make_csca(name="Test CSCA")  # same name, another key
    dsc = csca_sign(make_csr(runner, tmp_path), csca_key, _csca)
    (tmp_path / "dsc.pem").write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "wrong.pem").write_bytes(other_csca.public_bytes(serialization.Encoding.PEM))
    before = store.active("hcert").certificate
    refused = runner.invoke(cli, ["keys", "import-certificate", str(tmp_path / "dsc.pem"),
                                  "--chain", str(tmp_path / "wrong.pem")])
    assert refused.exit_code == 1 and "the chain does not verify" in refused.output
    missing = runner.invoke(cli, ["keys", "import-certificate", str(tmp_path / "dsc.pem")])
    assert missing.exit_code == 1 and "--chain" in missing.output
    assert store.active("hcert").certificate == before


def test_an_expired_dsc_is_refused_at_issuance_with_a_clear_error(app, db, place, later):  # noqa: F811
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.lifecycle import DscInvalid
    from cowin_kit.vaccination.models import DoseRecord

    cert = issue(db, place)
    end = keystore(app).active("hcert").certificate.not_valid_after_utc
    later((end - dt.datetime.now(dt.timezone.utc)).total_seconds() / 3600 + 24)  # a day past its end
    dose = db.session.get(DoseRecord, cert.dose_record_id)
    with pytest.raises(DscInvalid) as refused:
        issuance.issue_for_dose(dose)
    assert refused.value.status == 409
    assert "not valid today" in refused.value.text() and "keys csr" in refused.value.text()
    db.session.rollback()
    with pytest.raises(DscInvalid):
        issuance.render(cert, "eu_dcc")
    assert issuance.render(cert, "shc")  # the other formats do not depend on the DSC


def test_a_dsc_not_valid_yet_is_refused(app, db, place, runner, cli_env, tmp_path):  # noqa: F811
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.lifecycle import DscInvalid
    from cowin_kit.cli import cli
    from cowin_kit.vaccination.models import DoseRecord

    cert = issue(db, place)
    csca_key, csca = make_csca()
    dsc = csca_sign(make_csr(runner, tmp_path), csca_key, csca, start_days=3)
    (tmp_path / "dsc.pem").write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    done = runner.invoke(cli, ["keys", "import-certificate", str(tmp_path / "dsc.pem"),
                               "--chain", str(tmp_path / "csca.pem")])
    assert done.exit_code == 0, done.output
    with pytest.raises(DscInvalid):
        issuance.issue_for_dose(db.session.get(DoseRecord, cert.dose_record_id))


def test_readyz_warns_before_the_dsc_expires(app, later):  # noqa: F811
    from cowin_kit.certificates.stores import keystore

    end = keystore(app).active("hcert").certificate.not_valid_after_utc
    client = app.test_client()
    body = client.get("/readyz").get_json()
    assert body["checks"]["signing_keys"] == "ok" and "signing_keys_days_left" not in body
    left = (end - dt.datetime.now(dt.timezone.utc)).total_seconds() / 3600
    later(left - 10 * 24 - 1)  # ten days (and an hour) before the end
    body = client.get("/readyz").get_json()
    assert body["checks"]["signing_keys"] == "expiring" and body["signing_keys_days_left"] == 10
    assert body["status"] == "ready"
    later(left + 1)
    body = client.get("/readyz").get_json()
    assert body["checks"]["signing_keys"] == "failing" and body["status"] == "degraded"
