"""ICD-11 codes for certificates in routine.yaml (products: the vaccine; antigens: the disease
targeted) and profile.yaml (COVID-19 vaccines), checked against WHO's value sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.validate import validate_folder
from cowin_kit.profiles.who_valuesets import DISEASES, VACCINES

from . import test_routine_validate as routine_tests
from .test_routine_validate import PROFILES, edit

india = routine_tests.india  # the fixture: a copy of India's profile to edit


def problems(folder: Path) -> list[str]:
    return [str(p) for p in validate_folder(folder)[1]]


def test_india_names_the_who_codes_of_its_products_and_antigens(india):
    routine = load_profile(str(india), india.parent).routine
    assert routine.product("mr").icd11 == "XM21H2"       # measles-rubella, live attenuated
    assert routine.product("penta").icd11 == "XM7JP3"    # DTwP-HepB-Hib
    antigens = {a.id: a.icd11 for a in routine.antigens}
    assert (antigens["measles"], antigens["rubella"], antigens["hib"]) == ("1F03", "1F02", "XN0FG")
    assert routine.product("pcv").icd11 == ""            # no WHO value set has PCV yet


def test_a_vaccine_code_not_in_the_value_sets(india):
    line = edit(india, "icd11: XM21H2", "icd11: XM21H9")
    found = problems(india)
    assert found == [f"{india / 'routine.yaml'}:{line}: products[9].icd11: 'XM21H9' is not in the "
                     "WHO vaccine value sets the kit knows (close: XM21E6, XM21H2); expected an "
                     "ICD-11 code listed in cowin_kit/profiles/who_valuesets"], found


def test_a_disease_code_not_in_the_value_sets(india):
    line = edit(india, "icd11: 1F03", "icd11: XM21H2")  # a vaccine, not a disease
    found = problems(india)
    assert len(found) == 1 and found[0].startswith(f"{india / 'routine.yaml'}:{line}: antigens[10].icd11: "
                                                   "'XM21H2' is not in the WHO disease-targeted"), found


def test_a_malformed_code(india):
    line = edit(india, "icd11: 1F02", "icd11: rubella")
    found = problems(india)
    assert len(found) == 1 and found[0].startswith(f"{india / 'routine.yaml'}:{line}: antigens[11].icd11"), found
    assert "an ICD-11 code" in found[0]


def test_a_covid_vaccine_type_not_in_the_value_sets(india):
    path = india / "profile.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[:text.index("icd11_type: XM9QW8")].count("\n") + 1
    path.write_text(text.replace("icd11_type: XM9QW8", "icd11_type: XM9QW9", 1), encoding="utf-8")
    found = problems(india)
    assert len(found) == 1 and found[0].startswith(
        f"{india / 'profile.yaml'}:{line}: vaccines[0].codes.icd11_type: 'XM9QW9' is not in the WHO "
        "vaccine value sets"), found


@pytest.mark.parametrize("code", sorted(p.name for p in PROFILES.iterdir() if (p / "profile.yaml").is_file()))
def test_shipped_codes_are_in_the_value_sets(code):
    assert not [p for p in problems(PROFILES / code) if "value sets" in p]


def test_the_value_sets_hold_icd11_codes():
    assert DISEASES["1F03"] == "Measles" and DISEASES["RA01"] == "COVID-19"
    assert VACCINES["XM21H2"] == "Measles, combinations with rubella, live attenuated"
    assert all(code.startswith("XM") for code in VACCINES)
