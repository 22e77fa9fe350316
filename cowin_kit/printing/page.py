"""The parts of a printed page the certificate and the appointment slip share: the ministry's
emblem and name over a rule in its colour (the profile's branding), boxes measured from the
page's start edge (mirrored on a right-to-left page), stacked and wrapped lines, label | value
tables, the paper size by country. Every line is shaped by ``fastpdf`` (HarfBuzz, the Unicode
bidi algorithm, a Noto family per character).

Below booking (the slip) and certificates (the certificate, ``certificates.pdf``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cowin_kit.profiles import get_profile
from cowin_kit.profiles.branding import branding

from . import fastpdf

RTL_LANGUAGES = {"ar", "fa", "ur", "he", "ps", "ckb", "sd", "ug", "yi", "dv"}
INK, GREY, RULE = (24, 30, 38), (92, 102, 115), (205, 211, 219)


def is_rtl(language: str) -> bool:
    return language.split("_")[0] in RTL_LANGUAGES


def paper_for(country: str | None) -> str:
    """'letter' where CLDR (through ICU) says the country uses US Letter, else 'a4'."""
    try:
        import icu

        height, _width = icu.LocaleData(f"und_{country or '001'}").getPaperSize()
    except Exception:  # noqa: BLE001 - an unknown country prints on A4
        return "a4"
    return "letter" if height == 279 else "a4"


@dataclass(frozen=True)
class Header:
    ministry: dict  # language -> ministry name (the profile's branding)
    emblem: Path | None
    colour: tuple[int, int, int]


def header_for(languages: list[str]) -> Header:
    """The ministry's name per language, the emblem file and the primary colour (branding)."""
    brand = branding(get_profile())
    emblem = brand.emblem if brand.emblem and brand.emblem.is_file() else None
    return Header({lang: brand.ministry_name(lang) for lang in languages or ["en"]}, emblem,
                  brand.rgb("primary"))


class Layout:
    """Boxes measured from the page's start edge: the left one, or the right one on a
    right-to-left page (``x`` mirrors them)."""

    def __init__(self, page: fastpdf.Page, rtl: bool, margin: float = 40.0) -> None:
        self.page, self.rtl, self.margin = page, rtl, margin
        self.inner = page.width - 2 * margin

    def x(self, x: float, w: float) -> float:
        return self.page.width - x - w if self.rtl else x

    def line(self, text: str, x: float, y: float, w: float, size: float, rgb, rtl: bool,
             centre: bool = False) -> None:
        """One line in a box (start-aligned on the page's side, or centred), shrunk to fit.
        Its paragraph direction is its first strong character's (an untranslated English
        label in an Arabic block reads left to right), else the language's."""
        rtl = _first_strong_rtl(text, rtl)
        glyphs, width = fastpdf.shape_line(text, size, rtl)
        if width > w and width:
            size = max(5.0, size * w / width)
            glyphs, width = fastpdf.shape_line(text, size, rtl)
        left = self.x(x, w)
        if centre:
            start = left + (w - width) / 2
        else:
            start = left + w - width if self.rtl else left
        self.page.text(text, start, y, size, rtl=rtl, rgb=rgb)

    def wrapped(self, text: str, size: float, w: float, rtl: bool, limit: int = 2) -> list[str]:
        lines = list(_wrap(text, size, w, rtl))
        if len(lines) > limit:
            lines = lines[:limit - 1] + [" ".join(lines[limit - 1:])]  # the last line shrinks
        return lines

    def stacked(self, lines, x, y, w, sizes, *colours, centre=False) -> float:
        """Lines one under the other (the first in the first size and colour, the rest in the
        last); returns the baseline after them."""
        for index, (text, rtl) in enumerate(lines):
            size = sizes[min(index, len(sizes) - 1)]
            colour = colours[min(index, len(colours) - 1)]
            for part in self.wrapped(text, size, w, rtl):
                self.line(part, x, y, w, size, colour, rtl, centre)
                y += size * 1.35
        return y

    def table_rows(self, rows, x, y, w) -> float:
        """Label | value rows with hairlines between them; returns the y under the table."""
        label_w = w * 0.38
        self.page.rect((self.x(x, w), y, w, 0.6), RULE)
        for labels, values in rows:
            top = y + 13
            end_labels = self.stacked(labels, x, top, label_w - 8, (8.5,), GREY)
            end_values = self.stacked(values, x + label_w, top + 1, w - label_w, (11, 9.5), INK, GREY)
            y = max(end_labels, end_values) - 4
            self.page.rect((self.x(x, w), y, w, 0.6), RULE)
        return y


def draw_header(layout: Layout, header: Header, languages: list[str]) -> float:
    """The emblem and the ministry's name (each language where it differs) over a rule in the
    ministry's colour; returns the y of the rule."""
    page, margin = layout.page, layout.margin
    emblem_w = 48.0 if header.emblem is not None else 0.0
    if header.emblem is not None:
        page.place_picture(*_emblem_pixels(header.emblem, header.emblem.stat().st_mtime_ns),
                           (layout.x(margin, emblem_w), margin, emblem_w, emblem_w))
    names = [(name, is_rtl(lang)) for name, lang in
             {header.ministry[lang]: lang for lang in reversed(languages) if header.ministry.get(lang)}.items()]
    names.reverse()
    left = margin + (emblem_w + 12 if emblem_w else 0)
    width = layout.inner - (left - margin)
    lines = names[:3]
    y = margin + 18 if len(lines) > 1 else margin + 28
    layout.stacked(lines, left, y, width, (13, 10), INK, GREY)
    rule = margin + max(emblem_w, 14 + 15 * len(lines)) + 8
    page.rect((margin, rule, layout.inner, 2.5), header.colour)
    return rule


#: Emblem size in the PDF's pixels (drawn 48 pt wide: about 150 dpi).
EMBLEM_PIXELS = 100


@functools.lru_cache(maxsize=16)
def _emblem_pixels(path: Path, _stamp: int) -> tuple[int, int, bytes, bytes]:
    """The emblem PNG as RGB and alpha bytes, scaled for the page (cached per file version)."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGBA")
        image.thumbnail((EMBLEM_PIXELS, EMBLEM_PIXELS), Image.LANCZOS)
        return (image.width, image.height, image.convert("RGB").tobytes(),
                image.getchannel("A").tobytes())


def _first_strong_rtl(text: str, default: bool) -> bool:
    import unicodedata

    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return default


@functools.lru_cache(maxsize=4096)
def _wrap(text: str, size: float, width: float, rtl: bool) -> tuple[str, ...]:
    """Split ``text`` at spaces into lines no wider than ``width`` (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and fastpdf.shape_line(joined, size, rtl)[1] <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return tuple(lines or [""])
