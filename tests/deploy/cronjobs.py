"""What every CronJob of the chart shares (lottery, reminders, routine-due refresh): run from the
web pods' image under their security context, and reachable by nothing."""

from __future__ import annotations


def env_names(container: dict) -> set[str]:
    return {e["name"] for e in container.get("env", [])}


def assert_like_the_web_pod_and_closed(rendered, name: str, component: str) -> None:
    """The CronJob ``name`` runs the web pods' image under their security context, and its own
    NetworkPolicy (selecting ``component``) lets nothing in."""
    template = rendered.pod_template("CronJob", name)
    web = rendered.pod_template("Deployment")["spec"]
    assert template["spec"]["securityContext"] == web["securityContext"]
    assert template["spec"]["containers"][0]["image"] == web["containers"][0]["image"]
    [policy] = [p for p in rendered.of_kind("NetworkPolicy") if p["metadata"]["name"] == name]
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == \
        component
    assert "Ingress" in policy["spec"]["policyTypes"] and not policy["spec"].get("ingress")
