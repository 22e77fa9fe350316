"""The Helm chart: lint, schema (typos and wrong types rejected), Kubernetes API validity, and
the properties a ministry relies on (hardening, hooks, probes, secrets, profile files)."""

from __future__ import annotations

import kubernetes_validate
import pytest

from tests.deploy.conftest import (CHART, MIGRATION_JOB, PRODUCTION_VALUES, SIGNER_DEPLOYMENT,
                                   TRIAL_VALUES, run_helm)

# Everything optional switched on, so every template is rendered and validated.
EVERYTHING = {
    "ingress": {"enabled": True},
    "autoscaling": {"enabled": True},
    "redis": {"url": "redis://redis:6379/0"},
    "sms": {"httpToken": "token"},
    "signingKeys": {"existingSecret": "cowin-kit-signing-keys"},
    "profile": {"files": {"profileYaml": "schema_version: 1\n", "areasCsv": "code,parent_code\n"}},
    "gunicorn": {"workers": 3},
    "extraEnv": [{"name": "COWIN_KIT_DB_POOL_SIZE", "value": "5"}],
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                   "whenUnsatisfiable": "ScheduleAnyway"}],
    "config": {"smsBackend": "http", "smsHttpUrl": "https://sms.example.org/send"},
    "imagePullSecrets": ["registry-credentials"],
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "cowin-kit",
                     "effect": "NoSchedule"}],
}
# The SMS gateway backend, which adds the SMS delivery CronJob (and its NetworkPolicy).
HTTP_SMS = {"config.smsBackend": "http", "config.smsHttpUrl": "https://sms.example.org/send"}


def env_of(container) -> dict:
    return {item["name"]: item for item in container["env"]}


