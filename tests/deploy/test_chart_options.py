"""The chart's general options (issue #25 items 3, 7), each rendered on and its objects checked:
namespace and common metadata everywhere, extra volumes, init containers and sidecars, a
NetworkPolicy per component, the Gateway API HTTPRoute, a liveness probe that a busy worker
pool cannot fail, database connections that fit the pooler, the Grafana dashboard."""

from __future__ import annotations

import json
import re

import kubernetes_validate
import pytest

from tests.deploy.conftest import MIGRATION_JOB, PRODUCTION_VALUES, SIGNER_DEPLOYMENT, run_helm, CHART
from tests.deploy.test_chart import EVERYTHING, env_of

LATEST = kubernetes_validate.utils.latest_version()
#: Kinds kubernetes-validate has no schema for (CRDs).
CRDS = {"ServiceMonitor", "HTTPRoute"}
COMMON = {"commonLabels": {"team": "immunisation"}, "commonAnnotations": {"owner": "moh-it"},
          "namespaceOverride": "vaccination"}


def validate(rendered) -> None:
    for doc in rendered:
        if doc["kind"] not in CRDS:
            kubernetes_validate.validate(doc, LATEST, strict=True)


def pod_templates(rendered):
    """(name, pod template) of every workload, the test pod included."""
    for doc in rendered:
        if doc["kind"] in ("Deployment", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]
        elif doc["kind"] == "CronJob":
            yield doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]
        elif doc["kind"] == "Pod":
            yield doc["metadata"]["name"], doc


def test_namespace_and_common_metadata_on_every_resource(render):
    values = {**EVERYTHING, **COMMON, "httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]},
              "metrics": {"enabled": True, "dashboard": {"enabled": True},
                          "token": {"existingSecret": "m"}, "serviceMonitor": {"enabled": True}},
              "signingKeys": {"generate": {"enabled": True}}, "secretKey": {"generate": True}}
    rendered = render(values=values)
    kinds = {doc["kind"] for doc in rendered}
    assert {"HTTPRoute", "ServiceMonitor", "ConfigMap", "NetworkPolicy", "Job", "CronJob", "Role"} <= kinds
    for doc in rendered:
        meta, where = doc["metadata"], f"{doc['kind']}/{doc['metadata']['name']}"
        assert meta["namespace"] == "vaccination", where
        assert meta["labels"]["team"] == "immunisation", where
        assert meta["annotations"]["owner"] == "moh-it", where
    # Hooks keep their own annotations next to the common ones.
    job = rendered.one("Job", MIGRATION_JOB)["metadata"]["annotations"]
    assert job["helm.sh/hook"] == "pre-install,pre-upgrade" and job["owner"] == "moh-it"
    # Pods carry the common labels; selectors never do (they cannot change after install).
    for name, template in pod_templates(rendered):
        assert template["metadata"]["labels"]["team"] == "immunisation", name
    for doc in rendered.of_kind("Deployment") + rendered.of_kind("Service") + rendered.of_kind("PodDisruptionBudget"):
        selector = doc["spec"]["selector"]
        assert "team" not in selector.get("matchLabels", selector), doc["metadata"]["name"]
    validate(rendered)


def test_without_override_every_resource_names_the_release_namespace(render):
    assert {doc["metadata"]["namespace"] for doc in render()} == {"cowin"}


def test_a_resource_s_own_annotations_win_over_the_common_ones(render):
    rendered = render(values={"commonAnnotations": {"a": "common", "b": "common"},
                              "service": {"annotations": {"b": "service"}}})
    assert rendered.one("Service")["metadata"]["annotations"] == {"a": "common", "b": "service"}


