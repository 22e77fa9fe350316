"""The fair-access CronJob (#21): `cowin-kit lottery run` draws closed lottery rounds and passes
lapsed offers on; off until lotteryRun.enabled, then run like the SMS delivery CronJob (one
run at a time, the release's Secret without the secret key, its own NetworkPolicy)."""

from __future__ import annotations

from tests.deploy.cronjobs import assert_like_the_web_pod_and_closed, env_names

LOTTERY = "cowin-kit-lottery"


def test_the_lottery_cronjob_is_off_until_enabled(render):
    names = {c["metadata"]["name"] for c in render().of_kind("CronJob")}
    assert LOTTERY not in names
    assert LOTTERY not in {p["metadata"]["name"] for p in render().of_kind("NetworkPolicy")}


def test_the_lottery_cronjob_runs_the_draw_and_lapses_every_few_minutes(render):
    rendered = render(set={"lotteryRun.enabled": "true"})
    spec = rendered.one("CronJob", LOTTERY)["spec"]
    assert spec["schedule"] == "*/5 * * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 0
    template = rendered.pod_template("CronJob", LOTTERY)
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "lottery"
    container = template["spec"]["containers"][0]
    assert container["command"] + container["args"] == ["cowin-kit", "lottery", "run"]
    env = env_names(container)
    assert "COWIN_KIT_DATABASE_URL" in env
    assert not {"COWIN_KIT_SECRET_KEY", "COWIN_KIT_REDIS_URL"} & env
    assert_like_the_web_pod_and_closed(rendered, LOTTERY, "lottery")


def test_the_lottery_cronjob_follows_its_values_and_refuses_bad_ones(render):
    rendered = render(values={"lotteryRun": {"enabled": True, "schedule": "*/2 * * * *",
                                             "activeDeadlineSeconds": 300}})
    spec = rendered.one("CronJob", LOTTERY)["spec"]
    assert spec["schedule"] == "*/2 * * * *"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 300
    long = render(set={"lotteryRun.enabled": "true", "fullnameOverride": "x" * 63})
    [name] = [c["metadata"]["name"] for c in long.of_kind("CronJob")
              if c["metadata"]["name"].endswith("-lottery")]
    assert len(name) <= 52
    refused = render(set={"lotteryRun.enabled": "true", "lotteryRun.schedule": "often"},
                     expect_ok=False)
    assert refused.returncode != 0 and "lotteryRun/schedule" in refused.stderr


def test_one_machine_installs_run_the_same_job_from_a_systemd_timer():
    from pathlib import Path

    from tests.deploy.systemd_unit import read_unit

    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    service = read_unit(units / "cowin-kit-lottery.service")["Service"]
    assert service["ExecStart"] == ["/opt/cowin-kit/venv/bin/cowin-kit lottery run"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["cowin"]
    timer = read_unit(units / "cowin-kit-lottery.timer")
    assert timer["Timer"]["OnCalendar"] == ["*:0/5"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    install = (units.parent / "install-one-machine.sh").read_text()
    assert "cowin-kit-lottery.timer" in install
