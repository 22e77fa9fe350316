"""The README's test command runs on a fresh clone: nothing reads files outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What a clone holds that code, tests, CI scripts and documentation may point at.
SCANNED = ["cowin_kit", "tests", ".ci", "docs", "deploy", "helm", "README.md", "setup.cfg",
           "pyproject.toml"]
SUFFIXES = {".py", ".sh", ".md", ".cfg", ".toml", ".yaml", ".yml", ".txt", ".html", ".ini", ""}
#: A path that climbs out of the repository into its sibling folder "shared" (the project's
#: working material, which a clone of the public repository does not have).
OUTSIDE = re.compile(r"\.\./(?:\.\./)*shared\b|['\"]\.\.['\"]\s*/\s*['\"]shared")


def _files():
    for name in SCANNED:
        base = ROOT / name
        paths = [base] if base.is_file() else base.rglob("*") if base.is_dir() else []
        for path in paths:
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts \
                    and path != Path(__file__).resolve():
                yield path


def test_no_file_points_outside_the_repository():
    offenders = []
    for path in _files():
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "paths outside the repository (a clone has no sibling shared folder):\n" + \
        "\n".join(offenders)


def test_eu_dcc_vectors_ship_inside_the_repository_with_their_licence():
    from tests.certificates.conftest import VECTORS

    assert VECTORS.resolve().is_relative_to(ROOT)
    assert (VECTORS / "DCC.combined-schema.json").is_file()
    notice = (VECTORS / "README.md").read_text("utf-8")
    assert "eu-dcc-schema" in notice and "eu-dcc-valuesets" in notice
    assert "Apache License" in (VECTORS / "LICENSE").read_text("utf-8")
