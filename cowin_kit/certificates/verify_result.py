"""What a verification says: valid or not, the reason's stable code and its words, and what the
certificate holds (who, which vaccination). Shared by the verifier and its format checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask_babel import lazy_gettext as _l

from .valuesets import describe

#: Why a certificate is not valid: a stable code for machines (``reason_code``) and words for
#: people (``reason``, in the reader's language).
REASONS = {
    "UNREADABLE": _l("The QR code's content is damaged or incomplete. Scan the whole QR code "
                     "again, or paste all of its text."),
    "NOT_A_CERTIFICATE": _l("The QR code does not hold a health certificate in a format we know. "
                            "Check that you scanned the certificate's QR code."),
    "UNKNOWN_ISSUER": _l("This certificate was signed with a key we do not know: it may be forged, "
                         "or come from an issuer we do not trust yet."),
    "BAD_SIGNATURE": _l("The certificate's signature does not match its content: it has been "
                        "altered or forged."),
    "WRONG_KEY_USAGE": _l("The issuer's key is not allowed to sign this kind of certificate "
                          "(vaccination, test or recovery)."),
    "NOT_YET_VALID": _l("This certificate says it was issued in the future, or before its "
                        "issuer's key was valid. Check the device's clock; otherwise do not accept it."),
    "EXPIRED": _l("The certificate's validity has ended. Ask the holder for a current certificate."),
    "REVOKED": _l("The issuer has revoked this certificate. Ask the holder for the current one."),
}


@dataclass
class Result:
    status: str  # valid | invalid | revoked | expired
    format: str = ""  # divoc_vc | eu_dcc | ddcc | shc | ""
    reason: str = ""  # in the reader's language (a lazy string until to_dict)
    certificate_id: str = ""
    issuer: str = ""
    person: dict = field(default_factory=dict)  # name, birth, gender
    vaccination: dict = field(default_factory=dict)  # vaccine, dose, total, date, country
    reason_code: str = ""  # REASONS key, or "" when valid
    issuer_name: str = ""  # who signed, in words: this instance's issuer, a DSC's organisation,
    # a trusted key set's "name"; "" when unknown

    def named(self) -> dict:
        """The vaccination entry with the names of its codes (valuesets.describe)."""
        return describe(self.vaccination)

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def to_dict(self) -> dict:
        return {**asdict(self), "reason": str(self.reason), "valid": self.valid,
                "vaccination": self.named()}


def refused(code: str, fmt: str = "", status: str = "invalid") -> Result:
    """A result that is not valid, with the reason's code and its words."""
    return Result(status, fmt, reason=REASONS[code], reason_code=code)

