"""A ministry's own profile through the chart carries its routine immunisation schedule:
profile.files.routineYaml lands as routine.yaml beside profile.yaml in every pod that loads the
profile (web, migration Job, reminders CronJob), and the folder the pods see loads with it."""

from __future__ import annotations

import base64
from pathlib import Path

from cowin_kit.profiles import load_profile
from tests.deploy.conftest import MIGRATION_JOB, REPO

PERU = REPO / "country_profiles" / "pe"


def own_profile(render, **extra):
    emblem = base64.b64encode((PERU / "branding" / "emblem.png").read_bytes()).decode()
    return render(set={"reminders.enabled": "true", "profile.files.branding.emblem\\.png": emblem},
                  set_file={"profile.files.profileYaml": PERU / "profile.yaml",
                            "profile.files.areasCsv": PERU / "areas.csv", **extra})


def profile_items(pod_spec: dict) -> tuple[str, list[dict]]:
    volume = next(v for v in pod_spec["volumes"] if v["name"] == "profile")
    return volume["configMap"]["name"], volume["configMap"]["items"]


def unfold(config_map: dict, items: list[dict], folder: Path) -> Path:
    """The profile folder as a pod sees it: each item's key written at its path."""
    for item in items:
        target = folder / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if item["key"] in config_map.get("data", {}):
            target.write_text(config_map["data"][item["key"]], encoding="utf-8")
        else:
            target.write_bytes(base64.b64decode(config_map["binaryData"][item["key"]]))
    return folder


def test_routine_yaml_is_mounted_beside_the_profile_in_every_pod(render, tmp_path):
    rendered = own_profile(render, **{"profile.files.routineYaml": PERU / "routine.yaml"})
    pods = {"web": rendered.pod_template("Deployment")["spec"],
            "migration": rendered.pod_template("Job", MIGRATION_JOB)["spec"],
            "reminders": rendered.pod_template("CronJob", "cowin-kit-reminders")["spec"]}
    for component, spec in pods.items():
        name, items = profile_items(spec)
        assert {"key": "routine.yaml", "path": "routine.yaml"} in items, component
        config_map = rendered.one("ConfigMap", name)
        assert config_map["data"]["routine.yaml"] == (PERU / "routine.yaml").read_text(), component
        folder = unfold(config_map, items, tmp_path / component)
        routine = load_profile(str(folder), tmp_path).routine
        assert routine is not None, component
        assert routine.source["document"].startswith("Norma Técnica de Salud N° 196")


def test_without_routine_yaml_the_own_profile_has_no_routine_schedule(render, tmp_path):
    rendered = own_profile(render)
    name, items = profile_items(rendered.pod_template("Deployment")["spec"])
    assert all(item["key"] != "routine.yaml" for item in items)
    config_map = rendered.one("ConfigMap", name)
    assert "routine.yaml" not in config_map["data"]
    assert load_profile(str(unfold(config_map, items, tmp_path / "web")), tmp_path).routine is None


def test_routine_yaml_without_a_profile_is_refused(render):
    done = render(set={"profile.files.routineYaml": "schema_version: 1"}, expect_ok=False)
    assert done.returncode != 0
    assert "profile.files.routineYaml needs profile.files.profileYaml" in done.stderr
