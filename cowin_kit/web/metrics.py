"""``/metrics``: Prometheus metrics of the kit (docs/operations.md, "Metrics and logs").

Counted as things happen (``cowin_kit.core.metrics``, added up over every gunicorn worker through
prometheus-client's multiprocess files): requests by route rule, bookings, doses, OTPs, texts,
cache look-ups, database pools. Computed when Prometheus scrapes, so every worker answers the
same: the SMS queue (``SmsQueueCollector``) and the signing keys (``SigningKeysCollector``):

``cowin_kit_signing_certificate_expiry_seconds{format,kid}``
    seconds until the document signer certificate (DSC) of each active or next hcert key ends
    (negative once it has ended), one series per format it signs (eu_dcc, ddcc). Alert below
    ``DSC_EXPIRY_WARNING_DAYS`` days, as /readyz warns (docs/certificates.md, "Key ceremony").
``cowin_kit_signing_keys{kind,status}``
    how many keys of each kind are ``next``, ``active`` or ``retired``; a kind without an
    ``active`` key cannot sign (issuance answers 409).
``cowin_kit_signing_keys_readable``
    1 when the key store (the signer, for web pods with ``SIGNER_URL``) answered the scrape.
``cowin_kit_sms_queue_messages{status}``, ``cowin_kit_sms_queue_oldest_age_seconds``
    texts waiting for the gateway (``queued``, ``sending``) and how long the oldest has waited.

Nothing personal is exported: key ids and counts only. Still, the endpoint answers only

- a caller presenting ``Authorization: Bearer <METRICS_TOKEN>`` (when that setting is set), or
- a caller connecting from ``METRICS_NETWORKS`` (default loopback; in Kubernetes the pod network
  Prometheus scrapes from) directly: a request carrying a proxy's forwarding header
  (X-Forwarded-For, Forwarded, X-Real-IP) came through nginx or the ingress, from the internet,
  and needs the token whatever address the proxy connects from.

Anyone else gets a 404, as if there were nothing here (docs/configuration.md, "Metrics").
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Blueprint, Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from cowin_kit.certificates.keys import FORMAT_KIND, KINDS
from cowin_kit.certificates.stores import keystore
from cowin_kit.certificates import lifecycle
from cowin_kit.certificates.lifecycle import ACTIVE, NEXT, RETIRED
from cowin_kit.config import ConfigError
from cowin_kit.core import metrics as counted
from cowin_kit.core.audit import install_counters
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import NotFound
from cowin_kit.core.metrics import DOSES
from cowin_kit.core.models import SmsMessage
from cowin_kit.vaccination.signals import dose_recorded

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)

#: Headers a proxy adds: their presence means the request did not come straight from a scraper.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


class SigningKeysCollector(Collector):
    """Reads the app's key store at every scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        expiry = GaugeMetricFamily(
            "cowin_kit_signing_certificate_expiry_seconds",
            "Seconds until the document signer certificate (DSC) of an active or next key ends.",
            labels=["format", "kid"])
        counts = GaugeMetricFamily("cowin_kit_signing_keys", "Signing keys by kind and status.",
                                   labels=["kind", "status"])
        readable = GaugeMetricFamily("cowin_kit_signing_keys_readable",
                                     "1 when the key store answered this scrape, else 0.")
        now = lifecycle.utcnow()  # the lifecycle's clock, looked up at each scrape
        try:
            store = keystore(self.app)
            found = {kind: store.keys(kind) for kind in KINDS}
        except Exception as exc:  # noqa: BLE001 - an unreachable signer or an unreadable folder
            log.error("metrics: signing keys unreadable (%s)", type(exc).__name__)
            readable.add_metric([], 0)
            yield readable
            return
        readable.add_metric([], 1)
        for kind in KINDS:
            for status in (NEXT, ACTIVE, RETIRED):
                counts.add_metric([kind, status], sum(info.status == status for info in found[kind]))
        for info in found["hcert"]:
            if info.certificate is None or info.status == RETIRED:
                continue
            left = (info.certificate.not_valid_after_utc - now).total_seconds()
            for format_name, kind in FORMAT_KIND.items():
                if kind == "hcert":
                    expiry.add_metric([format_name, info.kid], left)
        yield readable
        yield counts
        yield expiry


