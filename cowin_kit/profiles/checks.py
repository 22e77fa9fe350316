"""Named check algorithms for identity document numbers, chosen by name in profile.yaml.

Each check takes the normalised number and the parameters from the profile and returns what
the number encodes (birth date or year, sex), or raises CheckFailed with the reason. The
algorithms are generic; the numbers they apply to are named only in country_profiles/.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

WRONG_LENGTH = _l("The number has the wrong length.")
WRONG_FORMAT = _l("The number is not in the expected format.")
BAD_CHECK_DIGIT = _l("The check digit is wrong: please check the number for a typing error.")
BAD_COMPONENT = _l("A part of the number is not valid (for example the date or the region "
                   "it encodes).")
IMPOSSIBLE_BIRTH = _l("The birth date this number encodes is impossible.")


@dataclass(frozen=True)
class Decoded:
    """What a number encodes about its holder (None when it encodes nothing)."""

    birth_date: dt.date | None = None
    birth_year: int | None = None
    sex: str | None = None  # "M" / "F"


class CheckFailed(Exception):
    """The number fails its check; ``reason`` is a localisable message."""

    def __init__(self, reason: Any) -> None:
        self.reason = reason
        super().__init__(str(reason))


CheckFn = Callable[[str, dict], Decoded]
REGISTRY: dict[str, CheckFn] = {}


def register(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check under ``name`` (usable as ``check: name`` in profile.yaml)."""

    def decorate(fn: CheckFn) -> CheckFn:
        REGISTRY[name] = fn
        return fn

    return decorate


def split_spec(spec: str | dict | None) -> tuple[str, dict]:
    """Turn ``check: luhn`` or ``check: {name: mod11_weighted, weights: […]}`` into (name, params)."""
    if spec is None:
        return "none", {}
    if isinstance(spec, dict):
        params = dict(spec)
        return str(params.pop("name", "none")), params
    return str(spec), {}


def problem_with(spec: str | dict | None) -> str | None:
    """Say what is wrong with a check spec (unknown name, missing parameter), or None."""
    name, params = split_spec(spec)
    if name.startswith("stdnum:"):
        try:
            module = _stdnum_module(name)
        except ImportError:
            return f"python-stdnum has no module '{name[7:]}' (e.g. stdnum:in_.aadhaar)"
        if not hasattr(module, "validate"):
            return f"stdnum module '{name[7:]}' has no validate()"
        return None
    if name not in REGISTRY:
        return f"unknown check '{name}'; expected one of: {', '.join(sorted(REGISTRY))}, " \
               "stdnum:<module>"
    if name == "mod11_weighted" and not params.get("weights"):
        return "check mod11_weighted needs 'weights' (one per digit before the check digit)"
    return None


#: What the named checks decode from a number (checks not listed decode nothing).
DECODES: dict[str, frozenset[str]] = {
    "curp": frozenset({"birth_date", "birth_year", "sex"}),
    "rnokpp": frozenset({"birth_date", "birth_year", "sex"}),
    "cccd": frozenset({"birth_year", "sex"}),
}


def decodes(spec: str | dict | None) -> frozenset[str]:
    """What a check can tell about the holder: a subset of birth_date, birth_year, sex."""
    name, _params = split_spec(spec)
    if name.startswith("stdnum:"):
        module = _stdnum_module(name)
        found = set()
        if hasattr(module, "get_birth_date"):
            found |= {"birth_date", "birth_year"}
        if hasattr(module, "get_gender"):
            found.add("sex")
        return frozenset(found)
    return DECODES.get(name, frozenset())


def run(spec: str | dict | None, number: str) -> Decoded:
    """Run the named check on a normalised number."""
    name, params = split_spec(spec)
    if name.startswith("stdnum:"):
        return _stdnum(_stdnum_module(name), number)
    return REGISTRY[name](number, params)


def _stdnum_module(name: str):
    return importlib.import_module("stdnum." + name[len("stdnum:"):])


def _stdnum(module, number: str) -> Decoded:
    from stdnum import exceptions

    try:
        module.validate(number)
    except exceptions.InvalidLength as exc:
        raise CheckFailed(WRONG_LENGTH) from exc
    except exceptions.InvalidChecksum as exc:
        raise CheckFailed(BAD_CHECK_DIGIT) from exc
    except exceptions.InvalidFormat as exc:
        raise CheckFailed(WRONG_FORMAT) from exc
    except exceptions.ValidationError as exc:
        raise CheckFailed(BAD_COMPONENT) from exc
    birth_date = sex = None
    try:
        if hasattr(module, "get_birth_date"):
            birth_date = module.get_birth_date(number)
        if hasattr(module, "get_gender"):
            sex = module.get_gender(number)
    except exceptions.ValidationError as exc:
        raise CheckFailed(IMPOSSIBLE_BIRTH) from exc
    return Decoded(birth_date=birth_date, birth_year=birth_date.year if birth_date else None,
                   sex=sex)


