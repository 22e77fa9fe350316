"""Certificate formats as pure functions over ``CertificateData`` (no database, no Flask)."""

from .data import Address, CertificateData, DoseData, Issuer

FORMATS = ("divoc_vc", "eu_dcc", "shc", "ddcc")

__all__ = ["Address", "CertificateData", "DoseData", "Issuer", "FORMATS"]
