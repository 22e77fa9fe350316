"""Read deploy/Dockerfile as data: stages, the final image's ENV, WORKDIR, USER, CMD, and where
each file of the repository lands in the image (so tests can run "the image" from the checkout)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from tests.deploy.conftest import REPO

DOCKERFILE = REPO / "deploy" / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]

    def env(self) -> dict[str, str]:
        """ENV key=value pairs, later ones winning (no variable expansion beyond $PATH)."""
        found: dict[str, str] = {}
        for rest in self.all("ENV"):
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                found[key] = value
        return found

    def workdir(self) -> str:
        return self.all("WORKDIR")[-1]

    def exec_form(self, keyword: str) -> list[str]:
        return json.loads(self.all(keyword)[-1])

    def copies(self) -> list[tuple[str | None, list[str], str]]:
        """COPY instructions as (source stage or None, sources, destination)."""
        result = []
        for rest in self.all("COPY"):
            words = shlex.split(rest)
            source = None
            flags = [w for w in words if w.startswith("--")]
            for flag in flags:
                if flag.startswith("--from="):
                    source = flag.split("=", 1)[1]
            paths = [w for w in words if not w.startswith("--")]
            result.append((source, paths[:-1], paths[-1]))
        return result


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    """Parse the Dockerfile into stages (comments dropped, continuation lines joined)."""
    logical, current = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    args: dict[str, str] = {}
    found: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and not found:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = rest.split()
            base = words[0]
            for name, value in args.items():
                base = base.replace("${%s}" % name, value)
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(found))
            found.append(Stage(name, base))
        else:
            found[-1].instructions.append((keyword, rest))
    return found


def final_stage() -> Stage:
    return stages()[-1]


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)


def repository_paths() -> dict[str, Path]:
    """Map each path the final image gets from the checkout to that checkout path.

    A COPY from the build stage is traced back through the build stage's own COPYs (relative
    to its WORKDIR), so /app/locales maps to <repo>/locales.
    """
    mapping: dict[str, Path] = {}
    for source, sources, dest in final_stage().copies():
        for src in sources:
            if source is None:
                mapping[dest] = REPO / src
                continue
            build = stage(source)
            for _, build_sources, build_dest in build.copies():
                target = build_dest if build_dest.startswith("/") else \
                    f"{build.workdir().rstrip('/')}/{build_dest.removeprefix('./')}"
                if target.rstrip("/") == src.rstrip("/"):
                    mapping[dest] = REPO / build_sources[0]
    return mapping
