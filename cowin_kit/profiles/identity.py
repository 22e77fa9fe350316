"""Identity documents: normalise, check, cross-check what the number encodes, mask and hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import KitError

from . import checks
from .labels import Labelled


class InvalidIdDocument(KitError):
    status = 422
    code = "INVALID_ID_DOCUMENT"
    default_message = _l("This identity document number is not valid.")


@dataclass(frozen=True)
class CheckedId:
    """A valid number: normalised form, masked form, and what it encodes."""

    normalized: str
    masked: str
    birth_date: dt.date | None = None
    gender: str | None = None
    birth_year: int | None = None


@dataclass(frozen=True)
class IdDocument(Labelled):
    """One identity document a person may register with (from profile.yaml)."""

    id: str = ""
    format: str = ".*"
    remove: str = " -"
    upper: bool = True
    check: Any = field(default="none", hash=False)
    encodes: tuple[str, ...] = ()
    keep_last: int = 4
    keep_first: int = 0
    group: int | None = 4
    mask_char: str = "X"
    min_age: int = 0
    example: str | None = None
    _pattern: re.Pattern = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", re.compile(self.format))

    def normalize(self, number: str) -> str:
        """Remove separators and fold case as the profile says."""
        text = "".join(ch for ch in str(number).strip() if ch not in self.remove)
        return text.upper() if self.upper else text

    def mask(self, normalized: str) -> str:
        """Hide all but the first/last characters the profile keeps, grouped for reading."""
        keep_last = min(self.keep_last, len(normalized))
        keep_first = min(self.keep_first, len(normalized) - keep_last)
        hidden = len(normalized) - keep_last - keep_first
        text = normalized[:keep_first] + self.mask_char * hidden + normalized[len(normalized)
                                                                            - keep_last:]
        if self.group:
            text = " ".join(text[i:i + self.group] for i in range(0, len(text), self.group))
        return text

    def validate(self, number: str, *, birth_date: dt.date | None = None,
                 birth_year: int | None = None, gender: str | None = None) -> CheckedId:
        """Check a number; raise InvalidIdDocument saying why it is not valid."""
        normalized = self.normalize(number or "")
        if not normalized:
            raise InvalidIdDocument(_l("Please enter the document number."))
        if not self._pattern.fullmatch(normalized):
            raise InvalidIdDocument(_l("The number is not in the expected format (for example "
                                       "%(example)s)."), example=self.example or "—")
        try:
            decoded = checks.run(self.check, normalized)
        except checks.CheckFailed as exc:
            raise InvalidIdDocument(exc.reason) from exc
        self._cross_check(decoded, birth_date, birth_year, gender)
        return CheckedId(normalized=normalized, masked=self.mask(normalized),
                         birth_date=decoded.birth_date if "birth_date" in self.encodes else None,
                         gender=decoded.sex if "sex" in self.encodes else None,
                         birth_year=(decoded.birth_year if {"birth_date", "birth_year"}
                                     & set(self.encodes) else None))

    def _cross_check(self, decoded: checks.Decoded, birth_date, birth_year, gender) -> None:
        encodes = set(self.encodes)
        if "birth_date" in encodes and decoded.birth_date and birth_date \
                and decoded.birth_date != birth_date:
            raise InvalidIdDocument(_l("This number belongs to someone born on %(date)s, not "
                                       "on the birth date given."),
                                    date=decoded.birth_date.isoformat())
        encoded_year = decoded.birth_year if encodes & {"birth_date", "birth_year"} else None
        given_year = birth_year or (birth_date.year if birth_date else None)
        if encoded_year and given_year and encoded_year != given_year:
            raise InvalidIdDocument(_l("This number belongs to someone born in %(year)s, not in "
                                       "the birth year given."), year=encoded_year)
        if "sex" in encodes and decoded.sex and gender in ("M", "F") and decoded.sex != gender:
            raise InvalidIdDocument(_l("This number does not match the gender given."))


def id_hash(doc_id: str, normalized: str, secret_key: str | bytes) -> str:
    """Keyed hash (HMAC-SHA256) of a document number, for look-up without storing it.

    ``secret_key`` is the identity hash key (``cowin_kit.core.keys.identity_hash_key()``): it
    must never change, or registered people can no longer be found by their number.
    """
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = hmac.new(key, b"cowin-kit identity numbers v1", hashlib.sha256).digest()
    return hmac.new(derived, f"{doc_id}:{normalized}".encode(), hashlib.sha256).hexdigest()


def build_id_document(raw: dict, default_language: str) -> IdDocument:
    """Build an IdDocument from its profile.yaml mapping."""
    normalize = raw.get("normalize") or {}
    mask = raw.get("mask") or {}
    check = raw.get("check", "none")
    return IdDocument(
        labels=raw["labels"], default_language=default_language, id=raw["id"],
        format=raw["format"], remove=normalize.get("remove", " -"),
        upper=normalize.get("upper", True), check=check,
        encodes=tuple(raw.get("encodes") or ()), keep_last=mask.get("keep_last", 4),
        keep_first=mask.get("keep_first", 0), group=mask.get("group", 4),
        mask_char=mask.get("char", "X"), min_age=raw.get("min_age", 0),
        example=raw.get("example"))
