"""The command line: help, clear one-line errors, db upgrade, demo preparation."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.dbutil import create_database, drop_database


def run_cli(*args, env=None, cwd=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COWIN_KIT_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "cowin_kit.cli", *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=300)


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "db", "init"):
        assert f"  {command} " in result.stdout


def test_wrong_database_url_is_one_clear_line(tmp_path):
    result = run_cli("db", "upgrade", env={"COWIN_KIT_DATABASE_URL": "nosuchdb://x/y",
                                           "COWIN_KIT_INSTANCE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "COWIN_KIT_DATABASE_URL" in lines[0]


def test_unreachable_database_is_one_clear_line(tmp_path):
    result = run_cli("db", "upgrade", env={
        "COWIN_KIT_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "COWIN_KIT_INSTANCE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the database" in lines[0]


def test_missing_profile_is_one_clear_line(tmp_path):
    result = run_cli("db", "upgrade", env={"COWIN_KIT_PROFILE": "zz",
                                           "COWIN_KIT_INSTANCE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'zz' not found" in lines[0]


def test_db_upgrade_and_current(tmp_path):
    url = create_database(tmp_path)
    try:
        env = {"COWIN_KIT_DATABASE_URL": url, "COWIN_KIT_INSTANCE_DIR": str(tmp_path)}
        result = run_cli("db", "upgrade", env=env)
        assert result.returncode == 0, result.stderr
        current = run_cli("db", "current", env=env)
        lines = dict(line.split(":", 1) for line in current.stdout.strip().splitlines())
        assert lines["current"].strip() == lines["head"].strip() != "(empty)"
        down = run_cli("db", "downgrade", "base", env=env)
        assert down.returncode == 0, down.stderr
        assert "(empty)" in run_cli("db", "current", env=env).stdout
    finally:
        drop_database(url)


@pytest.mark.slow
def test_demo_prepares_an_instance(tmp_path):
    result = run_cli("demo", "--no-serve", "--instance-dir", str(tmp_path / "inst"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "inst" / "cowin-kit.sqlite3").is_file()
    assert "Demo instance ready." in result.stdout
    # Running it again on the same folder is harmless (idempotent seeding).
    again = run_cli("demo", "--no-serve", "--instance-dir", str(tmp_path / "inst"))
    assert again.returncode == 0, again.stderr
