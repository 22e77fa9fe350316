"""The chart's metrics (issue #14 item 4): off by default; when on, web pods are announced for
scraping, get COWIN_KIT_METRICS_* (the token from a Secret, never in values), Prometheus alone is
let through the NetworkPolicy, and a ServiceMonitor scrapes with the token."""

from __future__ import annotations

import kubernetes_validate
import pytest

from tests.deploy.conftest import PRODUCTION_VALUES
from tests.deploy.test_chart import env_of

PROMETHEUS = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
ON = {"metrics": {"enabled": True, "networks": "10.42.0.0/16",
                  "token": {"existingSecret": "cowin-kit-metrics"},
                  "from": [PROMETHEUS],
                  "serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}}}


def _annotations(rendered) -> dict:
    return rendered.pod_template("Deployment")["metadata"]["annotations"]


def test_metrics_are_off_by_default(render):
    rendered = render(values_files=[PRODUCTION_VALUES])
    assert not any(key.startswith("prometheus.io/") for key in _annotations(rendered))
    assert not {"COWIN_KIT_METRICS_TOKEN", "COWIN_KIT_METRICS_NETWORKS"} & set(env_of(rendered.web_container()))
    assert not rendered.of_kind("ServiceMonitor")
    policy = rendered.one("NetworkPolicy", "cowin-kit")
    assert len(policy["spec"]["ingress"]) == 1


def test_metrics_on(render):
    rendered = render(values_files=[PRODUCTION_VALUES], values=ON)
    assert _annotations(rendered)["prometheus.io/scrape"] == "true"
    assert _annotations(rendered)["prometheus.io/path"] == "/metrics"
    assert _annotations(rendered)["prometheus.io/port"] == "8000"
    env = env_of(rendered.web_container())
    assert env["COWIN_KIT_METRICS_NETWORKS"]["value"] == "10.42.0.0/16"
    assert env["COWIN_KIT_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "cowin-kit-metrics", "key": "metrics-token"}
    policy = rendered.one("NetworkPolicy", "cowin-kit")
    assert {"from": [PROMETHEUS], "ports": [{"port": "http", "protocol": "TCP"}]} in policy["spec"]["ingress"]
    monitor = rendered.one("ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    endpoint = monitor["spec"]["endpoints"][0]
    assert endpoint["path"] == "/metrics" and endpoint["port"] == "http"
    assert endpoint["bearerTokenSecret"] == {"name": "cowin-kit-metrics", "key": "metrics-token"}
    service = rendered.one("Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    for doc in rendered:
        if doc["kind"] != "ServiceMonitor":  # a CRD kubernetes-validate does not know
            kubernetes_validate.validate(doc, kubernetes_validate.utils.latest_version(), strict=True)


def test_a_service_monitor_needs_the_token(render):
    done = render(values={"metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}},
                  set={"database.url": "postgresql+psycopg://app@db/cowin"}, expect_ok=False)
    assert done.returncode != 0 and "metrics.serviceMonitor needs metrics.token.existingSecret" in done.stderr


@pytest.mark.parametrize("args, message", [
    ({"metrics.enabeld": "true"}, "at '/metrics': additional properties 'enabeld' not allowed"),
    ({"metrics.serviceMonitor.interval": "often"}, "at '/metrics/serviceMonitor/interval'"),
])
def test_schema_rejects_metrics_typos(render, args, message):
    done = render(set=args, expect_ok=False)
    assert done.returncode != 0 and message in done.stderr
