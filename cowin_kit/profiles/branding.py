"""The national identity an instance shows: ministry name, emblem, colours and footer links.

All of it is profile data (``branding:`` in profile.yaml, files under ``<profile>/branding/``);
pages, appointment slips and certificate PDFs read it through ``branding(profile)``. A profile
without the section gets the kit's neutral look and the certificate issuer's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .labels import pick

#: The kit's own colours (kit.css) when a profile sets none.
DEFAULT_COLOURS = {"primary": "#0b5cad", "dark": "#083f77", "accent": "#0a8754"}


@dataclass(frozen=True)
class FooterLink:
    labels: dict
    url: str


@dataclass(frozen=True)
class Branding:
    ministry: dict
    portal_name: dict
    emblem: Path | None
    colours: dict = field(default_factory=lambda: dict(DEFAULT_COLOURS))
    footer_links: tuple[FooterLink, ...] = ()
    default_language: str = "en"

    def ministry_name(self, language: str | None = None) -> str:
        return pick(self.ministry, language, self.default_language)

    def portal(self, language: str | None = None) -> str:
        """The portal's own name, or '' for the kit's translated default."""
        return pick(self.portal_name, language, self.default_language)

    def links(self, language: str | None = None) -> list[tuple[str, str]]:
        return [(pick(link.labels, language, self.default_language), link.url)
                for link in self.footer_links]

    def rgb(self, name: str) -> tuple[int, int, int]:
        """A colour as 0-255 components (for PDFs)."""
        value = self.colours[name].lstrip("#")
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)

    def css(self) -> str:
        """CSS custom properties overriding kit.css's colours."""
        colours = self.colours
        return (f":root {{ --brand: {colours['primary']}; --brand-dark: {colours['dark']}; "
                f"--accent: {colours['accent']}; }}\n")


def branding(profile) -> Branding:
    """The profile's branding (a few look-ups in its data)."""
    raw = profile.data.get("branding") or {}
    issuer = ((profile.data.get("certificates") or {}).get("issuer") or {}).get("name")
    ministry = raw.get("ministry") or ({"en": issuer} if issuer else {})
    emblem = raw.get("emblem")
    return Branding(
        ministry=dict(ministry), portal_name=dict(raw.get("portal_name") or {}),
        emblem=(Path(profile.path) / emblem) if emblem else None,
        colours={**DEFAULT_COLOURS, **(raw.get("colours") or {})},
        footer_links=tuple(FooterLink(dict(link.get("labels") or {}), link["url"])
                           for link in raw.get("footer_links") or ()),
        default_language=profile.default_language)
