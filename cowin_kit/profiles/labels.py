"""Language-keyed labels ({en: …, hi: …}) with fallback to the profile's default language."""

from __future__ import annotations

from dataclasses import dataclass, field


def pick(mapping: dict | None, language: str | None, default_language: str = "en") -> str:
    """Pick the text for ``language`` (or its base language), else the default, else English."""
    if not mapping:
        return ""
    if language:
        for candidate in (language, language.split("_")[0]):
            if mapping.get(candidate):
                return mapping[candidate]
    for candidate in (default_language, "en"):
        if mapping.get(candidate):
            return mapping[candidate]
    return next(iter(mapping.values()))


@dataclass(frozen=True)
class Labelled:
    """Something with labels per language."""

    labels: dict = field(default_factory=dict, hash=False)
    default_language: str = field(default="en", repr=False)

    def label(self, language: str | None = None) -> str:
        """Return the label in ``language``, falling back to the default language, then English."""
        return pick(self.labels, language, self.default_language)
