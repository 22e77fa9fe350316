"""/metrics (issue #14 item 4): the DSC's remaining validity and the keys by status, computed at
scrape time; served to the metrics token or a scraper connecting straight from the configured
networks, never to the internet through a proxy."""

from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cowin_kit.certificates.stores import keystore
from cowin_kit.certificates.lifecycle import activate

from .certificates.test_issuance import app  # noqa: F401 - fixture: every kind of key made
from .certificates.test_key_lifecycle import later  # noqa: F401 - fixture: the lifecycle clock

TOKEN = "a-long-random-metrics-token-0123456789"


def samples(response) -> dict[str, dict[tuple, float]]:
    """{metric name: {sorted label items: value}} of a text exposition."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    out: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_the_dsc_expiry_is_computed_at_every_scrape(app, later):  # noqa: F811
    kid = keystore(app).active("hcert").kid
    end = keystore(app).active("hcert").certificate.not_valid_after_utc
    client = app.test_client()  # from 127.0.0.1, straight (no proxy)
    expiry = samples(client.get("/metrics"))["cowin_kit_signing_certificate_expiry_seconds"]
    assert set(expiry) == {(("format", "eu_dcc"), ("kid", kid)), (("format", "ddcc"), ("kid", kid))}
    left = (end - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert all(abs(value - left) < 120 for value in expiry.values())
    later(24 * 700)  # 700 days on, in the same process: no value kept from the last scrape
    expiry = samples(client.get("/metrics"))["cowin_kit_signing_certificate_expiry_seconds"]
    assert all(abs(value - (left - 700 * 86400)) < 120 for value in expiry.values())


def test_keys_are_counted_by_status_and_a_rotation_shows(app, later):  # noqa: F811
    client = app.test_client()
    counts = samples(client.get("/metrics"))["cowin_kit_signing_keys"]
    assert counts[(("kind", "hcert"), ("status", "active"))] == 1
    assert counts[(("kind", "hcert"), ("status", "next"))] == 0
    assert samples(client.get("/metrics"))["cowin_kit_signing_keys_readable"][()] == 1
    store = keystore(app)
    old = store.active("hcert").kid
    new = store.rotate("hcert", issuer_name="Ministry", country="IN").kid
    scraped = samples(client.get("/metrics"))
    counts = scraped["cowin_kit_signing_keys"]
    assert counts[(("kind", "hcert"), ("status", "active"))] == 1
    assert counts[(("kind", "hcert"), ("status", "next"))] == 1
    # the next key's DSC is watched before it signs
    kids = {dict(labels)["kid"] for labels in scraped["cowin_kit_signing_certificate_expiry_seconds"]}
    assert kids == {old, new}
    activate(store, "hcert", new, before_delay=True)
    scraped = samples(client.get("/metrics"))
    assert scraped["cowin_kit_signing_keys"][(("kind", "hcert"), ("status", "retired"))] == 1
    kids = {dict(labels)["kid"] for labels in scraped["cowin_kit_signing_certificate_expiry_seconds"]}
    assert kids == {new}  # a retired key signs nothing more: no alert about its DSC


def test_metrics_hold_no_personal_data(app):  # noqa: F811
    client = app.test_client()
    # Paths carrying a reference number and a mobile: counted under their rule, or <unmatched>.
    client.get("/desk/people/12345678901234").get_data()  # (a redirect to sign in)
    client.get("/9876543210").get_data()
    text = client.get("/metrics").get_data(as_text=True)
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if not line.startswith("#")}
    assert {"cowin_kit_signing_keys_readable", "cowin_kit_signing_keys",
            "cowin_kit_signing_certificate_expiry_seconds"} <= names
    assert all(name.startswith("cowin_kit_") for name in names)
    assert "12345678901234" not in text and "9876543210" not in text
    routes = {labels["route"] for family in text_string_to_metric_families(text)
              for sample in family.samples for labels in [sample.labels] if "route" in labels}
    assert {"/desk/people/<reference_id>", "<unmatched>"} <= routes
    assert all(route.startswith(("/", "<")) for route in routes)


@pytest.mark.parametrize("peer, headers, token, allowed", [
    ("127.0.0.1", {}, "", True),
    ("::1", {}, "", True),
    ("203.0.113.9", {}, "", False),  # the internet, straight
    ("10.42.0.7", {}, "", False),  # the pod network, not listed
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, "", False),  # through nginx
    ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}, "", False),
    ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, "", False),
    ("203.0.113.9", {"X-Forwarded-For": "203.0.113.9"}, TOKEN, True),  # the token, anywhere
    ("203.0.113.9", {}, "wrong-token", False),
    ("203.0.113.9", {}, TOKEN[:-1], False),
], ids=["loopback", "loopback-v6", "internet", "pod-unlisted", "proxied-xff", "proxied-real-ip",
        "proxied-forwarded", "token", "wrong-token", "token-prefix"])
def test_who_is_answered(app, peer, headers, token, allowed):  # noqa: F811
    app.config["METRICS_TOKEN"] = TOKEN
    if token:
        headers = {**headers, "Authorization": f"Bearer {token}"}
    response = app.test_client().get("/metrics", headers=headers,
                                     environ_base={"REMOTE_ADDR": peer})
    if allowed:
        assert response.status_code == 200 and b"cowin_kit_signing_keys" in response.data
    else:
        assert response.status_code == 404 and b"cowin_kit" not in response.data


def test_without_a_token_setting_no_bearer_is_accepted(app):  # noqa: F811
    app.config["METRICS_TOKEN"] = ""
    response = app.test_client().get("/metrics", headers={"Authorization": "Bearer "},
                                     environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 404


def test_the_pod_network_is_answered_once_listed(make_app):
    app = make_app(METRICS_NETWORKS="127.0.0.0/8, 10.42.0.0/16")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.42.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.43.0.1"}).status_code == 404


def test_trusted_proxies_do_not_turn_a_forwarded_address_into_a_scraper(make_app):
    """With ProxyFix, the client address comes from X-Forwarded-For: a client writing 127.0.0.1
    there is still a proxied request."""
    app = make_app(TRUSTED_PROXIES=1)
    response = app.test_client().get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 404


def test_unreadable_networks_are_refused_at_start(make_app):
    from cowin_kit.config import ConfigError

    with pytest.raises(ConfigError, match="COWIN_KIT_METRICS_NETWORKS"):
        make_app(METRICS_NETWORKS="10.0.0.0/33")


def test_an_unreadable_key_store_is_reported_not_a_500(make_app, tmp_path):
    (tmp_path / "broken-keys" / "hcert").mkdir(parents=True)
    (tmp_path / "broken-keys" / "active.json").write_text("{}")
    (tmp_path / "broken-keys" / "hcert" / "damaged.pub.pem").write_text("not a key")
    app = make_app(KEYS_DIR=str(tmp_path / "broken-keys"))
    scraped = samples(app.test_client().get("/metrics"))
    assert scraped["cowin_kit_signing_keys_readable"][()] == 0
