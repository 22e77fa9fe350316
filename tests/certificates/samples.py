"""Sample certificate data and throw-away keys for format tests (no database)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from cowin_kit.certificates.formats import Address, CertificateData, DoseData, Issuer
from cowin_kit.certificates.formats.eu_dcc import make_uvci

COVISHIELD = {"eu_mp": "Covishield", "eu_ma": "ORG-100001981", "eu_vp": "29061000087103",
              "icd11": "XM97T2", "icd11_type": "XM9QW8", "snomed": "29061000087103"}
ISSUER = Issuer(name="Ministry of Health and Family Welfare", country="IN", country3="IND",
                url="https://cowin.example")


def dose(n: int = 1, total: int = 2, **kw) -> DoseData:
    values = dict(vaccine_id="covishield", vaccine_name="COVISHIELD", manufacturer="Serum Institute of India",
                  codes=COVISHIELD, batch=f"4121Z0{n}5", date=dt.date(2021, 5, 1) + dt.timedelta(days=84 * (n - 1)),
                  dose_number=n, series_total=total, is_booster=n > total,
                  facility_name="PHC Aundh", facility_address=Address(street="Main Road", district="Pune",
                                                                      region="Maharashtra", country="IN",
                                                                      postal_code="411007"),
                  vaccinator_name="Dr. Asha Patil", country="IN", country3="IND")
    values.update(kw)
    return DoseData(**values)


def certificate(name: str = "Ved Prakash", doses=None, **kw) -> CertificateData:
    values = dict(certificate_id="12345678901", uvci=make_uvci("IN", "CK12345678901"),
                  reference_id="12345678901234", name=name, birth_year=1987, gender="M",
                  gender_label="Male", id_type="aadhaar", id_masked="XXXXXXXX1234", nationality="Indian",
                  address=Address(district="Pune", region="Maharashtra", country="IN"),
                  doses=tuple(doses or (dose(1), dose(2))), issuer=ISSUER,
                  issued_at=dt.datetime(2021, 7, 24, 6, 20, 50, 275000, tzinfo=dt.timezone.utc),
                  valid_until=dt.date(2022, 7, 24), revocation_id="rid123")
    values.update(kw)
    return CertificateData(**values)


def ec_key_and_certificate(common_name: str = "cowin-kit DSC IN"):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    return key, cert


def ed25519_key():
    return ed25519.Ed25519PrivateKey.generate()


def read_qr(image):
    """Decode the QR codes in a PIL image or PNG bytes, as a verifier app scanning for QR does.

    Restricting zxing to QR matters: scanning for every format, it now and then reads a
    false 1-D barcode (Codabar, DataBar) out of a QR symbol's own module pattern.
    """
    import io

    import zxingcpp
    from PIL import Image

    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
