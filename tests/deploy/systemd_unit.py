"""Run a systemd service unit's ExecStart the way systemd would, where systemd is not PID 1 (CI,
containers): the unit's User and Group, WorkingDirectory, Environment= then EnvironmentFile=
settings (later ones win, as in systemd), and ${VAR}/$VAR expanded in the command line.

    python -m tests.deploy.systemd_unit /etc/systemd/system/cowin-kit.service

Used by .ci/checks/one-machine.sh to start the units deploy/install-one-machine.sh installed.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import sys
from pathlib import Path


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """{section: {key: [values in order]}}; continuation lines joined, comments dropped."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    text = re.sub(r"\\\n", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def read_environment_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


def environment(service: dict[str, list[str]]) -> dict[str, str]:
    """The service's environment: Environment= first, then each EnvironmentFile= in order."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    for assignment in service.get("Environment", []):
        for word in shlex.split(assignment):
            key, _, value = word.partition("=")
            env[key] = value
    for name in service.get("EnvironmentFile", []):
        optional = name.startswith("-")
        path = Path(name.lstrip("-"))
        if optional and not path.exists():
            continue
        env.update(read_environment_file(path))
    return env


def command(service: dict[str, list[str]], env: dict[str, str]) -> list[str]:
    """ExecStart split into words, ${VAR} replaced by one word and $VAR split, as systemd does."""
    (line,) = service["ExecStart"]
    words = []
    for word in shlex.split(line.lstrip("-@:+!")):
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:
            words += env.get(whole.group(1), "").split()
            continue
        words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""),
                            word))
    return words


def main(unit: str) -> None:
    service = read_unit(Path(unit))["Service"]
    env = environment(service)
    argv = command(service, env)
    workdir = service.get("WorkingDirectory", ["/"])[-1]
    user = service.get("User", ["root"])[-1]
    account = pwd.getpwnam(user)
    env.update(HOME=account.pw_dir, USER=user, LOGNAME=user)
    os.chdir(workdir)
    if os.geteuid() == 0 and account.pw_uid != 0:
        os.setgroups([])
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
    os.execve(argv[0], argv, env)


if __name__ == "__main__":
    main(sys.argv[1])
