"""A small declarative schema for profile.yaml: each spec checks a value and reports problems
with the path, the bad value and what was expected."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .durations import DurationError, parse_duration
from .yamlsrc import PathKey, Source, render_path


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Spec:
    expected = "a value"

    def check(self, value: Any, path: PathKey, src: Source) -> None:
        raise NotImplementedError

    def fail(self, value: Any, path: PathKey, src: Source, expected: str | None = None) -> None:
        src.problem(path, f"{render_path(path)}: got {_show(value)}; expected "
                          f"{expected or self.expected}")


class Str(Spec):
    def __init__(self, pattern: str | None = None, choices: tuple[str, ...] | None = None,
                 expected: str | None = None) -> None:
        self.pattern = re.compile(pattern) if pattern else None
        self.choices = choices
        self.expected = expected or (
            "one of " + ", ".join(choices) if choices else
            f"text matching {pattern}" if pattern else "text")

    def check(self, value, path, src):
        if not isinstance(value, str):
            return self.fail(value, path, src)
        text = value
        if self.choices and text not in self.choices:
            return self.fail(value, path, src)
        if self.pattern and not self.pattern.fullmatch(text):
            return self.fail(value, path, src)


class Int(Spec):
    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high
        bounds = [f">= {low}" if low is not None else "", f"<= {high}" if high is not None else ""]
        self.expected = "a whole number" + (" " + " and ".join(b for b in bounds if b)
                                            if any(bounds) else "")

    def check(self, value, path, src):
        if isinstance(value, bool) or not isinstance(value, int):
            return self.fail(value, path, src)
        if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            return self.fail(value, path, src)


class Bool(Spec):
    expected = "true or false"

    def check(self, value, path, src):
        if not isinstance(value, bool):
            self.fail(value, path, src)


class Date(Spec):
    expected = "an ISO 8601 date like 2021-05-13"

    def check(self, value, path, src):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.fail(value, path, src)


class Duration(Spec):
    expected = "an ISO 8601 duration like P28D, P12W, P6M or PT2H"

    def check(self, value, path, src):
        if not isinstance(value, str):
            return self.fail(value, path, src)
        try:
            parse_duration(value)
        except DurationError:
            self.fail(value, path, src)


class Regex(Spec):
    expected = "a valid regular expression"

    def check(self, value, path, src):
        if not isinstance(value, str):
            return self.fail(value, path, src)
        try:
            re.compile(value)
        except re.error as exc:
            self.fail(value, path, src, f"a valid regular expression ({exc})")


class Null(Spec):
    def __init__(self, inner: Spec) -> None:
        self.inner = inner
        self.expected = f"{inner.expected} or null"

    def check(self, value, path, src):
        if value is not None:
            self.inner.check(value, path, src)


class Any_(Spec):
    def check(self, value, path, src):
        return None


class Either(Spec):
    """The first spec whose rough type matches is used (e.g. a name or a mapping)."""

    def __init__(self, *options: tuple[type, Spec]) -> None:
        self.options = options
        self.expected = " or ".join(spec.expected for _t, spec in options)

    def check(self, value, path, src):
        for kind, spec in self.options:
            if isinstance(value, kind):
                return spec.check(value, path, src)
        self.fail(value, path, src)


class ListOf(Spec):
    def __init__(self, item: Spec, min_len: int = 0, unique: bool = False) -> None:
        self.item, self.min_len, self.unique = item, min_len, unique
        self.expected = f"a list of {item.expected}" + (
            f" with at least {min_len} item(s)" if min_len else "")

    def check(self, value, path, src):
        if not isinstance(value, list) or len(value) < self.min_len:
            return self.fail(value, path, src)
        seen = set()
        for index, item in enumerate(value):
            self.item.check(item, path + (index,), src)
            if self.unique and isinstance(item, (str, int)):
                if item in seen:
                    src.problem(path + (index,), f"{render_path(path + (index,))}: "
                                f"{_show(item)} is listed twice; expected each once")
                seen.add(item)


class MapOf(Spec):
    def __init__(self, key: Spec, value: Spec, expected: str | None = None) -> None:
        self.key, self.value = key, value
        self.expected = expected or f"a mapping of {key.expected} to {value.expected}"

    def check(self, value, path, src):
        if not isinstance(value, dict):
            return self.fail(value, path, src)
        for key, item in value.items():
            self.key.check(key, path + (key,), src)
            self.value.check(item, path + (key,), src)


class Obj(Spec):
    """A mapping with known keys; ``required`` keys must be present, others are optional."""

    def __init__(self, fields: dict[str, Spec], required: tuple[str, ...] = (),
                 expected: str | None = None) -> None:
        self.fields, self.required = fields, required
        self.expected = expected or "a mapping with keys " + ", ".join(fields)

    def check(self, value, path, src):
        if not isinstance(value, dict):
            return self.fail(value, path, src)
        for key, item in value.items():
            spec = self.fields.get(key) if isinstance(key, str) else None
            if spec is None:
                src.problem(path + (key,), f"{render_path(path + (key,))}: unknown key "
                            f"{_show(key)}; expected one of: {', '.join(self.fields)}")
                continue
            spec.check(item, path + (key,), src)
        for key in self.required:
            if key not in value:
                src.problem(path, f"{render_path(path)}: missing required key '{key}'")


#: {language: text}; that every map has the default language is checked by the validator.
LANG = Str(r"[a-z]{2,3}(_[A-Z][a-z]{3})?", expected="a language code like en, hi, ckb")
LangMap = MapOf(LANG, Str(), expected="a mapping of language code to text, e.g. {en: India}")
