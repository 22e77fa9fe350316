"""Load a country profile folder (profile.yaml + areas.csv) into a Profile object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ProfileError(Exception):
    """A profile is missing or invalid; the message says which file and what to fix."""


@dataclass(frozen=True)
class LocaleInfo:
    id: str
    direction: str = "ltr"
    digits: str = "latn"

    @property
    def language(self) -> str:
        return self.id.split("_")[0]


@dataclass
class Profile:
    code: str
    path: Path
    data: dict[str, Any]
    locales: list[LocaleInfo] = field(default_factory=list)

    @property
    def default_locale(self) -> str:
        return self.data["languages"]["default"]

    @property
    def locale_ids(self) -> list[str]:
        return [loc.id for loc in self.locales]

    def locale_info(self, locale_id: str) -> LocaleInfo:
        """Return the profile's settings for a locale (or its language), default LTR/Latin."""
        for loc in self.locales:
            if loc.id == locale_id:
                return loc
        language = locale_id.split("_")[0]
        for loc in self.locales:
            if loc.language == language:
                return loc
        return LocaleInfo(locale_id)

    def country_name(self, language: str) -> str:
        names = self.data["country"]["names"]
        return names.get(language) or names.get("en") or next(iter(names.values()))


def resolve_profile_dir(ref: str, profiles_dir: str | Path) -> Path:
    """Turn a profile code ("in") or a path into the profile's folder."""
    candidate = Path(ref)
    if candidate.is_dir() and (candidate / "profile.yaml").is_file():
        return candidate
    if candidate.name == "profile.yaml" and candidate.is_file():
        return candidate.parent
    folder = Path(profiles_dir) / ref.lower()
    if (folder / "profile.yaml").is_file():
        return folder
    known = sorted(p.parent.name for p in Path(profiles_dir).glob("*/profile.yaml"))
    raise ProfileError(
        f"country profile '{ref}' not found in {profiles_dir}; "
        f"use one of: {', '.join(known) or '(none)'} or a path to a profile folder"
    )


def load_profile(ref: str, profiles_dir: str | Path) -> Profile:
    folder = resolve_profile_dir(ref, profiles_dir)
    path = folder / "profile.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML ({exc})") from exc
    locales = [LocaleInfo(**loc) for loc in data["languages"]["supported"]]
    return Profile(code=folder.name, path=folder, data=data, locales=locales)
