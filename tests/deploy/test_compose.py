"""deploy/docker-compose.yml as `docker compose config` would see it: interpolated from an
env file like deploy/env.example, validated against the Compose Specification's JSON schema
(tests/deploy/compose-spec/, no container engine or compose client needed), then what the
operator relies on: the SMS gateway can be set, the delivery worker runs, only the migration
connects as the schema owner, nginx has an HTTP-only site, the public URL is served.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import REPO

COMPOSE = REPO / "deploy" / "docker-compose.yml"
ENV_EXAMPLE = REPO / "deploy" / "env.example"
SCHEMA = Path(__file__).resolve().parent / "compose-spec" / "compose-spec.json"
OWNER, APP_ROLE = "cowin_kit", "cowin_kit_app"

# Compose's interpolation: $$ (a literal $), ${VAR}, $VAR, ${VAR:-default}, ${VAR-default},
# ${VAR:?error}, ${VAR?error}, ${VAR:+other}, ${VAR+other}.
_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|"
                       r"\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})")


class MissingVariable(Exception):
    pass


def interpolate(value, env: dict[str, str]):
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("bare") or match.group("name")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in env
        usable = present and (env[name] != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return env[name] if usable else interpolate(arg, env)
        if op in (":?", "?"):
            if not usable:
                raise MissingVariable(f"{name}: {arg}")
            return env[name]
        if op in (":+", "+"):
            return interpolate(arg, env) if usable else ""
        return env.get(name, "")

    return _VARIABLE.sub(substitute, value)


def example_env(**overrides: str) -> dict[str, str]:
    """deploy/env.example with the blanks filled as an operator would."""
    env = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip() or f"filled-{key.strip().lower()}"
    env.update(overrides)
    return env


def config(**overrides: str) -> dict:
    return interpolate(yaml.safe_load(COMPOSE.read_text()), example_env(**overrides))


def schema_errors(document: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def test_compose_file_is_valid_against_the_compose_specification():
    assert schema_errors(config()) == []
    assert schema_errors(config(NGINX_SITE="cowin-kit-http.conf")) == []


def test_schema_check_catches_what_compose_config_would_refuse():
    document = config()
    document["services"]["web"]["comand"] = ["gunicorn"]
    document["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_finished"
    errors = schema_errors(document)
    assert any("comand" in error for error in errors)
    assert any("service_finished" in error for error in errors)


def test_every_required_setting_is_in_the_example_env_file():
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", text))
    listed = set(example_env())
    assert required <= listed, f"not in deploy/env.example: {sorted(required - listed)}"
    env = example_env()
    env.pop("COWIN_KIT_SECRET_KEY")
    with pytest.raises(MissingVariable, match="COWIN_KIT_SECRET_KEY"):
        interpolate(yaml.safe_load(text), env)


def test_sms_gateway_can_be_set_and_reaches_web_and_the_delivery_worker():
    services = config(COWIN_KIT_SMS_BACKEND="http", COWIN_KIT_SMS_HTTP_URL="https://sms.gov.test/send",
                      COWIN_KIT_SMS_HTTP_TOKEN="gateway-token")["services"]
    for name in ("web", "sms-delivery"):
        env = services[name]["environment"]
        assert env["COWIN_KIT_SMS_BACKEND"] == "http"
        assert env["COWIN_KIT_SMS_HTTP_URL"] == "https://sms.gov.test/send"
        assert env["COWIN_KIT_SMS_HTTP_TOKEN"] == "gateway-token"
    assert {"COWIN_KIT_SMS_BACKEND", "COWIN_KIT_SMS_HTTP_URL", "COWIN_KIT_SMS_HTTP_TOKEN"} <= set(
        example_env())


def test_sms_delivery_worker_runs_the_charts_command_as_the_app_role(render):
    services = config()["services"]
    worker = services["sms-delivery"]
    script = " ".join(worker["command"])
    cronjob = render(set={"config.smsBackend": "http"}).one("CronJob")
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert " ".join(container["command"] + container["args"]) in script
    assert "sleep 300" in script and worker["restart"] == "unless-stopped"
    env = worker["environment"]
    assert env["COWIN_KIT_DATABASE_URL"].startswith(f"postgresql+psycopg://{APP_ROLE}:")
    assert "COWIN_KIT_SECRET_KEY" not in env and "COWIN_KIT_ENV" not in env
    assert not any("signing-keys" in volume for volume in worker.get("volumes", []))
    assert worker["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_only_the_migration_connects_as_the_schema_owner():
    services = config()["services"]
    for name, service in services.items():
        url = (service.get("environment") or {}).get("COWIN_KIT_DATABASE_URL")
        if url is None:
            continue
        user = url.split("://", 1)[1].split(":", 1)[0]
        assert user == (OWNER if name == "migrate" else APP_ROLE), name
    assert services["migrate"]["command"][-2:] == ["--app-role", APP_ROLE]


def test_public_url_is_https_and_served_by_the_proxy():
    """COWIN_KIT_PUBLIC_URL (the SMART Health Card issuer, links in texts) must be where the
    stack answers: nginx publishes 443 with the TLS site, 80 with the HTTP-only one (TLS ends in
    front); the web server itself is on the host's loopback only."""
    assert example_env()["COWIN_KIT_PUBLIC_URL"].startswith("https://")
    services = config()["services"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    for site, port in (("cowin-kit.conf", "443"), ("cowin-kit-http.conf", "80")):
        nginx = config(NGINX_SITE=site)["services"]["nginx"]
        mount = next(v for v in nginx["volumes"] if v.endswith(":/etc/nginx/conf.d/default.conf:ro"))
        text = (COMPOSE.parent / mount.split(":")[0]).read_text()
        assert f"listen {port}" in text and f"{port}:{port}" in nginx["ports"]
        assert "server web:8000;" in text
    assert "ssl_certificate" not in (COMPOSE.parent / "nginx" / "cowin-kit-http.conf").read_text()


def test_compose_backups_in_the_docs_use_exec_without_a_tty():
    """`docker compose exec` allocates a terminal by default, which rewrites the binary dump's
    line endings: every pg_dump/pg_restore through compose in the docs passes -T."""
    for doc in ("deploy.md", "operations.md"):
        for line in (REPO / "docs" / doc).read_text().splitlines():
            if re.search(r"docker compose .*exec .*pg_(dump|restore)", line):
                assert re.search(r"exec -T\b", line), f"{doc}: {line.strip()}"
