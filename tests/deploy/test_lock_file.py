"""deploy/requirements.lock: the exact, hash-checked packages the image and the one-machine
recipe install (docs/deploy.md, "Reproducible builds").

The lock must cover what setup.cfg asks for on Linux with Python 3.11 (install_requires and the
postgres and redis extras, plus pyproject.toml's build requirements), at versions inside the
declared ranges, and every entry must carry hashes so `pip install --require-hashes` accepts it.
"""

from __future__ import annotations

import configparser
import re
import tomllib

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.deploy import image
from tests.deploy.conftest import REPO

LOCK = REPO / "deploy" / "requirements.lock"
EXTRAS = ("postgres", "redis")
# The platform the lock is made for (its header's --python-version 3.11 --python-platform linux).
TARGET = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0",
          "platform_system": "Linux", "sys_platform": "linux", "os_name": "posix"}


def parse_lock(text: str) -> dict[str, tuple[Version, list[str]]]:
    """{canonical name: (pinned version, hashes)} from a pip-compile/uv requirements file."""
    entries: dict[str, tuple[Version, list[str]]] = {}
    logical = re.sub(r"\\\n\s*", " ", text)
    for line in logical.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement, *options = line.split(" --hash=")
        name, sep, version = requirement.strip().partition("==")
        assert sep, f"not pinned with ==: {line!r}"
        name = canonicalize_name(name.split(";")[0].strip())
        assert name not in entries, f"{name} is listed twice"
        entries[name] = (Version(version.split(";")[0].strip()), [o.strip() for o in options])
    return entries


def declared() -> list[Requirement]:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in EXTRAS:
        lines += config["options.extras_require"][extra].splitlines()
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    lines += build
    return [Requirement(line) for line in (raw.split(" #")[0].strip() for raw in lines)
            if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def lock():
    return parse_lock(LOCK.read_text())


def test_every_entry_is_pinned_with_sha256_hashes(lock):
    assert len(lock) > 40
    for name, (_version, hashes) in lock.items():
        assert hashes, f"{name} has no --hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name


def test_lock_covers_setup_cfg_within_its_ranges(lock):
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        if requirement.marker and not requirement.marker.evaluate(TARGET):
            assert name not in lock, f"{name} is not for Linux (marker {requirement.marker})"
            continue
        assert name in lock, f"{requirement} (setup.cfg) is missing from the lock file"
        version, _ = lock[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"lock pins {name}=={version}, outside setup.cfg's {requirement}")


def test_lock_is_for_python_3_11_on_linux_and_says_how_to_remake_it():
    header = LOCK.read_text().split("\n\n", 1)[0]
    command = next(line for line in header.splitlines() if "pip compile" in line)
    assert "--generate-hashes" in command
    assert "--python-version 3.11" in command and "--python-platform linux" in command
    for extra in EXTRAS:
        assert f"--extra {extra}" in command


def test_parser_rejects_what_pip_would_refuse():
    """The checks above could not fail if the parser let an unpinned line through."""
    with pytest.raises(AssertionError, match="not pinned"):
        parse_lock("flask>=3.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    assert parse_lock("flask==3.0.0\n")["flask"][1] == []


def test_image_installs_the_lock_with_hashes_before_the_kit_without_dependencies():
    build = image.stage("build")
    installs = [cmd for cmd in build.all("RUN") if "pip install" in cmd]
    assert "--require-hashes -r deploy/requirements.lock" in installs[0]
    assert any("deploy/requirements.lock" in src for _, sources, _ in build.copies() for src in sources)
    kit = installs[1]
    assert "--no-deps" in kit and "--no-build-isolation" in kit and "pip check" in kit
    assert "@sha256:" in build.base and image.final_stage().base == build.base
