"""Keep deploy/Dockerfile and docker-compose.yml in step with the chart and the smoke test.

No Docker engine runs on CI, so the image is never built there; instead these checks make sure
the image would run exactly what the smoke test proved: the same command, the same gunicorn
settings file, the catalogs compiled at build time, the profiles where the kit looks for them.
"""

from __future__ import annotations

import shlex

import yaml

from tests.deploy import image
from tests.deploy.conftest import REPO

BUILD_TOOLS = ("build-essential", "gcc", "g++", "make", "libpq-dev", "python3-dev", "git")


def test_image_command_is_the_charts_command(render):
    container = render().web_container()
    assert image.final_stage().exec_form("CMD") == container["command"] + container["args"]
    assert not image.final_stage().all("ENTRYPOINT"), "an ENTRYPOINT would wrap the chart's command"


def test_gunicorn_settings_file_is_in_the_image_where_the_chart_reads_it(render):
    args = render().web_container()["args"]
    config_path = args[args.index("--config") + 1]
    assert image.repository_paths()[config_path] == REPO / "deploy" / "gunicorn.conf.py"


def test_catalogs_and_profiles_are_copied_where_the_kit_is_told_to_look():
    env = image.final_stage().env()
    paths = image.repository_paths()
    assert paths[env["COWIN_KIT_LOCALES_DIR"]] == REPO / "locales"
    assert paths[env["COWIN_KIT_PROFILES_DIR"]] == REPO / "country_profiles"


def test_catalogs_are_compiled_in_the_build_stage_from_the_copied_locales():
    final = image.final_stage()
    source = next(src for stage, sources, dest in final.copies()
                  for src in sources if stage and dest == final.env()["COWIN_KIT_LOCALES_DIR"])
    build = image.stage(next(stage for stage, _, dest in final.copies()
                             if dest == final.env()["COWIN_KIT_LOCALES_DIR"]))
    runs = [shlex.split(cmd) for cmd in build.all("RUN")]
    compiles = [words for words in runs if words[:3] == ["cowin-kit", "i18n", "compile"]]
    assert compiles, "the build stage must run `cowin-kit i18n compile`"
    words = compiles[-1]
    assert words[words.index("--locales-dir") + 1] == source
    # The command exists in the kit (the image build would fail otherwise).
    from click.testing import CliRunner

    from cowin_kit.cli import cli

    assert CliRunner().invoke(cli, ["i18n", "compile", "--help"]).exit_code == 0


