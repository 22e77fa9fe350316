"""The shape of the package (docs/architecture.md, "Layers"): lower layers never import higher
ones, and a module's dependencies on the kit are visible at its top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cowin_kit"

#: Files where importing the kit inside a function is allowed: the app factory and the CLI
#: wiring. Each such import carries a comment saying why (checked below).
WIRING = {"cowin_kit/app.py", "cowin_kit/cli/__init__.py", "cowin_kit/cli/common.py",
          "cowin_kit/cli/db_commands.py", "cowin_kit/cli/demo.py"}


def _is_kit_import(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "cowin_kit"
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "cowin_kit" for alias in node.names)
    return False


def function_level_kit_imports(path: Path) -> list[ast.stmt]:
    """The imports of the kit's own modules made inside a function (or method) of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = {}
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if _is_kit_import(node):
                    found[id(node)] = node
    return sorted(found.values(), key=lambda node: node.lineno)


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/versions/" not in rel:
            yield rel, path


def test_the_finder_sees_imports_inside_functions_and_methods(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from cowin_kit.core.db import db\n"
                      "def f():\n    from cowin_kit.profiles import get_profile\n"
                      "class C:\n    def m(self):\n        import cowin_kit.areas.models\n"
                      "        from . import sibling\n"
                      "def g():\n    import json\n")
    assert [n.lineno for n in function_level_kit_imports(sample)] == [3, 6, 7]


def test_the_kit_is_imported_at_the_top_of_each_module():
    """Function-level imports of the kit hide a module's dependencies; only the app factory and
    the CLI wiring may keep them, each with a comment saying why."""
    problems = []
    for rel, path in _sources():
        found = function_level_kit_imports(path)
        if rel in WIRING:
            lines = path.read_text(encoding="utf-8").splitlines()
            for node in found:
                here, above = lines[node.lineno - 1], lines[node.lineno - 2].strip()
                if "#" not in here and not above.startswith("#"):
                    problems.append(f"{rel}:{node.lineno}: say why this import is inside a function")
        else:
            problems += [f"{rel}:{node.lineno}: import the kit at the top of the module"
                         for node in found]
    assert not problems, "\n".join(problems)


def test_lower_layers_never_import_higher_ones():
    """The layer contract in .importlinter (function-level imports count too). Run in its own
    process: import-linter configures logging with dictConfig, which disables every logger that
    exists in the process (the kit's included) and silenced later tests' log checks."""
    run = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import "
                          "lint_imports_command; sys.exit(lint_imports_command())",
                          "--config", str(ROOT / ".importlinter"), "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
