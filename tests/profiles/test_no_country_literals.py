"""Country facts live in country_profiles/ and locales/, never in code: no string literal in
cowin_kit/ (docstrings aside) equals a vaccine, document, area code, time zone or country
name that a shipped profile defines."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from cowin_kit.profiles import list_profiles, load_profile
from cowin_kit.profiles.checks import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "country_profiles"
#: Document ids that name a kind of document, not one country's document.
GENERIC_DOCUMENTS = {"passport", "passport_booklet", "id_card", "national_card", "voter_card",
                     "driving_licence", "drivers_licence", "pension_passbook", "national_id"}


def country_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for code in list_profiles(PROFILES):
        profile = load_profile(code, PROFILES)
        values = [profile.timezone, *profile.data["country"]["names"].values()]
        values += [v.id for v in profile.vaccines] + [v.name for v in profile.vaccines]
        values += [d.id for d in profile.id_documents
                   if d.id not in GENERIC_DOCUMENTS and d.id not in REGISTRY]
        with profile.areas_csv_path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                values += [row["code"]] + ([row["timezone"]] if row.get("timezone") else [])
        for value in values:
            if len(value) >= 3:
                found[value.lower()] = code
    return found


def docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_no_country_specific_literals_in_code():
    literals = country_literals()
    assert "covishield" in literals and "asia/kolkata" in literals  # the net is cast
    offences = []
    for path in sorted((ROOT / "cowin_kit").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in skip and node.value.strip().lower() in literals:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r} "
                                f"(from profile '{literals[node.value.strip().lower()]}')")
    assert not offences, "country facts hard-coded in code:\n" + "\n".join(offences)
