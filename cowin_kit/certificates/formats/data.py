"""The plain data every certificate format is built from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Address:
    street: str = ""
    street2: str = ""
    district: str = ""
    city: str = ""
    region: str = ""
    country: str = ""  # ISO alpha-2
    postal_code: str = ""


@dataclass(frozen=True)
class Issuer:
    name: str
    country: str  # alpha-2
    country3: str  # alpha-3
    url: str  # public URL of the instance, no trailing slash


@dataclass(frozen=True)
class DoseData:
    vaccine_id: str
    vaccine_name: str
    manufacturer: str
    codes: dict  # profile vaccine codes: eu_mp, eu_ma, eu_vp, icd11, icd11_type, snomed
    batch: str
    date: dt.date
    dose_number: int
    series_total: int
    is_booster: bool = False
    facility_name: str = ""
    facility_address: Address = field(default_factory=Address)
    vaccinator_name: str = ""
    vaccinator_id: str = ""  # the staff account's id on this instance (DDCC:VS practitioner)
    country: str = ""  # alpha-2 where given
    country3: str = ""  # alpha-3 where given
    next_dose_from: dt.date | None = None


@dataclass(frozen=True)
class CertificateData:
    certificate_id: str  # stable, digits (CoWIN style)
    uvci: str  # URN:UVCI:01:<CC>:<opaque>#<check>
    reference_id: str  # beneficiary reference id
    name: str
    birth_year: int
    gender: str  # M | F | O
    gender_label: str  # "Male" … (DIVOC carries the English word)
    id_type: str  # "" for a person registered without a document (a child)
    id_masked: str
    nationality: str
    address: Address
    doses: tuple[DoseData, ...]  # oldest first; the last one is what this certificate attests
    issuer: Issuer
    issued_at: dt.datetime
    birth_date: dt.date | None = None
    valid_until: dt.date | None = None
    revocation_id: str = ""  # opaque id for revocation lists (SHC rid)
    family_name: str = ""  # the name split as the profile writes names, or as in the passport
    given_names: str = ""
    passport_number: str = ""

    @property
    def subject(self) -> tuple[str, str]:
        """The identifier the person is named by: their document (type, masked number), or the
        kit's reference id when they were registered without one."""
        return (self.id_type, self.id_masked) if self.id_masked else ("reference", self.reference_id)

    @property
    def dose(self) -> DoseData:
        return self.doses[-1]

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on a day (from the birth date when known, else the year)."""
        if self.birth_date:
            b = self.birth_date
            return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        return day.year - self.birth_year

    @property
    def dob_text(self) -> str:
        """Birth date as ISO 8601, or just the year when only the year is known."""
        return self.birth_date.isoformat() if self.birth_date else f"{self.birth_year:04d}"


def to_json(data: CertificateData) -> dict:
    """A JSON-safe snapshot of the certificate data (stored with the certificate)."""
    from dataclasses import asdict

    def convert(value):
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        return value

    return convert(asdict(data))


def from_json(raw: dict) -> CertificateData:
    """Rebuild ``CertificateData`` from ``to_json`` output."""
    def day(value):
        return dt.date.fromisoformat(value) if value else None

    doses = tuple(DoseData(**{**d, "date": day(d["date"]), "next_dose_from": day(d.get("next_dose_from")),
                              "facility_address": Address(**d["facility_address"])}) for d in raw["doses"])
    return CertificateData(**{**raw, "address": Address(**raw["address"]), "issuer": Issuer(**raw["issuer"]),
                              "doses": doses, "issued_at": dt.datetime.fromisoformat(raw["issued_at"]),
                              "birth_date": day(raw.get("birth_date")), "valid_until": day(raw.get("valid_until"))})
