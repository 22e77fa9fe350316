"""COWIN_KIT_ENV=production refuses to start with unsafe settings or a database role that could
rewrite the audit log, each time saying which setting and what to do; a sound setup starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cowin_kit.config import ConfigError
from tests.dbutil import create_database, drop_database

REPO = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 32
GOOD = {
    "ENV": "production",
    "SECRET_KEY": GOOD_KEY,
    "PUBLIC_URL": "https://cowin.example.org",
    "DATABASE_URL": "postgresql+psycopg://cowin_kit_app@127.0.0.1:5432/cowin_kit",
    "DEMO": False,
}


@pytest.fixture(autouse=True)
def unchecked(monkeypatch):
    """Each test starts as a fresh server would: the database role not yet checked."""
    monkeypatch.setattr("cowin_kit.production._checked", False)


def build(tmp_path, **changes):
    from cowin_kit.app import create_app

    return create_app({**GOOD, **changes}, instance_path=str(tmp_path / "instance"))


def refusal(tmp_path, **changes) -> str:
    with pytest.raises(ConfigError) as caught:
        build(tmp_path, **changes)
    message = str(caught.value)
    assert message.startswith("COWIN_KIT_ENV=production refuses to start:")
    return message


def test_a_sound_production_configuration_starts(tmp_path):
    app = build(tmp_path)
    assert app.config["ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("changes, setting, advice", [
    ({"SECRET_KEY": ""}, "COWIN_KIT_SECRET_KEY is not set", "openssl rand"),
    ({"SECRET_KEY": "k" * 31}, "COWIN_KIT_SECRET_KEY is 31 bytes long", "at least 32"),
    ({"DEMO": True}, "COWIN_KIT_DEMO is on", "unset COWIN_KIT_DEMO"),
    ({"PUBLIC_URL": "http://cowin.example.org"}, "COWIN_KIT_PUBLIC_URL is 'http://",
     "https://"),
    ({"PUBLIC_URL": "https://"}, "COWIN_KIT_PUBLIC_URL is 'https://'", "https://"),
    ({"DATABASE_URL": ""}, "COWIN_KIT_DATABASE_URL is not PostgreSQL", "postgresql+psycopg://"),
    ({"SECRET_KEY_FALLBACKS": ["f" * 12], "IDENTITY_HASH_KEY": "i" * 32},
     "COWIN_KIT_SECRET_KEY_FALLBACKS holds a key of 12 bytes", "at least 32"),
    ({"IDENTITY_HASH_KEY": "i" * 8}, "COWIN_KIT_IDENTITY_HASH_KEY holds a key of 8 bytes",
     "at least 32"),
], ids=["no-key", "short-key", "demo", "http", "no-host", "sqlite", "short-fallback",
        "short-identity-key"])
def test_each_unsafe_setting_is_refused_with_what_to_do(tmp_path, changes, setting, advice):
    message = refusal(tmp_path, **changes)
    assert setting in message and advice in message
    assert len(message.splitlines()) == 2  # only that problem


def test_every_problem_is_listed_at_once(tmp_path):
    message = refusal(tmp_path, SECRET_KEY="short", DEMO=True, PUBLIC_URL="http://x")
    assert len(message.splitlines()) == 4


def test_production_never_invents_a_secret_key(tmp_path):
    refusal(tmp_path, SECRET_KEY="")
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_a_misspelt_environment_is_refused_not_ignored(tmp_path):
    with pytest.raises(ConfigError, match="COWIN_KIT_ENV is 'prod': set it to development or "
                                          "production"):
        build(tmp_path, ENV="prod")


def test_development_keeps_the_easy_defaults(tmp_path):
    app = build(tmp_path, ENV="development", SECRET_KEY="", DEMO=True,
                PUBLIC_URL="http://127.0.0.1:5000", DATABASE_URL="")
    assert app.config["SECRET_KEY"] and app.config["SESSION_COOKIE_SECURE"] is False


def test_https_public_url_makes_the_session_cookie_secure(make_app):
    app = make_app(PUBLIC_URL="https://cowin.example.org")
    response = app.test_client().get("/language/en")  # kept in the session cookie
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    attributes = {part.strip() for part in cookie.split(";")}
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= attributes


def _cli(*args, env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COWIN_KIT_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "cowin_kit.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=300)


def test_demo_is_refused_in_production(tmp_path):
    result = _cli("demo", "--no-serve", "--instance-dir", str(tmp_path / "demo"),
                  env={"COWIN_KIT_ENV": "production", "COWIN_KIT_SECRET_KEY": GOOD_KEY,
                       "COWIN_KIT_PUBLIC_URL": GOOD["PUBLIC_URL"]})
    assert result.returncode == 1
    assert "COWIN_KIT_DEMO is on" in result.stderr and "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(tmp_path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COWIN_KIT_")}
    full_env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
                     "GUNICORN_THREADS": "2", "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "inst"),
                     "COWIN_KIT_ENV": "production", "COWIN_KIT_SECRET_KEY": GOOD_KEY,
                     "COWIN_KIT_PUBLIC_URL": GOOD["PUBLIC_URL"], **env})
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config",
         str(REPO / "deploy" / "gunicorn.conf.py"), "cowin_kit.wsgi:app"],
        env=full_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    return server, f"http://127.0.0.1:{port}"


def _refused(server: subprocess.Popen) -> str:
    try:
        output, _ = server.communicate(timeout=120)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert server.returncode == 1, output
    assert "Booting worker" not in output, "the check must run before any worker starts"
    return output


def test_gunicorn_refuses_an_unsafe_setting_before_forking(tmp_path):
    server, _ = _gunicorn(tmp_path, {"COWIN_KIT_SECRET_KEY": "short",
                                     "COWIN_KIT_DATABASE_URL": GOOD["DATABASE_URL"]})
    output = _refused(server)
    assert "COWIN_KIT_SECRET_KEY is 5 bytes long" in output


@pytest.fixture
def app_role_url(app, db):
    """The test database as seen by a fresh role made by `cowin-kit db grant-app-role`."""
    from cowin_kit.core.dbroles import grant_app_role

    role = f"cowinkit_app_{uuid.uuid4().hex[:10]}"
    with db.engine.begin() as connection:
        grant_app_role(connection, role)
    yield make_url(app.config["DATABASE_URL"]).set(username=role).render_as_string(False)
    with db.engine.begin() as connection:
        connection.execute(sa.text(f'DROP OWNED BY "{role}"'))
        connection.execute(sa.text(f'DROP ROLE "{role}"'))


@pytest.mark.postgres
def test_gunicorn_refuses_a_role_that_can_rewrite_the_audit_log(tmp_path, database_url):
    server, _ = _gunicorn(tmp_path, {"COWIN_KIT_DATABASE_URL": database_url})
    output = _refused(server)
    assert "is a superuser and can alter the audit log" in output
    assert "cowin-kit db grant-app-role" in output


@pytest.mark.postgres
def test_the_database_role_check(app, db, app_role_url, tmp_path):
    from cowin_kit.app import create_app
    from cowin_kit.production import check_database_role

    def check(url: str, name: str) -> None:
        check_database_role(create_app({**GOOD, "DATABASE_URL": url},
                                       instance_path=str(tmp_path / name)))

    owner = app.config["DATABASE_URL"]
    with pytest.raises(ConfigError, match="is a superuser"):
        check(owner, "owner")
    with db.engine.begin() as connection:  # an owner that is no superuser
        connection.execute(sa.text(f"ALTER TABLE audit_log OWNER TO "
                                   f"\"{make_url(app_role_url).username}\""))
    try:
        with pytest.raises(ConfigError, match="owns audit_log .* can drop its triggers"):
            check(app_role_url, "owning")
    finally:
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"ALTER TABLE audit_log OWNER TO CURRENT_USER"))
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"GRANT DELETE, TRUNCATE ON audit_log TO "
                                   f"\"{make_url(app_role_url).username}\""))
    with pytest.raises(ConfigError, match="has DELETE, TRUNCATE on audit_log"):
        check(app_role_url, "granted")
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"REVOKE DELETE, TRUNCATE ON audit_log FROM "
                                   f"\"{make_url(app_role_url).username}\""))
    with pytest.raises(ConfigError, match="cannot reach the database"):
        check(make_url(app_role_url).set(port=1).render_as_string(False), "unreachable")
    check(app_role_url, "sound")  # no refusal


@pytest.mark.postgres
def test_a_database_without_the_schema_is_refused(app, db, tmp_path):
    from cowin_kit.app import create_app
    from cowin_kit.core.dbroles import grant_app_role
    from cowin_kit.production import check_database_role

    url = create_database(tmp_path)
    role = f"cowinkit_app_{uuid.uuid4().hex[:10]}"
    empty = create_app({**GOOD, "DATABASE_URL": url}, instance_path=str(tmp_path / "owner"))
    try:
        with empty.app_context(), db.engine.begin() as connection:
            grant_app_role(connection, role)
        as_app = make_url(url).set(username=role).render_as_string(False)
        with pytest.raises(ConfigError, match="no audit_log table yet: run `cowin-kit db "
                                              "upgrade` as the schema owner"):
            check_database_role(create_app({**GOOD, "DATABASE_URL": as_app},
                                           instance_path=str(tmp_path / "app")))
    finally:
        drop_database(url)
        with db.engine.begin() as connection:
            connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.mark.postgres
def test_a_sound_production_setup_serves_under_gunicorn(tmp_path, app_role_url):
    server, base = _gunicorn(tmp_path, {"COWIN_KIT_DATABASE_URL": app_role_url})
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not become ready"
                time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=40)
    assert server.returncode == 0


# -- private signing keys in the web process (issue #14 item 3) ----------------------------------

KEYS_PASSPHRASE = "correct horse battery staple"


def _keys(folder: Path, passphrase: str | None = None) -> Path:
    """A keys folder with every kind of key, as `cowin-kit keys generate` makes it."""
    from cowin_kit.certificates.backends import BackendSettings
    from cowin_kit.certificates.keys import KINDS, KeyStore

    store = KeyStore(folder, BackendSettings(passphrase=passphrase.encode() if passphrase else None))
    for kind in KINDS:
        store.generate(kind, issuer_name="Ministry of Health", country="IN")
    return folder


@pytest.fixture(scope="module")
def plain_keys(tmp_path_factory) -> Path:
    return _keys(tmp_path_factory.mktemp("plain-keys"))


def test_a_web_process_with_plain_private_keys_is_refused(tmp_path, plain_keys):
    from cowin_kit.production import signing_key_problems

    app = build(tmp_path, KEYS_DIR=str(plain_keys))
    problems = signing_key_problems(app.config)
    assert len(problems) == 1
    message = problems[0]
    assert "3 private signing key file(s) in COWIN_KIT_KEYS_DIR" in message
    assert "hcert/" in message and "divoc/" in message and "shc/" in message
    assert "set COWIN_KIT_SIGNER_URL" in message and "COWIN_KIT_KEYS_PASSPHRASE" in message
    assert "cowin-kit keys encrypt" in message


def test_gunicorn_refuses_plain_private_keys_before_forking(tmp_path, plain_keys):
    server, _ = _gunicorn(tmp_path, {"COWIN_KIT_DATABASE_URL": GOOD["DATABASE_URL"],
                                     "COWIN_KIT_KEYS_DIR": str(plain_keys)})
    output = _refused(server)
    assert "private signing key file(s) in COWIN_KIT_KEYS_DIR" in output
    assert "COWIN_KIT_SIGNER_URL" in output


def test_encrypted_keys_a_signer_or_development_are_accepted(tmp_path, plain_keys):
    from cowin_kit.production import signing_key_problems

    encrypted = _keys(tmp_path / "encrypted", KEYS_PASSPHRASE)
    assert signing_key_problems(build(tmp_path, KEYS_DIR=str(encrypted)).config) == []
    # `cowin-kit keys encrypt` fixes a plain folder (a command, not refused in production)
    copy = tmp_path / "to-encrypt"
    import shutil

    shutil.copytree(plain_keys, copy)
    assert signing_key_problems(build(tmp_path, KEYS_DIR=str(copy)).config)
    result = _cli("keys", "encrypt", env={
        "COWIN_KIT_ENV": "production", "COWIN_KIT_SECRET_KEY": GOOD_KEY,
        "COWIN_KIT_PUBLIC_URL": GOOD["PUBLIC_URL"], "COWIN_KIT_DATABASE_URL": GOOD["DATABASE_URL"],
        "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "cli"), "COWIN_KIT_KEYS_DIR": str(copy),
        "COWIN_KIT_KEYS_PASSPHRASE": KEYS_PASSPHRASE})
    assert result.returncode == 0, result.stderr
    assert signing_key_problems(build(tmp_path, KEYS_DIR=str(copy)).config) == []
    # PKCS#11 registry files hold no private key
    hsm = tmp_path / "hsm" / "hcert"
    hsm.mkdir(parents=True)
    (hsm / "AAAAAAAAAAA.pkcs11.json").write_text('{"label": "cowin-kit hcert"}')
    assert signing_key_problems(build(tmp_path, KEYS_DIR=str(tmp_path / "hsm")).config) == []
    # a web process with a signer holds no private key of its own: its folder is not read
    with_signer = build(tmp_path, KEYS_DIR=str(plain_keys)).config
    assert signing_key_problems({**with_signer, "SIGNER_URL": "https://signer:8443"}) == []


def test_development_is_not_refused_plain_keys(tmp_path, plain_keys):
    from cowin_kit.production import check_database_role

    app = build(tmp_path, ENV="development", KEYS_DIR=str(plain_keys), DATABASE_URL="")
    check_database_role(app)  # no refusal outside production


def test_keys_generate_refuses_to_write_plain_keys_in_production(tmp_path):
    env = {"COWIN_KIT_ENV": "production", "COWIN_KIT_SECRET_KEY": GOOD_KEY,
           "COWIN_KIT_PUBLIC_URL": GOOD["PUBLIC_URL"], "COWIN_KIT_DATABASE_URL": GOOD["DATABASE_URL"],
           "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "cli"), "COWIN_KIT_KEYS_DIR": str(tmp_path / "k")}
    result = _cli("keys", "generate", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "would be written unencrypted" in result.stderr and "COWIN_KIT_KEYS_PASSPHRASE" in result.stderr
    assert not list((tmp_path / "k").glob("*/*.key.pem"))
    result = _cli("keys", "generate", env={**env, "COWIN_KIT_KEYS_PASSPHRASE": KEYS_PASSPHRASE})
    assert result.returncode == 0, result.stderr
    from cowin_kit.certificates.backends.files import is_encrypted

    made = list((tmp_path / "k").glob("*/*.key.pem"))
    assert len(made) == 3 and all(is_encrypted(path.read_bytes()) for path in made)
