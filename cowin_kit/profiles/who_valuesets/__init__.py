"""ICD-11 MMS codes of WHO's value sets for vaccination certificates (DDCC:VS, SMART ICVP,
SMART Immunizations): the vaccine codes a routine product or a COVID-19 vaccine may name
(``icd11`` in routine.yaml, ``codes.icd11`` / ``icd11_type`` in profile.yaml) and the
diseases an antigen may target. ``icd11.json`` holds them, code and display only, copied from
the files README.md names (licence there)."""

from __future__ import annotations

import json
from pathlib import Path

_DATA = json.loads((Path(__file__).with_name("icd11.json")).read_text(encoding="utf-8"))

#: ICD-11 MMS system URI (as in the DDCC:VS codings).
ICD11: str = _DATA["system"]
#: Disease or agent targeted (smart-icvp ValueSet DiseaseTargeted): code -> display.
DISEASES: dict[str, str] = _DATA["diseases"]
#: Vaccines (ICD-11 extension codes, XM…): code -> display.
VACCINES: dict[str, str] = _DATA["vaccines"]


def vaccine_display(code) -> str:
    return VACCINES.get(str(code), "")


def disease_display(code) -> str:
    return DISEASES.get(str(code), "")