def test_final_image_is_non_root_and_has_no_build_tools(render):
    final = image.final_stage()
    user = final.all("USER")[-1].split(":")
    security = render().one("Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert int(user[0]) == security["runAsUser"] != 0
    assert int(user[1]) == security["runAsGroup"]
    installed = " ".join(final.all("RUN"))
    for tool in BUILD_TOOLS:
        assert f" {tool} " not in f" {installed} ", f"{tool} must stay in the build stage"
    assert "fonts-dejavu-core" in installed, "booking slips fall back to DejaVu Sans"
    assert final.env()["PATH"].startswith("/opt/venv/bin:")
    assert any(src == "/opt/venv" for _, sources, _ in final.copies() for src in sources)


def test_image_port_matches_the_chart(render):
    container = render().web_container()
    port = container["ports"][0]["containerPort"]
    assert image.final_stage().all("EXPOSE") == [str(port)]
    assert image.final_stage().env()["GUNICORN_BIND"] == f"0.0.0.0:{port}"


def test_compose_migrates_once_before_the_web_server_starts(render):
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    job = render().one("Job", "cowin-kit-migrate")["spec"]["template"]["spec"]["containers"][0]
    assert services["migrate"]["command"] == job["command"] + job["args"]
    assert services["migrate"]["restart"] == "no"
    assert "command" not in services["web"], "web runs the image's CMD, as the chart does"
    assert services["web"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"}
    for name in ("web", "migrate"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["read_only"] is True
        url = services[name]["environment"]["COWIN_KIT_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    # Migrations as the schema owner, the web server as the app role the migration grants
    # (created by the database's init script), in production mode.
    role = job["args"][job["args"].index("--app-role") + 1]
    assert services["migrate"]["environment"]["COWIN_KIT_DATABASE_URL"].startswith(
        "postgresql+psycopg://cowin_kit:")
    assert services["web"]["environment"]["COWIN_KIT_DATABASE_URL"].startswith(
        f"postgresql+psycopg://{role}:")
    assert services["web"]["environment"]["COWIN_KIT_ENV"] == "${COWIN_KIT_ENV:-production}"
    init = next(v for v in services["db"]["volumes"] if "docker-entrypoint-initdb.d" in v)
    script = (REPO / "deploy" / init.split(":")[0]).read_text()
    assert f"CREATE ROLE {role} LOGIN" in script
    assert {"db", "redis"} <= set(services)


def test_certificate_fonts_reach_the_image():
    """Certificates need Noto fonts: they come from the manimgx-fonts wheel, which the build
    stage installs from the lock file into /opt/venv (copied to the final stage), with a
    non-editable install of the kit; any font file the kit bundles itself is package data."""
    import configparser
    import fnmatch

    from tests.deploy.test_lock_file import LOCK, parse_lock

    build = image.stage("build")
    installs = [cmd for cmd in build.all("RUN") if "pip install" in cmd]
    assert installs and all(" -e " not in f" {cmd} " for cmd in installs)
    assert "manimgx-fonts" in parse_lock(LOCK.read_text())
    assert "import manimgx_fonts" in (REPO / "cowin_kit" / "core" / "fontset.py").read_text()
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    patterns = config["options.package_data"]["cowin_kit"].split()
    for font in sorted((REPO / "cowin_kit").glob("**/*.[ot]tf")):
        relative = font.relative_to(REPO / "cowin_kit").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative


def test_the_image_install_carries_every_file_of_the_kit(tmp_path):
    """Build the wheel the way the image's build stage does (from exactly the files it copies
    before `pip install .`) and check nothing of the package is left behind: migrations,
    templates, static files, fonts, JSON-LD contexts."""
    import shutil
    import subprocess
    import sys
    import zipfile

    build = image.stage("build")
    context = tmp_path / "src"
    context.mkdir()
    for keyword, rest in build.instructions:
        if keyword == "RUN" and "pip install" in rest and " -r " not in f" {rest} ":
            break  # the kit's own install (the lock file's install comes before it)
        if keyword == "COPY":
            *sources, _dest = shlex.split(rest)
            for source in sources:
                path = REPO / source
                if path.is_dir():
                    shutil.copytree(path, context / source,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                else:
                    (context / source).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, context / source)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "-q", "-w", str(tmp_path / "dist"), "."],
                          cwd=context, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    listed = subprocess.run(["git", "ls-files", "cowin_kit"], cwd=REPO, capture_output=True,
                            text=True)
    files = set(listed.stdout.split()) if listed.returncode == 0 else {
        p.relative_to(REPO).as_posix() for p in (REPO / "cowin_kit").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts}
    assert any(f.startswith("cowin_kit/migrations/versions/") for f in files)
    assert sorted(files - packaged) == [], "files the image would not have"


def _mounts(service: dict) -> dict[str, str]:
    """{path inside the container: volume name or host path} of a compose service."""
    return {volume.split(":")[1]: volume.split(":")[0] for volume in service.get("volumes", [])}


def test_compose_signs_in_the_signer_only(render):
    """Issue #14 item 2 on one machine: the keys volume is mounted into the signer and nowhere
    else; web signs through it over mutual TLS and gets only the client half of the TLS material."""
    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    signer = services["signer"]
    keys_dir = signer["environment"]["COWIN_KIT_KEYS_DIR"]
    keys_volume = next(volume for path, volume in _mounts(signer).items()
                       if keys_dir == path or keys_dir.startswith(path.rstrip("/") + "/"))
    assert keys_volume in compose["volumes"]
    for name, service in services.items():
        if name == "signer":
            continue
        assert keys_volume not in _mounts(service).values(), f"{name} mounts the signing keys"
        env = service.get("environment") or {}
        assert not {"COWIN_KIT_KEYS_DIR", "COWIN_KIT_KEYS_PASSPHRASE"} & set(env), name
    # The signer holds no database or session credentials, and is encrypted at rest.
    assert not {"COWIN_KIT_DATABASE_URL", "COWIN_KIT_SECRET_KEY"} & set(signer["environment"])
    assert signer["environment"]["COWIN_KIT_KEYS_PASSPHRASE"].startswith("${COWIN_KIT_KEYS_PASSPHRASE:?")
    assert "ports" not in signer, "the signer is reached on the compose network only"
    # web: the signer's URL and the client certificate, read-only, from the client volume only.
    web = services["web"]
    env = web["environment"]
    assert env["COWIN_KIT_SIGNER_URL"] == "https://signer:8443"
    client_dir = env["COWIN_KIT_SIGNER_CLIENT_CERT"].rsplit("/", 1)[0]
    assert {env[k].rsplit("/", 1)[0] for k in ("COWIN_KIT_SIGNER_CA", "COWIN_KIT_SIGNER_CLIENT_KEY")} == {client_dir}
    client_volume = _mounts(web)[client_dir]
    assert f"{client_volume}:{client_dir}:ro" in web["volumes"]
    server_dir = signer["command"][signer["command"].index("--cert") + 1].rsplit("/", 1)[0]
    server_volume = _mounts(signer)[server_dir]
    assert f"{server_volume}:{server_dir}:ro" in signer["volumes"]
    assert server_volume not in _mounts(web).values() and client_volume not in _mounts(signer).values()
    assert web["depends_on"]["signer"] == {"condition": "service_healthy"}
    # signer-tls makes the material once into exactly those two volumes, with the kit's command.
    tls = services["signer-tls"]
    assert tls["restart"] == "no" and set(_mounts(tls).values()) == {server_volume, client_volume}
    script = tls["command"][-1]
    assert "cowin-kit signer tls" in script and "--host signer" in script
    assert f"server.key {server_dir}/" in script and f"client.key {client_dir}/" in script
    to_web = next(line for line in script.splitlines() if line.rstrip().endswith(f" {client_dir}/"))
    assert "server" not in to_web, "web gets the client certificate, never the server's key"
    assert signer["depends_on"]["signer-tls"] == {"condition": "service_completed_successfully"}
    # The image makes those folders for its user, so fresh named volumes are writable by it.
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    for folder in (server_dir, client_dir):
        assert f" {folder}" in dockerfile.split("chown cowin:cowin", 1)[1].split("\n", 1)[0]
    # The signer runs the kit's own command, as the chart's signer pods do.
    from click.testing import CliRunner

    from cowin_kit.cli import cli

    chart = render().pod_template("Deployment", "cowin-kit-signer")["spec"]["containers"][0]
    assert signer["command"][:3] == chart["command"] + chart["args"][:2]
    options = {word for word in signer["command"] if word.startswith("--")}
    help_text = CliRunner().invoke(cli, ["signer", "serve", "--help"]).output
    assert all(option in help_text for option in options)
