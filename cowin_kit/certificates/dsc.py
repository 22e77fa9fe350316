"""Document-signer certificates and requests signed through a key backend (the private key may
sit in an HSM): the DER around a to-be-signed part and its ES256 signature, and the self-signed
DSC a new hcert key gets (``keys generate``); the CSR of ``keys csr`` is wrapped the same way."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from .backends import SignFunction, to_be_signed


def der(tag: int, body: bytes) -> bytes:
    """One DER element: its tag, its length (short or long form) and ``body``."""
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


#: AlgorithmIdentifier ecdsa-with-SHA256 (RFC 5758), DER.
ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")


def signed_der(tbs: bytes, sign: SignFunction) -> bytes:
    """A certificate or a request in DER: its to-be-signed part ``tbs``, ecdsa-with-SHA256, and
    the ES256 signature ``sign`` (a key backend's) makes of it."""
    raw = sign("ES256", to_be_signed("ES256", tbs))
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    return der(0x30, tbs + ECDSA_SHA256 + der(0x03, b"\x00" + signature))


def self_signed_dsc(public_key, sign: SignFunction, issuer_name: str, country: str,
                    days: int = 730) -> x509.Certificate:
    """A self-signed document-signer certificate (CSCA-style subject from the profile issuer),
    signed through a backend (the private key may sit in an HSM): the certificate is drafted
    with a stand-in key, and its to-be-signed part signed again by ``sign`` (ES256)."""
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, (country or "XX")[:2].upper()),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, (issuer_name or "cowin-kit")[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, "cowin-kit DSC"),
    ])
    now = dt.datetime.now(dt.timezone.utc)
    draft = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
             .public_key(public_key).serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
             # extended key usage OIDs for vaccination certificates (EU DCC)
             .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.2")]), False)
             .sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()))
    certificate = x509.load_der_x509_certificate(signed_der(draft.tbs_certificate_bytes, sign))
    certificate.verify_directly_issued_by(certificate)  # the backend signed with the right key
    return certificate
