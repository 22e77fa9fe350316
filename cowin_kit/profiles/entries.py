"""Walking a parsed profile for its checks: the mappings of a list with their paths, ids that
must be unique, references that must name a known id. Problems go to the ``Source``."""

from __future__ import annotations

from typing import Any

from .yamlsrc import Source, render_path


def items(src: Source, *path: Any) -> list[tuple[tuple, dict]]:
    """The mappings of the list at ``path`` with their paths (skipping malformed entries)."""
    value: Any = src.data
    for part in path:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
    if not isinstance(value, list):
        return []
    return [((*path, i), item) for i, item in enumerate(value) if isinstance(item, dict)]


def unique(src: Source, entries, key: str, what: str) -> set:
    """The values of ``key`` in ``entries``; each repeat is a problem."""
    seen: dict[Any, tuple] = {}
    for path, item in entries:
        value = item.get(key)
        if value in seen:
            src.problem(path + (key,), f"{render_path(path + (key,))}: duplicate {what} "
                        f"{value!r} (first at line {src.line(seen[value] + (key,))}); "
                        "expected each once")
        elif value is not None:
            seen[value] = path
    return set(seen)


def check_known(src: Source, path: tuple, values, known: set, what: str) -> None:
    """Each of ``values`` (at ``path``) names one of ``known``; every other is a problem."""
    for index, value in enumerate(values or ()):
        if isinstance(value, str) and value not in known:
            src.problem(path + (index,), f"{render_path(path + (index,))}: unknown {what} "
                        f"{value!r}; expected one of: {', '.join(sorted(known)) or '(none)'}")

