"""The chart's pre-install Job (``cowin-kit keys provision-secret``): the signing keys, made once,
into a Secret created through the Kubernetes API that Helm does not own."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path


class ProvisioningFailed(RuntimeError):
    """The Kubernetes API refused; the message says what it answered."""


def secret_files(root: Path) -> dict[str, str]:
    """The keys folder as a flat Secret: ``<folder>/<file>`` becomes ``<folder>__<file>``
    (the chart's init container folds it back), base64 values."""
    out = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".tmp"):
            continue
        out["__".join(path.relative_to(root).parts)] = base64.b64encode(path.read_bytes()).decode("ascii")
    return out


def _kube_request(api: str, method: str, path: str, token: str, context, body: dict | None = None):
    request = urllib.request.Request(api.rstrip("/") + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def provision_secret(*, api: str, token: str, namespace: str, name: str, make_keys, context=None,
                     labels: dict | None = None) -> str:
    """Create Secret ``name`` holding new keys unless it exists: ``exists`` or ``created``.

    The Secret is the cluster's, not Helm's: annotated ``helm.sh/resource-policy: keep`` and
    never part of the release, so upgrades and uninstalls leave it alone."""
    path = f"/api/v1/namespaces/{namespace}/secrets"
    status = _kube_request(api, "GET", f"{path}/{name}", token, context)
    if status == 200:
        return "exists"
    if status != 404:
        raise ProvisioningFailed(f"the Kubernetes API answered {status} reading Secret {name}")
    body = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "labels": labels or {},
                         "annotations": {"helm.sh/resource-policy": "keep"}},
            "data": make_keys()}
    status = _kube_request(api, "POST", path, token, context, body)
    if status == 409:
        return "exists"  # another run made it first
    if status not in (200, 201):
        raise ProvisioningFailed(f"the Kubernetes API answered {status} creating Secret {name}")
    return "created"