class SmsQueueCollector(Collector):
    """Texts not yet handed to the gateway, read from the database at every scrape (one indexed
    query on the waiting messages: ``ix_sms_messages_waiting``)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        import sqlalchemy as sa

        depth = GaugeMetricFamily("cowin_kit_sms_queue_messages",
                                  "Texts waiting for the SMS gateway, by status.", labels=["status"])
        age = GaugeMetricFamily("cowin_kit_sms_queue_oldest_age_seconds",
                                "Seconds the oldest waiting text has waited (0 when none waits).")
        readable = GaugeMetricFamily("cowin_kit_sms_queue_readable",
                                     "1 when the database answered this scrape, else 0.")
        table = SmsMessage.__table__
        try:
            with self.app.app_context():
                rows = db.session.execute(
                    sa.select(table.c.status, sa.func.count(), sa.func.min(table.c.created_at))
                    .where(table.c.status.in_(("queued", "sending"))).group_by(table.c.status)).all()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - a database outage must not fail the scrape
            log.error("metrics: SMS queue unreadable (%s)", type(exc).__name__)
            readable.add_metric([], 0)
            yield readable
            return
        readable.add_metric([], 1)
        found = {status: (count, oldest) for status, count, oldest in rows}
        now = utcnow()
        for status in ("queued", "sending"):
            depth.add_metric([status], found.get(status, (0, None))[0])
        oldest = [o if o.tzinfo else o.replace(tzinfo=now.tzinfo)
                  for _count, o in found.values() if o is not None]
        age.add_metric([], max(0.0, (now - min(oldest)).total_seconds()) if oldest else 0.0)
        yield readable
        yield depth
        yield age


def networks(app: Flask) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """METRICS_NETWORKS as networks (comma or space separated CIDRs); ConfigError if unreadable."""
    value = app.config.get("METRICS_NETWORKS", "")
    items = value if isinstance(value, (list, tuple)) else str(value or "").replace(",", " ").split()
    try:
        return [ipaddress.ip_network(str(item).strip(), strict=False) for item in items]
    except ValueError as exc:
        raise ConfigError(f"COWIN_KIT_METRICS_NETWORKS is {value!r}: list networks such as "
                          "127.0.0.0/8, ::1/128, 10.0.0.0/8 ({exc})") from None


class MetricsHidden(NotFound):
    code = "NOT_FOUND"
    default_message = _l("There is nothing at this address.")


def _allowed() -> bool:
    # From the environment as written (from_prefixed_env would read "0123" as the number 123).
    token = os.environ.get("COWIN_KIT_METRICS_TOKEN") or str(current_app.config.get("METRICS_TOKEN") or "")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(
            given[len("Bearer "):].strip().encode(), token.encode()):
        return True
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    # The peer of the connection, not a client address ProxyFix took from forwarding headers.
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") \
        or request.environ.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(peer.split("%")[0])
    except ValueError:
        return False
    return any(address in network for network in current_app.extensions["cowin_metrics"][1])


@bp.get("/metrics")
def metrics():
    """Prometheus metrics (text exposition format) for the token holder or the scrape network."""
    if not _allowed():
        raise MetricsHidden()
    registry = current_app.extensions["cowin_metrics"][0]
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _count_dose(sender, dose=None, **_extra) -> None:
    DOSES.labels(str(getattr(dose, "vaccine", "") or "unknown")).inc()


def init_app(app: Flask) -> None:
    install_counters()  # bookings and other audited actions, once committed
    dose_recorded.connect(_count_dose)  # after the dose's commit (idempotent: same receiver)

    registry = CollectorRegistry(auto_describe=False)
    if counted.MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)  # every worker's files, added up
    else:
        for metric in counted.ALL:
            registry.register(metric)
    registry.register(SigningKeysCollector(app))
    registry.register(SmsQueueCollector(app))
    app.extensions["cowin_metrics"] = (registry, networks(app))
    app.register_blueprint(bp)
