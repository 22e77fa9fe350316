"""Check a decoded DDCC:VS core data set against WHO's logical model (the StructureDefinition
snapshot in vectors/ddcc, see its README): no JSON Schema is published, so this walks the
model's elements: unknown elements, cardinality, FHIR primitive and data types, and the
invariant who-ddcc-data-1."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

MODEL = Path(__file__).resolve().parent / "vectors" / "ddcc" / "StructureDefinition-DDCCCoreDataSetVSCoC.json"
ROOT = "DDCCCoreDataSet"
# FHIR R4 primitive formats (datatypes.html)
YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
DATE = YEAR + r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?"
DATETIME = YEAR + (r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:"
                   r"([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?")
GENDER = {"male", "female", "other", "unknown"}  # administrative-gender (required binding)
# complex types: the keys FHIR R4 allows and the primitive type of each
COMPLEX = {
    "Coding": {"system": str, "version": str, "code": str, "display": str, "userSelected": bool},
    "Identifier": {"use": str, "type": dict, "system": str, "value": str, "period": dict, "assigner": dict},
    "Reference": {"reference": str, "type": str, "identifier": dict, "display": str},
    "Period": {"start": str, "end": str},
}


@lru_cache(maxsize=1)
def elements() -> dict[str, dict]:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    return {e["path"]: e for e in data["snapshot"]["element"]}


def _type(element: dict) -> str:
    types = [t["code"] for t in element.get("type", [])]
    return types[0] if types else ""


def problems(body: dict) -> list[str]:
    """What in ``body`` breaks the logical model (empty: it conforms)."""
    found: list[str] = []
    _check(body, ROOT, found)
    vaccination = body.get("vaccination") or {}
    if not (vaccination.get("manufacturer") or vaccination.get("maholder")):
        found.append("who-ddcc-data-1: manufacturer or market authorization holder SHALL be present")
    return found


def _check(value, path: str, found: list[str]) -> None:
    model = elements()
    if not isinstance(value, dict):
        found.append(f"{path}: expected an object")
        return
    children = {p[len(path) + 1:]: e for p, e in model.items()
                if p.startswith(path + ".") and "." not in p[len(path) + 1:]}
    for key in value:
        if key not in children:
            found.append(f"{path}.{key}: not an element of the logical model")
    for name, element in children.items():
        where = f"{path}.{name}"
        present = name in value and value[name] not in (None, "", [], {})
        if element["min"] > 0 and not present:
            found.append(f"{where}: required ({element['min']}..{element['max']})")
            continue
        if not present:
            continue
        item = value[name]
        if element["max"] == "1" and isinstance(item, list):
            found.append(f"{where}: at most one")
            continue
        for one in item if isinstance(item, list) else [item]:
            _value(one, where, _type(element), found)


def _value(item, where: str, kind: str, found: list[str]) -> None:
    if kind == "BackboneElement":
        _check(item, where, found)
    elif kind in COMPLEX:
        if not isinstance(item, dict):
            found.append(f"{where}: expected a {kind}")
            return
        for key, val in item.items():
            allowed = COMPLEX[kind].get(key)
            if allowed is None:
                found.append(f"{where}.{key}: not an element of {kind}")
            elif not isinstance(val, allowed):
                found.append(f"{where}.{key}: expected {allowed.__name__}")
        if kind == "Coding" and not (item.get("system") and item.get("code")):
            found.append(f"{where}: a coding needs its system and code")
        if kind == "Period":
            for key in ("start", "end"):
                if key in item and not re.fullmatch(DATETIME, str(item[key])):
                    found.append(f"{where}.{key}: not a FHIR dateTime")
    elif kind in ("string", "http://hl7.org/fhirpath/System.String"):
        if not isinstance(item, str) or not item.strip():
            found.append(f"{where}: expected a non-empty string")
    elif kind == "positiveInt":
        if not isinstance(item, int) or isinstance(item, bool) or item < 1:
            found.append(f"{where}: expected a positive integer")
    elif kind == "date":
        if not isinstance(item, str) or not re.fullmatch(DATE, item):
            found.append(f"{where}: not a FHIR date")
    elif kind == "dateTime":
        if not isinstance(item, str) or not re.fullmatch(DATETIME, item):
            found.append(f"{where}: not a FHIR dateTime")
    elif kind == "code":
        if item not in GENDER:  # the model's only code element is sex
            found.append(f"{where}: {item!r} is not in administrative-gender")
    else:
        found.append(f"{where}: type {kind} not checked")
