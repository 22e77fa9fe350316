"""The verifier names what it shows: products, types, manufacturers, diseases, the issuer; and
its reasons come from codes the format modules give, in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from cowin_kit.certificates import valuesets
from cowin_kit.certificates.formats import divoc_vc, eu_dcc, hcert, shc

from .samples import certificate, dose, ec_key_and_certificate, ed25519_key


@pytest.fixture
def app(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        yield app


def test_codes_get_names_from_profiles_and_value_sets(app):
    assert valuesets.product_name("XM1G90") == "COVAXIN"  # India's ICD-11 code for COVAXIN
    assert valuesets.product_name("EU/1/20/1528") == "PFIZER-BIONTECH"  # shipped profiles' name
    assert valuesets.manufacturer_name("ORG-100001981") == "Serum Institute of India"
    assert valuesets.type_name("1119349007") == "mRNA vaccine"
    assert valuesets.disease_name("840539006") == "COVID-19"
    assert valuesets.product_name("UNKNOWN-1") == "UNKNOWN-1"  # shown as it is


def test_foreign_dcc_shows_names_and_the_signer_organisation(app):
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier

    key, cert = ec_key_and_certificate("Foreign DSC")
    text = eu_dcc.encode(certificate(issued_at=dt.datetime.now(dt.timezone.utc), valid_until=None),
                         hcert.HcertSigner(key, cert))
    trust = keystore(app).root / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "foreign.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    result = app_verifier().verify(text)
    assert result.status == "valid"
    assert result.issuer_name == "Foreign DSC"  # the DSC's subject (no organisation given)
    named = result.to_dict()["vaccination"]
    assert named["vaccine_name"] == "COVISHIELD" and named["manufacturer_name"] == "Serum Institute of India"
    assert named["type_name"] == "Non-replicating viral vector vaccine"
    assert named["disease_name"] == "COVID-19"


def test_reasons_come_from_error_codes_not_words(app):
    """A format module's message can change; the reason code it raises with decides."""
    from cowin_kit.certificates.verify import _error_reason

    assert _error_reason(shc.ShcError("Signatur stimmt nicht", "BAD_SIGNATURE")) == "BAD_SIGNATURE"
    assert _error_reason(divoc_vc.DivocError("unknown signing key")) == "UNREADABLE"  # no code
    assert _error_reason(divoc_vc.DivocError("x", "UNKNOWN_ISSUER")) == "UNKNOWN_ISSUER"
    assert _error_reason(ValueError("signature")) == "UNREADABLE"


def test_unknown_divoc_key_reason_is_translated(app):
    from flask_babel import force_locale

    from cowin_kit.certificates.verify import app_verifier

    signed = divoc_vc.encode(certificate(doses=[dose(1)]), ed25519_key(),
                             "https://elsewhere.example/keys#nope")
    result = app_verifier().verify(divoc_vc.qr_bytes(signed))
    assert result.reason_code == "UNKNOWN_ISSUER"
    with force_locale("en"):
        english = str(result.reason)
    assert "key we do not know" in english
    # a lazy string: rendered in the reader's locale when the page is, not when verified
    assert type(result.reason).__name__ == "LazyString"
