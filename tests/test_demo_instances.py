"""``cowin-kit demo``: one instance folder per country, and a public URL the server answers at."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cowin_kit.cli import demo as demo_cli
from tests.test_cli import run_cli


def _rows(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.slow
def test_a_second_country_gets_its_own_instance_with_its_own_public_url(tmp_path):
    india = run_cli("demo", "--no-serve", cwd=tmp_path)
    assert india.returncode == 0, india.stderr
    vietnam = run_cli("demo", "--no-serve", "--profile", "vn", "--port", "5055", cwd=tmp_path)
    assert vietnam.returncode == 0, vietnam.stderr

    database = tmp_path / "instance" / "demo-vn" / "cowin-kit.sqlite3"
    codes = [code for (code,) in _rows(database, "SELECT code FROM area")]
    assert codes and all(code.startswith("VN-") for code in codes)
    staff_areas = _rows(database, "SELECT a.code FROM staff_user s JOIN facility f "
                                  "ON f.id = s.facility_id JOIN area a ON a.id = f.area_id")
    assert staff_areas and all(code.startswith("VN-") for (code,) in staff_areas)
    # Certificates name the address the demo serves at (--port), not the default :5000.
    issuers = {json.loads(data)["issuer"]["url"]
               for (data,) in _rows(database, "SELECT data FROM certificate")}
    assert issuers == {"http://127.0.0.1:5055"}
    # India's instance is untouched: still only India.
    indian = _rows(tmp_path / "instance" / "demo-in" / "cowin-kit.sqlite3", "SELECT code FROM area")
    assert indian and all(code.startswith("IN-") for (code,) in indian)


def test_an_instance_of_another_country_is_refused(tmp_path):
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / demo_cli.PROFILE_MARKER).write_text("in\n", "utf-8")
    result = run_cli("demo", "--no-serve", "--profile", "vn", "--instance-dir", str(folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "holds the demo of profile 'in', not 'vn'" in result.stderr
    assert not (folder / "cowin-kit.sqlite3").exists()


def _public_url_seen(monkeypatch, tmp_path, *args, env=None) -> str:
    """Run the demo command without seeding or serving; return the URL the server would use."""
    from cowin_kit.app import create_app

    for key in ("COWIN_KIT_PUBLIC_URL", "COWIN_KIT_INSTANCE_DIR", "COWIN_KIT_DEMO",
                "COWIN_KIT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    seen = {}

    def prepare(profile, instance_dir, hook):
        seen["app"] = create_app({"SECRET_KEY": "test"}, instance_path=instance_dir)
        return seen["app"]

    monkeypatch.setattr(demo_cli, "prepare_instance", prepare)
    monkeypatch.setattr(demo_cli, "serve", lambda *a: seen.setdefault("served", create_app()))
    result = CliRunner().invoke(demo_cli.demo_command,
                                ["--instance-dir", str(tmp_path / "inst"), *args])
    assert result.exit_code == 0, result.output
    return seen["served"].config["PUBLIC_URL"]


def test_public_url_follows_host_and_port(monkeypatch, tmp_path):
    assert _public_url_seen(monkeypatch, tmp_path, "--host", "127.0.0.2", "--port", "8123") \
        == "http://127.0.0.2:8123"


def test_an_explicit_public_url_is_kept(monkeypatch, tmp_path):
    assert _public_url_seen(monkeypatch, tmp_path, "--port", "8123",
                            env={"COWIN_KIT_PUBLIC_URL": "https://demo.example.org"}) \
        == "https://demo.example.org"
    assert _public_url_seen(monkeypatch, tmp_path, "--port", "8123", "--public-url",
                            "http://10.1.2.3:8123") == "http://10.1.2.3:8123"


def test_public_url_never_names_the_wildcard_address():
    assert "0.0.0.0" not in demo_cli.demo_public_url("0.0.0.0", 8000)
    assert demo_cli.demo_public_url("::1", 8000) == "http://[::1]:8000"



def test_a_database_of_another_country_is_refused(make_app):
    """A shared database (COWIN_KIT_DATABASE_URL) seeded with India is not mixed with Vietnam."""
    import click
    import sqlalchemy as sa

    from cowin_kit.areas import demo as areas_demo
    from cowin_kit.areas.models import Area
    from cowin_kit.core.db import db
    from cowin_kit.profiles import get_profile

    with make_app(PROFILE="in").app_context():
        areas_demo.seed(None, get_profile(), lambda _line: None)
    with make_app(PROFILE="vn").app_context():
        with pytest.raises(click.ClickException, match="areas of another country"):
            areas_demo.seed(None, get_profile(), lambda _line: None)
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(Area)
                                     .where(Area.code.startswith("VN-")))
