"""/verify: camera scanning with the bundled decoder, names for codes, issuer by name,
reasons by code in the page's language, the answer in a live region."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cowin_kit.certificates.formats import eu_dcc, hcert

from .samples import certificate, ec_key_and_certificate


@pytest.fixture
def app(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)  # the page's own form test; CSRF is tested elsewhere
    with app.app_context():
        yield app


def test_page_loads_the_bundled_scanner_and_decoder(app):
    client = app.test_client()
    page = client.get("/verify").get_data(as_text=True)
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)
    assert "/static/certificates/vendor/jsqr/jsQR.js" in sources
    assert "/static/certificates/verify-scan.js" in sources
    decoder = client.get("/static/certificates/vendor/jsqr/jsQR.js")
    assert decoder.status_code == 200 and b"jsQR" in decoder.data
    decoder.close()
    scanner = client.get("/static/certificates/verify-scan.js")
    assert b"BarcodeDetector" in scanner.data and b"getUserMedia" in scanner.data
    scanner.close()
    assert 'id="scan-start"' in page and "hidden" in page  # shown by the script when usable
    assert 'aria-live="polite"' in page


def test_valid_certificate_names_its_codes_and_issuer(app):
    from cryptography.hazmat.primitives import serialization

    from cowin_kit.certificates.stores import keystore

    key, cert = ec_key_and_certificate("Ministry of Health, Elsewhere")
    trust = keystore(app).root / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "elsewhere.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    text = eu_dcc.encode(certificate(issued_at=dt.datetime.now(dt.timezone.utc), valid_until=None),
                         hcert.HcertSigner(key, cert))
    html = app.test_client().post("/verify", data={"payload": text}).get_data(as_text=True)
    assert "genuine and valid" in html
    assert "COVISHIELD" in html and "Serum Institute of India" in html
    assert "Non-replicating viral vector vaccine" in html and "COVID-19" in html
    assert "Ministry of Health, Elsewhere" in html  # the signer, by name
    assert "ORG-100001981" not in html  # the manufacturer's code stays out of sight


def test_unknown_issuer_reason_in_the_readers_language(app):
    key, cert = ec_key_and_certificate("Elsewhere")
    text = eu_dcc.encode(certificate(issued_at=dt.datetime.now(dt.timezone.utc), valid_until=None),
                         hcert.HcertSigner(key, cert))
    client = app.test_client()
    html = client.post("/verify?lang=en", data={"payload": text}).get_data(as_text=True)
    assert 'data-reason="UNKNOWN_ISSUER"' in html
    assert "signed with a key we do not know" in html
