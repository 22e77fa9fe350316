"""The routine doses refresh CronJob (#19): `cowin-kit reports refresh-routine-due`, daily, on
by default like a repair the lists depend on, off with a ministry profile.yaml that has no
routine.yaml or by routineDueRefresh.enabled; run like the lottery CronJob (one run at a time,
the release's Secret, its own NetworkPolicy, no secret key)."""

from __future__ import annotations

from tests.deploy.cronjobs import assert_like_the_web_pod_and_closed

ROUTINE = "cowin-kit-routine-due"


def _names(rendered, kind: str) -> set[str]:
    return {c["metadata"]["name"] for c in rendered.of_kind(kind)}


def test_the_refresh_runs_daily_one_run_at_a_time(render):
    rendered = render()
    spec = rendered.one("CronJob", ROUTINE)["spec"]
    assert spec["schedule"] == "30 1 * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 0
    template = rendered.pod_template("CronJob", ROUTINE)
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "routine-due"
    container = template["spec"]["containers"][0]
    assert container["command"] + container["args"] == [
        "cowin-kit", "reports", "refresh-routine-due"]
    env = {e["name"] for e in container.get("env", [])}
    assert "COWIN_KIT_DATABASE_URL" in env
    assert not {"COWIN_KIT_SECRET_KEY", "COWIN_KIT_REDIS_URL", "COWIN_KIT_KEYS_DIR",
                "COWIN_KIT_ENV"} & env
    assert_like_the_web_pod_and_closed(rendered, ROUTINE, "routine-due")


def test_the_refresh_is_off_without_a_routine_schedule_or_by_its_flag(render):
    off = render(set={"routineDueRefresh.enabled": "false"})
    assert ROUTINE not in _names(off, "CronJob") and ROUTINE not in _names(off, "NetworkPolicy")
    own = render(values={"profile": {"files": {"profileYaml": "country: {}\n"}}})
    assert ROUTINE not in _names(own, "CronJob")
    with_schedule = render(values={"profile": {"files": {"profileYaml": "country: {}\n",
                                                         "routineYaml": "programmes: []\n"}}})
    assert ROUTINE in _names(with_schedule, "CronJob")


def test_the_refresh_follows_its_values_and_refuses_bad_ones(render):
    rendered = render(values={"routineDueRefresh": {"schedule": "0 19 * * *",
                                                    "activeDeadlineSeconds": 600}})
    spec = rendered.one("CronJob", ROUTINE)["spec"]
    assert spec["schedule"] == "0 19 * * *"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 600
    long = render(set={"fullnameOverride": "x" * 63})
    [name] = [n for n in _names(long, "CronJob") if n.endswith("-routine-due")]
    assert len(name) <= 52
    refused = render(set={"routineDueRefresh.schedule": "daily"}, expect_ok=False)
    assert refused.returncode != 0 and "routineDueRefresh/schedule" in refused.stderr


def test_one_machine_installs_have_the_same_job_as_a_nightly_timer():
    from pathlib import Path

    from tests.deploy.systemd_unit import read_unit

    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    service = read_unit(units / "cowin-kit-routine-due.service")["Service"]
    assert service["ExecStart"] == [
        "/opt/cowin-kit/venv/bin/cowin-kit reports refresh-routine-due"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["cowin"]
    timer = read_unit(units / "cowin-kit-routine-due.timer")
    assert timer["Timer"]["OnCalendar"] == ["*-*-* 00:45:00"]
    assert timer["Timer"]["Persistent"] == ["true"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    install = (units.parent / "install-one-machine.sh").read_text()
    assert "cowin-kit-routine-due.timer" in install
