"""Certificate codes a profile names, checked against WHO's value sets (who_valuesets/):
routine.yaml ``products[].icd11`` (the vaccine) and ``antigens[].icd11`` (the disease
targeted), profile.yaml ``vaccines[].codes.icd11`` / ``icd11_type``. Reported as
``file:line: message`` like every other profile problem."""

from __future__ import annotations

import re

from .entries import items
from .spec import Str
from .who_valuesets import DISEASES, VACCINES
from .yamlsrc import Source, render_path

#: An ICD-11 MMS code (stem or extension code: 1F03, 1E50.1, XM21H2, XN0FG).
PATTERN = r"[0-9A-Z]{4,6}(\.[0-9A-Z]{1,2})?"
ICD11_CODE = Str(PATTERN, expected="an ICD-11 code, e.g. XM21H2 or 1F03")


def _check(src: Source, path: tuple, code, table: dict, what: str) -> None:
    if not isinstance(code, str) or code in table or not re.fullmatch(PATTERN, code):
        return  # absent, known, or a shape problem the schema reports
    close = sorted(c for c in table if c[:4] == code[:4])[:5]
    hint = f" (close: {', '.join(close)})" if close else ""
    src.problem(path, f"{render_path(path)}: {code!r} is not in the WHO {what} value sets the kit "
                f"knows{hint}; expected an ICD-11 code listed in cowin_kit/profiles/who_valuesets")


def check_routine_codes(src: Source | None) -> list:
    """Problems with the ICD-11 codes of a parsed routine.yaml (its own problems are kept)."""
    if src is None or not isinstance(src.data, dict):
        return []
    before = len(src.problems)
    for path, product in items(src, "products"):
        _check(src, path + ("icd11",), product.get("icd11"), VACCINES, "vaccine")
    for path, antigen in items(src, "antigens"):
        _check(src, path + ("icd11",), antigen.get("icd11"), DISEASES, "disease-targeted")
    return src.problems[before:]


def check_vaccine_codes(src: Source) -> list:
    """Problems with profile.yaml's COVID-19 vaccine ICD-11 codes (brand and vaccine type)."""
    if not isinstance(src.data, dict):
        return []
    before = len(src.problems)
    for path, vaccine in items(src, "vaccines"):
        codes = vaccine.get("codes")
        if isinstance(codes, dict):
            for key in ("icd11", "icd11_type"):
                _check(src, path + ("codes", key), codes.get(key), VACCINES, "vaccine")
    return src.problems[before:]
