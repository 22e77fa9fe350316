"""Shared fixtures for certificate tests: the official EU DCC schema and value sets, shipped in
vectors/eu-dcc/ beside this file (see its README for source and licence)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parent / "vectors" / "eu-dcc"


@pytest.fixture(scope="session")
def eu_vectors() -> Path:
    if not (VECTORS / "DCC.combined-schema.json").is_file():
        pytest.fail(f"official EU DCC schema and value sets not found at {VECTORS}: "
                    "they ship with the repository; restore them from version control")
    return VECTORS


@pytest.fixture(scope="session")
def dcc_schema(eu_vectors) -> dict:
    return json.loads((eu_vectors / "DCC.combined-schema.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def value_sets(eu_vectors) -> dict:
    names = {"tg": "disease-agent-targeted", "vp": "vaccine-prophylaxis", "mp": "vaccine-medicinal-product",
             "ma": "vaccine-mah-manf", "co": "country-2-codes"}
    return {key: set(json.loads((eu_vectors / f"valuesets-{name}.json").read_text("utf-8"))["valueSetValues"])
            for key, name in names.items()}
