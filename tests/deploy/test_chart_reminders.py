"""The due-dose reminders CronJob (#19): `cowin-kit reminders send`, off until
reminders.enabled, then run like the lottery CronJob (one run at a time, the release's Secret,
its own NetworkPolicy) but with the secret key: mobiles are kept as keyed hashes."""

from __future__ import annotations

from tests.deploy.cronjobs import assert_like_the_web_pod_and_closed, env_names

REMINDERS = "cowin-kit-reminders"


def test_the_reminders_cronjob_is_off_until_enabled(render):
    rendered = render()
    assert REMINDERS not in {c["metadata"]["name"] for c in rendered.of_kind("CronJob")}
    assert REMINDERS not in {p["metadata"]["name"] for p in rendered.of_kind("NetworkPolicy")}


def test_the_reminders_cronjob_sends_hourly_one_run_at_a_time(render):
    rendered = render(set={"reminders.enabled": "true"})
    spec = rendered.one("CronJob", REMINDERS)["spec"]
    assert spec["schedule"] == "15 * * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 0
    template = rendered.pod_template("CronJob", REMINDERS)
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "reminders"
    container = template["spec"]["containers"][0]
    assert container["command"] + container["args"] == ["cowin-kit", "reminders", "send"]
    env = env_names(container)
    assert {"COWIN_KIT_DATABASE_URL", "COWIN_KIT_SECRET_KEY"} <= env
    assert not {"COWIN_KIT_REDIS_URL", "COWIN_KIT_KEYS_DIR", "COWIN_KIT_ENV"} & env
    assert_like_the_web_pod_and_closed(rendered, REMINDERS, "reminders")


def test_the_reminders_cronjob_follows_its_values_and_refuses_bad_ones(render):
    rendered = render(values={"reminders": {"enabled": True, "schedule": "0 9,15 * * *",
                                            "activeDeadlineSeconds": 600},
                              "extraEnv": [{"name": "COWIN_KIT_REMINDER_DAILY_CAP",
                                            "value": "1"}]})
    spec = rendered.one("CronJob", REMINDERS)["spec"]
    assert spec["schedule"] == "0 9,15 * * *"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 600
    container = rendered.pod_template("CronJob", REMINDERS)["spec"]["containers"][0]
    assert {"name": "COWIN_KIT_REMINDER_DAILY_CAP", "value": "1"} in container["env"]
    long = render(set={"reminders.enabled": "true", "fullnameOverride": "x" * 63})
    [name] = [c["metadata"]["name"] for c in long.of_kind("CronJob")
              if c["metadata"]["name"].endswith("-reminders")]
    assert len(name) <= 52
    refused = render(set={"reminders.enabled": "true", "reminders.schedule": "often"},
                     expect_ok=False)
    assert refused.returncode != 0 and "reminders/schedule" in refused.stderr


def test_one_machine_installs_have_the_same_job_as_a_timer_left_off():
    from pathlib import Path

    from tests.deploy.systemd_unit import read_unit

    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    service = read_unit(units / "cowin-kit-reminders.service")["Service"]
    assert service["ExecStart"] == ["/opt/cowin-kit/venv/bin/cowin-kit reminders send"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["cowin"]
    timer = read_unit(units / "cowin-kit-reminders.timer")
    assert timer["Timer"]["OnCalendar"] == ["*-*-* *:15:00"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    # Off until the ministry's SMS gateway is set up, as the chart's CronJob.
    install = (units.parent / "install-one-machine.sh").read_text()
    assert "cowin-kit-reminders.timer" not in install