def _digits(number: str) -> list[int]:
    if not number.isdigit():
        raise CheckFailed(WRONG_FORMAT)
    return [int(c) for c in number]


@register("none")
def check_none(number: str, params: dict) -> Decoded:
    """Accept any number matching the format (the document has no public check digit)."""
    return Decoded()


@register("luhn")
def check_luhn(number: str, params: dict) -> Decoded:
    """Luhn (mod 10) check digit in the last position."""
    from stdnum import luhn

    _digits(number)
    if not luhn.is_valid(number):
        raise CheckFailed(BAD_CHECK_DIGIT)
    return Decoded()


@register("verhoeff")
def check_verhoeff(number: str, params: dict) -> Decoded:
    """Verhoeff check digit in the last position."""
    from stdnum import verhoeff

    _digits(number)
    if not verhoeff.is_valid(number):
        raise CheckFailed(BAD_CHECK_DIGIT)
    return Decoded()


@register("mod11_weighted")
def check_mod11_weighted(number: str, params: dict) -> Decoded:
    """Weighted sum of the digits before the check digit, modulo ``modulus`` (default 11).

    With ``complement: true`` the check digit is ``modulus - remainder``; a result of 10 or more
    is taken modulo 10.
    """
    weights = params["weights"]
    digits = _digits(number)
    if len(digits) != len(weights) + 1:
        raise CheckFailed(WRONG_LENGTH)
    remainder = sum(w * d for w, d in zip(weights, digits)) % params.get("modulus", 11)
    expected = params.get("modulus", 11) - remainder if params.get("complement") else remainder
    if expected % 10 != digits[-1]:
        raise CheckFailed(BAD_CHECK_DIGIT)
    return Decoded()


def _icao_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise CheckFailed(WRONG_FORMAT)


@register("icao_731")
def check_icao_731(number: str, params: dict) -> Decoded:
    """ICAO 9303 machine-readable-zone check digit (weights 7, 3, 1) in the last position."""
    if len(number) < 2 or not number[-1].isdigit():
        raise CheckFailed(WRONG_FORMAT)
    total = sum(_icao_value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(number[:-1]))
    if total % 10 != int(number[-1]):
        raise CheckFailed(BAD_CHECK_DIGIT)
    return Decoded()


@register("curp")
def check_curp(number: str, params: dict) -> Decoded:
    """18-character population registry key: check character, birth date and sex encoded."""
    return _stdnum(_stdnum_module("stdnum:mx.curp"), number)


@register("rnokpp")
def check_rnokpp(number: str, params: dict) -> Decoded:
    """10-digit taxpayer number: weighted mod 11 check, digits 1–5 count days since
    1899-12-31 (birth date), 9th digit odd for men and even for women."""
    check_mod11_weighted(number, {"weights": params.get("weights", (-1, 5, 7, 9, 4, 6, 10, 5, 7)),
                                  "modulus": 11})
    birth = dt.date(1899, 12, 31) + dt.timedelta(days=int(number[:5]))
    if int(number[:5]) == 0 or birth > dt.date.today():
        raise CheckFailed(IMPOSSIBLE_BIRTH)
    return Decoded(birth_date=birth, birth_year=birth.year,
                   sex="M" if int(number[8]) % 2 else "F")


@register("cccd")
def check_cccd(number: str, params: dict) -> Decoded:
    """12-digit citizen identity number: 3-digit province of birth, a century-and-sex digit
    (0/1 = 1900s man/woman, 2/3 = 2000s, 4/5 = 2100s …), 2-digit birth year, 6 serial digits."""
    digits = _digits(number)
    if len(digits) != 12:
        raise CheckFailed(WRONG_LENGTH)
    province = number[:3]
    allowed = params.get("province_codes")
    if (allowed and province not in allowed) or (not allowed and not 1 <= int(province) <= 96):
        raise CheckFailed(BAD_COMPONENT)
    century = 1900 + 100 * (digits[3] // 2)
    year = century + int(number[4:6])
    if year > dt.date.today().year:
        raise CheckFailed(IMPOSSIBLE_BIRTH)
    return Decoded(birth_year=year, sex="F" if digits[3] % 2 else "M")