def test_extra_volumes_mounts_init_containers_and_sidecars(render):
    shipper = {"name": "log-shipper", "image": "fluent/fluent-bit:3.2",
               "volumeMounts": [{"name": "spool", "mountPath": "/spool"}]}
    wait = {"name": "wait-for-db", "image": "busybox:1.37", "command": ["true"]}
    rendered = render(values={
        "extraVolumes": [{"name": "spool", "emptyDir": {}},
                         {"name": "ca", "configMap": {"name": "ministry-ca"}}],
        "extraVolumeMounts": [{"name": "ca", "mountPath": "/etc/ministry-ca", "readOnly": True}],
        "initContainers": [wait], "sidecars": [shipper],
        "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}]})
    pod = rendered.pod_template("Deployment")["spec"]
    assert [c["name"] for c in pod["containers"]] == ["web", "log-shipper"]
    assert pod["initContainers"][-1] == wait
    assert {"spool", "ca"} <= {v["name"] for v in pod["volumes"]}
    assert {"name": "ca", "mountPath": "/etc/ministry-ca", "readOnly": True} in pod["containers"][0]["volumeMounts"]
    # extraEnv reaches every pod that runs the kit.
    for kind in ("Deployment", "Job", "CronJob"):
        container = rendered.pod_template(kind, MIGRATION_JOB if kind == "Job" else None)["spec"]["containers"][0]
        assert env_of(container)["HTTPS_PROXY"]["value"] == "http://proxy:3128", kind
    validate(rendered)
    # Without them, nothing is added (the signer's web pods have no init container at all).
    plain = render().pod_template("Deployment")["spec"]
    assert "initContainers" not in plain and len(plain["containers"]) == 1


def test_every_component_has_its_own_network_policy(render):
    rendered = render(values={**EVERYTHING, "signingKeys": {"existingSecret": ""},
                              "secretKey": {"generate": True}})
    policies = rendered.of_kind("NetworkPolicy")

    def selecting(template):
        labels = template["metadata"]["labels"].items()
        return [p for p in policies if set(p["spec"]["podSelector"]["matchLabels"].items()) <= labels]

    seen = {}
    for name, template in pod_templates(rendered):
        found = selecting(template)
        assert len(found) == 1, f"{name}: {[p['metadata']['name'] for p in found]}"
        seen[name] = found[0]
    assert set(seen) == {"cowin-kit", SIGNER_DEPLOYMENT, MIGRATION_JOB, "cowin-kit-signing-keys",
                         "cowin-kit-sms-delivery", "cowin-kit-test-readyz"}
    ports = lambda policy: [p for rule in policy["spec"].get("egress", []) for p in rule["ports"]]  # noqa: E731
    # The migration reaches DNS and PostgreSQL only; nothing reaches it.
    migrate = seen[MIGRATION_JOB]
    assert {p["port"] for p in ports(migrate)} == {53, 5432} and not migrate["spec"].get("ingress")
    assert migrate["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(migrate["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        rendered.one("Job", MIGRATION_JOB)["metadata"]["annotations"]["helm.sh/hook-weight"])
    # The key Job reaches the Kubernetes API and DNS only.
    assert {p["port"] for p in ports(seen["cowin-kit-signing-keys"])} == {53, 443, 6443}
    # The test pod reaches the web pods' port (and DNS); it is the only release pod they admit.
    test = seen["cowin-kit-test-readyz"]
    [to_web] = [rule for rule in test["spec"]["egress"] if "to" in rule]
    web_labels = rendered.pod_template("Deployment")["metadata"]["labels"].items()
    assert set(to_web["to"][0]["podSelector"]["matchLabels"].items()) <= web_labels
    assert to_web["ports"] == [{"port": 8000, "protocol": "TCP"}]
    assert test["metadata"]["annotations"]["helm.sh/hook"] == "test"
    web_peers = seen["cowin-kit"]["spec"]["ingress"][0]["from"]
    release_peers = [p["podSelector"]["matchLabels"] for p in web_peers if "podSelector" in p]
    job_labels = rendered.pod_template("Job", MIGRATION_JOB)["metadata"]["labels"].items()
    assert not any(set(peer.items()) <= job_labels for peer in release_peers)
    validate(rendered)


def test_http_route_besides_or_instead_of_the_ingress(render):
    rendered = render(values={"httpRoute": {
        "enabled": True, "hostnames": ["selfregistration.health.gov.example"],
        "parentRefs": [{"name": "public", "namespace": "gateway", "sectionName": "https"}],
        "annotations": {"example.org/team": "moh"}}})
    route = rendered.one("HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    spec = route["spec"]
    assert spec["parentRefs"] == [{"name": "public", "namespace": "gateway", "sectionName": "https"}]
    assert spec["hostnames"] == ["selfregistration.health.gov.example"]
    service = rendered.one("Service")
    [backend] = spec["rules"][0]["backendRefs"]
    assert backend == {"name": service["metadata"]["name"], "port": service["spec"]["ports"][0]["port"]}
    assert route["metadata"]["annotations"] == {"example.org/team": "moh"}
    assert rendered.of_kind("Ingress") == []  # the Ingress stays off unless asked for too
    assert render().of_kind("HTTPRoute") == []
    done = render(set={"httpRoute.enabled": "true"}, expect_ok=False)
    assert done.returncode != 0 and "httpRoute.enabled needs httpRoute.parentRefs" in done.stderr
    done = render(set={"httpRoute.hostname": "x"}, expect_ok=False)
    assert "at '/httpRoute': additional properties 'hostname' not allowed" in done.stderr


def test_liveness_is_gunicorn_s_socket_unless_http_is_asked_for(render):
    container = render().web_container()
    assert container["livenessProbe"]["tcpSocket"] == {"port": "http"}
    assert "httpGet" not in container["livenessProbe"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"  # readiness stays HTTP
    http = render(set={"probes.liveness.type": "http"}).web_container()["livenessProbe"]
    assert http["httpGet"] == {"path": "/healthz", "port": "http"}
    done = render(set={"probes.liveness.type": "exec"}, expect_ok=False)
    assert done.returncode != 0 and "/probes/liveness/type" in done.stderr


def test_pool_sizes_reach_the_pods_and_must_fit_the_pooler(render, helm):
    rendered = render(values_files=[PRODUCTION_VALUES])
    for kind in ("Deployment", "CronJob"):
        env = env_of(rendered.pod_template(kind)["spec"]["containers"][0])
        assert (env["COWIN_KIT_DB_POOL_SIZE"]["value"], env["COWIN_KIT_DB_MAX_OVERFLOW"]["value"],
                env["COWIN_KIT_DATABASE_POOLER"]["value"]) == ("5", "5", "pgbouncer"), kind
    job = env_of(rendered.one("Job", MIGRATION_JOB)["spec"]["template"]["spec"]["containers"][0])
    assert job["COWIN_KIT_DATABASE_POOLER"]["value"] == "pgbouncer"
    # The arithmetic: 60 pods x 4 workers (2 CPUs) x 30 (the defaults) = 7,200 > 5,000.
    done = render(values_files=[PRODUCTION_VALUES],
                  set={"database.pool.size": "10", "database.pool.maxOverflow": "20"}, expect_ok=False)
    assert done.returncode != 0
    assert ("60 web pods x 4 gunicorn workers x 30 (database.pool.size 10 + maxOverflow 20) + 90 "
            "for the SMS delivery, lottery, reminders, routine doses refresh and migration pods "
            "= 7290, above "
            "database.pooler.maxClientConnections 5000") in done.stderr
    # Explicit workers count too; without a limit nothing is checked.
    done = render(values_files=[PRODUCTION_VALUES], set={"gunicorn.workers": "9"}, expect_ok=False)
    assert done.returncode != 0 and "60 web pods x 9 gunicorn workers x 10" in done.stderr
    render(set={"replicaCount": "500"})
    # What NOTES tells the operator.
    done = run_helm(helm, "install", "cowin-kit", str(CHART), "--namespace", "cowin",
                    "--dry-run=client", "-f", str(PRODUCTION_VALUES))
    assert done.returncode == 0, done.stderr
    notes = re.sub(r"\s+", " ", done.stdout.split("NOTES:", 1)[1])
    assert ("Database connections at most: 2430 = 60 web pods x 4 workers x 10 "
            "(database.pool.size + maxOverflow) plus the migration and CronJob pods (SMS "
            "delivery, routine doses refresh...), "
            "within the pooler's 5000") in notes


@pytest.mark.parametrize("cpu, workers", [("500m", 2), ("1", 2), ("1500m", 4), ("2", 4), (3, 6)])
def test_the_check_counts_workers_as_gunicorn_does(render, cpu, workers):
    """gunicorn.conf.py runs two workers per CPU of the request (GUNICORN_CPUS rounds it up)."""
    done = render(values={"resources": {"requests": {"cpu": cpu}}, "replicaCount": 1,
                          "database": {"pooler": {"maxClientConnections": 1}}}, expect_ok=False)
    assert f"1 web pods x {workers} gunicorn workers" in done.stderr


def exported_metric_names() -> set[str]:
    """Every metric family the kit exports (counted and computed at scrape)."""
    from cowin_kit.core import metrics

    names = {m._name + ("_total" if m._type == "counter" else "") for m in metrics.ALL}
    source = (CHART.parents[1] / "cowin_kit" / "web" / "metrics.py").read_text()
    names |= set(re.findall(r'"(cowin_kit_[a-z_]+)"', source))
    return names


def test_grafana_dashboard_config_map(render):
    rendered = render(values={"metrics": {"enabled": True, "dashboard": {
        "enabled": True, "namespace": "monitoring", "annotations": {"grafana_folder": "Vaccination"}}}})
    config_map = rendered.one("ConfigMap", "cowin-kit-dashboard")
    assert config_map["metadata"]["namespace"] == "monitoring"
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["metadata"]["annotations"] == {"grafana_folder": "Vaccination"}
    dashboard = json.loads(config_map["data"]["cowin-kit.json"])
    assert dashboard["uid"] == "cowin-kit" and len(dashboard["panels"]) >= 10
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {re.sub(r"_(bucket|sum|count)$", "", name)
            for expr in exprs for name in re.findall(r"\b(cowin_kit_[a-z_]+)", expr)}
    known = exported_metric_names()
    assert used <= known, used - known
    for wanted in ("cowin_kit_http_requests_total", "cowin_kit_appointments_total",
                   "cowin_kit_doses_recorded_total", "cowin_kit_otp_sent_total",
                   "cowin_kit_sms_queue_messages", "cowin_kit_cache_requests_total",
                   "cowin_kit_db_pool_connections"):
        assert wanted in used, wanted
    for off in ({"metrics": {"enabled": True}}, {"metrics": {"dashboard": {"enabled": True}}}):
        assert not [c for c in render(values=off).of_kind("ConfigMap") if c["metadata"]["name"].endswith("-dashboard")]