@pytest.mark.parametrize("values", [[TRIAL_VALUES], [PRODUCTION_VALUES]], ids=["trial", "production"])
def test_lint_strict(helm, values):
    args = ["lint", "--strict", str(CHART)] + [a for v in values for a in ("-f", str(v))]
    done = run_helm(helm, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


@pytest.mark.parametrize("case", ["default", "production", "everything"])
@pytest.mark.parametrize("version", ["1.27.0", kubernetes_validate.utils.latest_version()])
def test_manifests_valid_for_kubernetes(render, case, version):
    rendered = render(values_files=[PRODUCTION_VALUES] if case == "production" else [],
                      values=EVERYTHING if case == "everything" else None)
    assert len(rendered) >= 8
    for doc in rendered:
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("args, message", [
    ({"replicaCont": "3"}, "at '': additional properties 'replicaCont' not allowed"),
    ({"ingress.tls.secretNmae": "x"}, "at '/ingress/tls': additional properties 'secretNmae' not allowed"),
    ({"config.publicURL": "https://x"}, "at '/config': additional properties 'publicURL' not allowed"),
    ({"replicaCount": "two"}, "at '/replicaCount': got string, want integer"),
    ({"autoscaling.enabled": "yes"}, "at '/autoscaling/enabled': got string, want boolean"),
    ({"config.smsBackend": "sms"}, "at '/config/smsBackend': value must be one of 'outbox', 'log', 'http'"),
    ({"database.url": "postgresql://u@h/db"}, "at '/database/url'"),
    ({"smsDelivery.olderThanSecond": "60"},
     "at '/smsDelivery': additional properties 'olderThanSecond' not allowed"),
    ({"smsDelivery.resources.limit.memory": "1Gi"},
     "at '/smsDelivery/resources': additional properties 'limit' not allowed"),
    ({"smsDelivery.olderThanSeconds": "soon"},
     "at '/smsDelivery/olderThanSeconds': got string, want integer"),
    ({"smsDelivery.schedule": "every 5 minutes"}, "at '/smsDelivery/schedule'"),
])
def test_schema_rejects_typos_and_wrong_types(render, args, message):
    done = render(set=args, expect_ok=False)
    assert done.returncode != 0
    assert "values don't meet the specifications of the schema" in done.stderr
    assert message in done.stderr


def test_schema_rejects_a_values_file_with_a_typo(render, tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("resources:\n  requests:\n    cpu: 1\n  limit:\n    memory: 1Gi\n")
    done = render(values_files=[values], expect_ok=False)
    assert done.returncode != 0
    assert "at '/resources': additional properties 'limit' not allowed" in done.stderr


@pytest.mark.parametrize("kind", ["Deployment", "Job", "CronJob"])
@pytest.mark.parametrize("values", [None, EVERYTHING], ids=["default", "everything"])
def test_pods_are_hardened(render, kind, values):
    pod = render(set=HTTP_SMS, values=values).pod_template(kind, MIGRATION_JOB if kind == "Job" else None)["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in pod.get("initContainers", []) + pod["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert container["resources"]["requests"] and container["resources"]["limits"]
    container = pod["containers"][0]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    for path in ("/tmp", env_of(container)["COWIN_KIT_INSTANCE_DIR"]["value"]):
        assert "emptyDir" in volumes[mounts[path]], f"{path} must be a writable emptyDir"
    assert all(m.get("readOnly") for m in container["volumeMounts"]
               if "emptyDir" not in volumes[m["name"]]), "only the emptyDirs may be written"


def test_web_pods_are_probed_and_never_migrate(render):
    pod = render().pod_template("Deployment")["spec"]
    container = pod["containers"][0]
    # Liveness on gunicorn's socket: a saturated worker pool cannot fail it (issue #25 item 7).
    assert container["livenessProbe"] == {"tcpSocket": {"port": "http"}, "periodSeconds": 10,
                                          "timeoutSeconds": 3, "failureThreshold": 3}
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert all("upgrade" not in c.get("args", []) for c in pod.get("initContainers", []))
    assert "upgrade" not in container["command"] + container.get("args", [])
    assert container["command"] == ["gunicorn"]
    assert container["args"][-1] == "cowin_kit.wsgi:app"


def test_migration_job_is_a_pre_install_pre_upgrade_hook(render):
    rendered = render()
    job = rendered.one("Job", MIGRATION_JOB)
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    assert job["spec"]["backoffLimit"] >= 0 and job["spec"]["activeDeadlineSeconds"] > 0
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] + container["args"] == [
        "cowin-kit", "db", "upgrade", "--app-role", "cowin_kit_app"]
    # Hooks run before the release's own resources exist: whatever the Job reads must be a hook
    # created earlier (lower weight) or a Secret the user made beforehand.
    database = env_of(container)["COWIN_KIT_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    secret = rendered.one("Secret", database["name"])
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        annotations["helm.sh/hook-weight"])
    account = job["spec"]["template"]["spec"]["serviceAccountName"]
    assert "helm.sh/hook" in rendered.one("ServiceAccount", account)["metadata"]["annotations"]
    # The web pods' secret key is not handed to the migration.
    assert "COWIN_KIT_SECRET_KEY" not in env_of(container)


def test_existing_secrets_are_used_and_no_credentials_rendered(render):
    rendered = render(values_files=[PRODUCTION_VALUES])
    env = env_of(rendered.web_container())
    refs = {name: item["valueFrom"]["secretKeyRef"] for name, item in env.items()
            if "secretKeyRef" in item.get("valueFrom", {})}
    assert refs == {
        "COWIN_KIT_DATABASE_URL": {"name": "cowin-kit-database", "key": "database-url"},
        "COWIN_KIT_SECRET_KEY": {"name": "cowin-kit-secret-key", "key": "secret-key"},
        # Optional keys of the same Secret: a rotation adds them (docs/deploy.md, "Secrets").
        "COWIN_KIT_SECRET_KEY_FALLBACKS": {"name": "cowin-kit-secret-key",
                                           "key": "secret-key-fallbacks", "optional": True},
        "COWIN_KIT_IDENTITY_HASH_KEY": {"name": "cowin-kit-secret-key",
                                        "key": "identity-hash-key", "optional": True},
        "COWIN_KIT_REDIS_URL": {"name": "cowin-kit-redis", "key": "redis-url"},
        "COWIN_KIT_SMS_HTTP_TOKEN": {"name": "cowin-kit-sms", "key": "sms-http-token"},
    }
    assert rendered.of_kind("Secret") == []
    # The signing keys go to the signer pods only (tests/deploy/test_chart_signer.py).
    pod = rendered.one("Deployment", SIGNER_DEPLOYMENT)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["signing-keys-secret"]["secret"]["secretName"] == "cowin-kit-signing-keys"
    # The flat Secret is unfolded into an in-memory folder the app reads (read-only).
    unfold = pod["initContainers"][0]
    assert {m["name"] for m in unfold["volumeMounts"]} == {"signing-keys-secret", "signing-keys"}
    assert volumes["signing-keys"]["emptyDir"]["medium"] == "Memory"
    signer_mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "signing-keys")
    assert signer_mount["readOnly"] is True
    assert env_of(pod["containers"][0])["COWIN_KIT_KEYS_DIR"]["value"] == signer_mount["mountPath"] \
        == "/etc/cowin-kit/keys"
    assert "replicas" not in rendered.one("Deployment")["spec"]  # the HPA owns the count
    assert rendered.one("HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 3


def test_migrations_run_as_the_schema_owner_and_the_pods_as_the_app_role(render):
    rendered = render()
    job = rendered.one("Job", MIGRATION_JOB)["spec"]["template"]["spec"]["containers"][0]
    owner = env_of(job)["COWIN_KIT_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert rendered.one("Secret", owner["name"])["stringData"][owner["key"]] == (
        "postgresql+psycopg://cowin_kit@postgresql:5432/cowin_kit")
    web = env_of(rendered.web_container())
    app = web["COWIN_KIT_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert rendered.one("Secret", app["name"])["stringData"][app["key"]] == (
        "postgresql+psycopg://cowin_kit_app@postgresql:5432/cowin_kit")
    # Production mode on the web pods only: the Job and the CronJob get no secret key.
    assert web["COWIN_KIT_ENV"]["value"] == "production"
    assert "COWIN_KIT_ENV" not in env_of(job)
    sms = render(set=HTTP_SMS).pod_template("CronJob")["spec"]["containers"][0]
    assert "COWIN_KIT_ENV" not in env_of(sms)
    # Secrets the ministry manages: both URLs in one Secret, under their own keys.
    production = render(values_files=[PRODUCTION_VALUES], set_string={"database.appRole": ""})
    job = production.one("Job")["spec"]["template"]["spec"]["containers"][0]
    assert env_of(job)["COWIN_KIT_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "cowin-kit-database", "key": "migration-database-url"}
    assert job["args"] == ["db", "upgrade"]  # no app role to grant: the DBA grants it
    done = render(set_string={"database.migrationUrl": ""}, expect_ok=False)
    assert done.returncode != 0 and "set database.migrationUrl" in done.stderr


def test_settings_become_cowin_kit_variables(render):
    rendered = render(set={"config.otpMaxTries": "5", "config.captchaEnabled": "true"})
    env = env_of(rendered.web_container())
    assert env["COWIN_KIT_OTP_MAX_TRIES"]["value"] == "5"
    assert env["COWIN_KIT_CAPTCHA_ENABLED"]["value"] == "true"
    assert env["COWIN_KIT_RATE_LIMIT_PUBLIC"]["value"] == "100 per 5 minutes"
    assert env["COWIN_KIT_PROFILE"]["value"] == "in"
    assert "COWIN_KIT_SMS_HTTP_URL" not in env  # empty settings are left to the kit's default


def test_ministry_profile_files_are_mounted_and_named_by_path(render, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("schema_version: 1\ncountry: {alpha2: XX}\n")
    areas = tmp_path / "areas.csv"
    areas.write_text("code,parent_code,level,name\nXX-A,,state,Ä\n", encoding="utf-8")
    rendered = render(set_file={"profile.files.profileYaml": profile,
                                "profile.files.areasCsv": areas})
    config_map = rendered.one("ConfigMap", "cowin-kit-profile")
    assert config_map["data"] == {"profile.yaml": profile.read_text(),
                                  "areas.csv": areas.read_text(encoding="utf-8")}
    container = rendered.web_container()
    path = env_of(container)["COWIN_KIT_PROFILE"]["value"]
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == path)
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert volume["configMap"]["name"] == "cowin-kit-profile"
    job_volumes = rendered.one("Job", MIGRATION_JOB)["spec"]["template"]["spec"]["volumes"]
    job_profile = next(v for v in job_volumes if v["name"] == "profile")["configMap"]["name"]
    assert rendered.one("ConfigMap", job_profile)["data"] == config_map["data"]


def test_a_database_is_required(render):
    done = render(set_string={"database.url": ""}, expect_ok=False)
    assert done.returncode != 0
    assert "set database.url or database.existingSecret" in done.stderr


def test_areas_without_a_profile_is_refused(render):
    done = render(set={"profile.files.areasCsv": "code"}, expect_ok=False)
    assert done.returncode != 0
    assert "profile.files.areasCsv needs profile.files.profileYaml" in done.stderr


def test_network_policy_admits_the_ingress_controller_and_the_test_pod(render):
    rendered = render()
    policy = rendered.one("NetworkPolicy", "cowin-kit")["spec"]  # the web pods' (also: SMS job's)
    peers = policy["ingress"][0]["from"]
    test_pod = next(doc for doc in rendered.of_kind("Pod")
                    if doc["metadata"]["annotations"]["helm.sh/hook"] == "test")
    labels = test_pod["metadata"]["labels"]
    assert any(set(p.get("podSelector", {}).get("matchLabels", {}).items()) <= set(labels.items())
               for p in peers)
    assert any("namespaceSelector" in p for p in peers)
    assert test_pod["spec"]["containers"][0]["args"][-1].endswith("/readyz")
    web = rendered.one("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert set(policy["podSelector"]["matchLabels"].items()) <= set(web.items())
    # The selector picks only web pods, not the migration Job's.
    job = rendered.one("Job", MIGRATION_JOB)["spec"]["template"]["metadata"]["labels"]
    assert not set(policy["podSelector"]["matchLabels"].items()) <= set(job.items())


def test_sms_cronjob_delivers_and_purges_with_every_backend(render):
    # Every backend records texts that the retention purges; only smsDelivery.enabled turns it off.
    for values in ({}, {"config.smsBackend": "log"}):
        container = render(set=values).pod_template("CronJob")["spec"]["containers"][0]
        assert container["args"][-1] == "purge", values
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["COWIN_KIT_SMS_RETENTION_DAYS"] == "30"
    rendered = render(set={**HTTP_SMS, "smsDelivery.enabled": "false",
                           "routineDueRefresh.enabled": "false"})
    assert rendered.of_kind("CronJob") == []
    assert {p["metadata"]["name"] for p in rendered.of_kind("NetworkPolicy")} == {
        "cowin-kit", SIGNER_DEPLOYMENT, "cowin-kit-migrate", "cowin-kit-signing-keys", "cowin-kit-test"}
    rendered = render(set=HTTP_SMS)
    spec = rendered.one("CronJob")["spec"]
    assert spec["schedule"] == "*/5 * * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] > 0
    assert 0 < spec["successfulJobsHistoryLimit"] <= 3 and 0 < spec["failedJobsHistoryLimit"] <= 5
    template = rendered.pod_template("CronJob")
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "sms-delivery"
    assert template["spec"]["restartPolicy"] in ("Never", "OnFailure")
    container = template["spec"]["containers"][0]
    assert container["command"] + container["args"] == [
        "cowin-kit", "sms", "deliver", "--older-than", "300", "purge"]


def test_sms_delivery_follows_its_values(render):
    # From a values file, where YAML numbers reach the templates as floats (1e+06 unless cast).
    rendered = render(values={"config": {"smsBackend": "http"},
                              "smsDelivery": {"schedule": "*/2 * * * *",
                                              "olderThanSeconds": 1000000,
                                              "activeDeadlineSeconds": 600,
                                              "resources": {"requests": {"memory": "300Mi"}}}})
    spec = rendered.one("CronJob")["spec"]
    assert spec["schedule"] == "*/2 * * * *"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 600
    container = rendered.pod_template("CronJob")["spec"]["containers"][0]
    assert container["args"][-3:-1] == ["--older-than", "1000000"]
    assert container["resources"]["requests"]["memory"] == "300Mi"
    long = render(set={**HTTP_SMS, "fullnameOverride": "x" * 63}).one("CronJob")
    name = long["metadata"]["name"]
    assert len(name) <= 52 and name.endswith("-sms-delivery")  # a CronJob's limit


def test_sms_delivery_pods_run_like_the_web_pods_with_only_what_they_need(render):
    """The CronJob runs at any time between upgrades: it must read the release's own Secret,
    ConfigMap and ServiceAccount (as the web pods do), never the migration's hook-scoped copies,
    which are deleted once the migration succeeds. It gets the database URL and the SMS token,
    not the secret key, Redis or the signing keys."""
    rendered = render(values=EVERYTHING)
    web_pod = rendered.pod_template("Deployment")["spec"]
    web = env_of(web_pod["containers"][0])
    pod = rendered.pod_template("CronJob")["spec"]
    container = pod["containers"][0]
    env = env_of(container)
    refs = {name: item["valueFrom"]["secretKeyRef"] for name, item in env.items()
            if "secretKeyRef" in item.get("valueFrom", {})}
    assert set(refs) == {"COWIN_KIT_DATABASE_URL", "COWIN_KIT_SMS_HTTP_TOKEN"}
    for name, ref in refs.items():
        assert ref == web[name]["valueFrom"]["secretKeyRef"]
        assert "helm.sh/hook" not in rendered.one("Secret", ref["name"])["metadata"].get(
            "annotations", {})
    settings = {name: item["value"] for name, item in web.items()
                if name.startswith("COWIN_KIT_") and "value" in item}
    del settings["COWIN_KIT_KEYS_DIR"]
    del settings["COWIN_KIT_ENV"]  # production mode wants the secret key: web pods only
    for name in ("URL", "CLIENT_CERT", "CLIENT_KEY", "CA"):  # only web pods sign certificates
        del settings[f"COWIN_KIT_SIGNER_{name}"]
    assert {name: item["value"] for name, item in env.items() if "value" in item} == settings
    profile = {v["name"]: v for v in pod["volumes"]}["profile"]["configMap"]["name"]
    assert profile == {v["name"]: v for v in web_pod["volumes"]}["profile"]["configMap"]["name"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "profile")
    assert mount["mountPath"] == env["COWIN_KIT_PROFILE"]["value"]
    for kind, name in (("ConfigMap", profile), ("ServiceAccount", pod["serviceAccountName"])):
        assert "helm.sh/hook" not in rendered.one(kind, name)["metadata"].get("annotations", {})
    for key in ("serviceAccountName", "imagePullSecrets", "securityContext", "nodeSelector",
                "tolerations"):
        assert pod[key] == web_pod[key], key
    assert container["image"] == web_pod["containers"][0]["image"]
    assert container["securityContext"] == web_pod["containers"][0]["securityContext"]


def test_network_policy_lets_sms_delivery_out_like_the_web_pods_and_nobody_in(render):
    rendered = render(set=HTTP_SMS)

    def policies_for(kind):
        labels = rendered.pod_template(kind)["metadata"]["labels"].items()
        return [p["spec"] for p in rendered.of_kind("NetworkPolicy")
                if set(p["spec"]["podSelector"]["matchLabels"].items()) <= set(labels)]

    [sms], [web] = policies_for("CronJob"), policies_for("Deployment")
    assert sms is not web
    # the same ports out, but not to the signer: only web pods sign certificates
    assert sms["egress"] == [rule for rule in web["egress"] if "to" not in rule]
    assert "Ingress" in sms["policyTypes"] and not sms.get("ingress")
    assert render(set={**HTTP_SMS, "networkPolicy.enabled": "false"}).of_kind("NetworkPolicy") == []


def test_ingress_serves_every_host_over_tls(render):
    rendered = render(set={"ingress.enabled": "true", "ingress.hosts[0]": "a.example.org",
                           "ingress.hosts[1]": "b.example.org"})
    spec = rendered.one("Ingress")["spec"]
    assert spec["tls"][0]["hosts"] == ["a.example.org", "b.example.org"]
    assert [rule["host"] for rule in spec["rules"]] == ["a.example.org", "b.example.org"]


def test_standard_labels_on_every_resource(render):
    for doc in render(values=EVERYTHING):
        labels = doc["metadata"]["labels"]
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance",
                    "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart"):
            assert key in labels, f"{doc['kind']}/{doc['metadata']['name']} lacks {key}"


@pytest.mark.parametrize("values, expected, unexpected", [
    ([TRIAL_VALUES], ["kubectl -n cowin port-forward service/cowin-kit",
                      "made them once into the Secret", "WARNING: the chart made the secret key"],
     []),
    ([PRODUCTION_VALUES], ["https://selfregistration.health.gov.example/"],
     ["WARNING", "port-forward"]),
])
def test_notes_tell_what_to_do_next(helm, values, expected, unexpected):
    args = ["install", "cowin-kit", str(CHART), "--namespace", "cowin", "--dry-run=client"]
    done = run_helm(helm, *args, *[a for v in values for a in ("-f", str(v))])
    assert done.returncode == 0, done.stderr
    notes = done.stdout.split("NOTES:", 1)[1]
    assert "helm test cowin-kit -n cowin" in notes
    for text in expected:
        assert text in notes
    for text in unexpected:
        assert text not in notes


def test_the_chart_and_compose_trust_the_one_proxy_they_deploy(render):
    """Behind the ingress controller (chart) or nginx (compose) the client's address is the last
    X-Forwarded-For hop; without COWIN_KIT_TRUSTED_PROXIES every citizen would be counted as
    the proxy (one rate-limit bucket for the country)."""
    import yaml

    from tests.deploy.conftest import REPO

    assert env_of(render().web_container())["COWIN_KIT_TRUSTED_PROXIES"]["value"] == "1"
    direct = render(set={"config.trustedProxies": "0"})
    assert env_of(direct.web_container())["COWIN_KIT_TRUSTED_PROXIES"]["value"] == "0"
    refused = render(set={"config.trustedProxies": "-1"}, expect_ok=False)
    assert refused.returncode != 0 and "trustedProxies" in refused.stderr
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["environment"]
    assert web["COWIN_KIT_TRUSTED_PROXIES"] == "${COWIN_KIT_TRUSTED_PROXIES:-1}"
    # The compose nginx appends the address it saw: the hop the kit trusts.
    site = (REPO / "deploy" / "nginx" / "cowin-kit.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
