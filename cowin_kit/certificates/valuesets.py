"""Human names for the codes certificates carry (vaccine product, type, manufacturer, disease).

Products and manufacturers come from the country profiles the kit ships and this instance's
own profile (``vaccines[].codes``: ``eu_mp``, ``icd11``, ``snomed`` name the product, ``eu_ma``
its manufacturer): a verifier in any country names the products the kit knows whichever
profile issued them. Vaccine types and the disease are the few codes of the EU DCC value sets
(``vaccine-prophylaxis``, ``disease-agent-targeted``: SNOMED CT and ATC), WHO's ICD-11
extension codes the DDCC:VS uses, and CVX (SMART Health Cards), with translated names; other
vaccines and diseases (routine DDCC:VS) by WHO's ICD-11 names (profiles/who_valuesets), and
routine products by this instance's routine.yaml.
A code nobody names is shown as it is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from cowin_kit.profiles import get_profile, who_valuesets

#: Vaccine types (EU vaccine-prophylaxis: SNOMED CT / ATC; ICD-11 extension codes).
VACCINE_TYPES = {
    "1119349007": _l("mRNA vaccine"), "1119305005": _l("Antigen vaccine"),
    "29061000087103": _l("Non-replicating viral vector vaccine"),
    "1157024006": _l("Inactivated whole-virus vaccine"),
    "1162643001": _l("Recombinant spike protein vaccine"), "J07BX03": _l("COVID-19 vaccine"),
    "XM68M6": _l("COVID-19 vaccine"), "XM0GQ8": _l("mRNA vaccine"),
    "XM9QW8": _l("Non-replicating viral vector vaccine"), "XM1NL1": _l("Inactivated whole-virus vaccine"),
    "XM5JC5": _l("Recombinant spike protein vaccine"),
}
#: Diseases (EU disease-agent-targeted: SNOMED CT; ICD-11).
DISEASES = {"840539006": _l("COVID-19"), "RA01": _l("COVID-19"), "RA01.0": _l("COVID-19")}
#: CVX product codes (CDC) a SMART Health Card names COVID-19 vaccines by.
CVX = {"207": "Spikevax (Moderna)", "208": "Comirnaty (Pfizer-BioNTech)", "210": "Vaxzevria (AstraZeneca)",
       "211": "Nuvaxovid (Novavax)", "212": "Jcovden (Janssen)", "510": "BIBP (Sinopharm)",
       "511": "CoronaVac (Sinovac)", "502": "COVAXIN (Bharat Biotech)"}


@lru_cache(maxsize=8)
def _shipped(profiles_dir: str) -> tuple[dict, dict]:
    """(product code -> name, manufacturer code -> name) from every profile in the folder."""
    import yaml

    products: dict[str, str] = {}
    makers: dict[str, str] = {}
    for path in sorted(Path(profiles_dir).glob("*/profile.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for vaccine in data.get("vaccines") or ():
            codes = vaccine.get("codes") or {}
            for key in ("eu_mp", "icd11"):
                if codes.get(key):
                    products.setdefault(str(codes[key]), str(vaccine.get("name", "")))
            if codes.get("eu_ma") and vaccine.get("manufacturer"):
                makers.setdefault(str(codes["eu_ma"]), str(vaccine["manufacturer"]))
    return products, makers


def _tables() -> tuple[dict, dict]:
    """This instance's profile first, then every shipped profile."""
    from flask import current_app

    products: dict[str, str] = {}
    makers: dict[str, str] = {}
    try:
        for vaccine in get_profile().vaccines:
            codes = vaccine.codes or {}
            for key in ("eu_mp", "icd11"):
                if codes.get(key):
                    products[str(codes[key])] = vaccine.name
            if codes.get("eu_ma"):
                makers[str(codes["eu_ma"])] = vaccine.manufacturer
        for product in getattr(get_profile().routine, "products", ()):  # routine DDCC:VS brands
            products.setdefault(product.id, product.name)
        folder = current_app.config.get("PROFILES_DIR")
    except Exception:  # noqa: BLE001 - outside an app: the shipped profiles only
        folder = None
    folder = folder or str(Path(__file__).resolve().parents[2] / "country_profiles")
    shipped_products, shipped_makers = _shipped(str(folder))
    return {**shipped_products, **products}, {**shipped_makers, **makers}


def product_name(code) -> str:
    if not code:
        return ""
    products, _makers = _tables()
    code = str(code)
    return products.get(code) or CVX.get(code) or str(VACCINE_TYPES.get(code, "")) or code


def manufacturer_name(code) -> str:
    if not code:
        return ""
    return _tables()[1].get(str(code), str(code))


def type_name(code) -> str:
    """A vaccine type: translated for COVID-19's, else WHO's ICD-11 name (English) for any
    vaccine a routine DDCC:VS names."""
    return str(VACCINE_TYPES.get(str(code)) or who_valuesets.vaccine_display(code) or code) if code else ""


def disease_name(code) -> str:
    return str(DISEASES.get(str(code)) or who_valuesets.disease_display(code) or code) if code else ""


def describe(vaccination: dict) -> dict:
    """The verifier's vaccination entry with names beside its codes (for pages and the API):
    ``vaccine_name``, ``type_name``, ``manufacturer_name``, ``disease_name`` where the entry
    has the code."""
    out = dict(vaccination)
    for key, namer in (("vaccine", product_name), ("type", type_name),
                       ("manufacturer", manufacturer_name), ("disease", disease_name)):
        if vaccination.get(key):
            out[f"{key}_name"] = namer(vaccination[key])
    return out
