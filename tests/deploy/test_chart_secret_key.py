"""The chart's secret key (docs/deploy.md, "Secrets"): taken from a Secret the ministry made, the
same on every render (GitOps tools render with `helm template` on every sync), never made by the
chart unless a trial asks for it, and the render fails saying what to do otherwise."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import CHART, PRODUCTION_VALUES, run_helm

TEMPLATE = ["template", "cowin-kit", str(CHART), "--namespace", "cowin"]
KEY = "chart-test-secret-key-0123456789-0123456789"


def template(helm, *args):
    return run_helm(helm, *TEMPLATE, *args)


@pytest.mark.parametrize("args", [
    [],  # the chart's own defaults
    ["-f", str(PRODUCTION_VALUES), "--set", "secretKey.existingSecret="],
], ids=["defaults", "production-without-existing-secret"])
def test_render_fails_without_a_secret_key_saying_what_to_do(helm, args):
    done = template(helm, *args)
    assert done.returncode != 0
    assert "secretKey: set secretKey.existingSecret to a Secret you created" in done.stderr
    assert "kubectl -n cowin create secret generic cowin-kit-secret-key" in done.stderr
    assert 'docs/deploy.md "Secrets"' in done.stderr
    assert "secretKey.generate=true" in done.stderr


def test_two_production_renders_are_identical(helm):
    """What Argo CD or Flux applies on every sync: the same manifests, byte for byte."""
    args = ["-f", str(PRODUCTION_VALUES)]
    first, second = template(helm, *args), template(helm, *args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_generate_is_a_trial_only_choice_and_says_so(helm):
    first = template(helm, "--set", "secretKey.generate=true")
    second = template(helm, "--set", "secretKey.generate=true")
    assert first.returncode == 0, first.stderr
    # What the trial setting is refused for in production: no lookup under `helm template`.
    assert first.stdout != second.stdout
    notes = run_helm(helm, "install", "cowin-kit", str(CHART), "--namespace", "cowin",
                     "--dry-run=client", "--set", "secretKey.generate=true").stdout
    assert "WARNING: the chart made the secret key" in notes


def test_value_goes_to_the_chart_secret_existing_secret_wins(render):
    rendered = render(values_files=[CHART / "values.yaml"], set={"secretKey.value": KEY})
    assert rendered.one("Secret", "cowin-kit")["stringData"]["secret-key"] == KEY
    env = {e["name"]: e for e in rendered.web_container()["env"]}
    assert env["COWIN_KIT_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "cowin-kit", "key": "secret-key"}
    # Rotation (fallbacks, the identity hash key) needs a Secret the ministry manages.
    assert "COWIN_KIT_SECRET_KEY_FALLBACKS" not in env
    both = render(values_files=[CHART / "values.yaml"],
                  set={"secretKey.value": KEY, "secretKey.existingSecret": "mine"})
    assert "secret-key" not in both.one("Secret", "cowin-kit")["stringData"]
    env = {e["name"]: e for e in both.web_container()["env"]}
    assert env["COWIN_KIT_SECRET_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "mine"
    assert env["COWIN_KIT_IDENTITY_HASH_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "mine", "key": "identity-hash-key", "optional": True}
