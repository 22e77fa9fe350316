"""Parse YAML into plain data plus the line of every key and value (for `file:line:` errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[Any, ...]


@dataclass
class Problem:
    """One thing wrong in a profile, reported as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Source:
    """Parsed YAML with line numbers; ``line(path)`` finds the nearest known line."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    complete: bool = True  # False: sections may be absent and labels may lack the default

    def line(self, path: PathKey) -> int:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def problem(self, path: PathKey, message: str) -> None:
        self.problems.append(Problem(self.file, self.line(path), message))


# libyaml's parser when available (about 10x faster); same nodes and line marks.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that keeps an impossible date (2022-13-10) as text, so the schema can
    report it with its line instead of the parser failing."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def render_path(path: PathKey) -> str:
    """Render ("vaccines", 0, "codes") as ``vaccines[0].codes``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse(path: Path) -> Source:
    """Parse a YAML file; syntax errors and duplicate keys become problems, not exceptions."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Source(file, None, problems=[Problem(file, 1, f"cannot read file: {exc}")])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return Source(file, None, problems=[Problem(file, line, f"not valid YAML: {reason}")])
    finally:
        loader.dispose()
    source = Source(file, data)
    if node is not None:
        source.lines[()] = node.start_mark.line + 1
        _walk(node, (), source)
    return source


def _walk(node: yaml.Node, path: PathKey, source: Source) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                source.problems.append(Problem(source.file, line, (
                    f"{render_path(path + (key,))}: duplicate key (first given on line "
                    f"{seen[key]}); expected each key once")))
            seen[key] = line
            source.lines[path + (key,)] = line
            _walk(value_node, path + (key,), source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            source.lines[path + (index,)] = item.start_mark.line + 1
            _walk(item, path + (index,), source)
