"""The fonts certificates and slips are set in: Noto, one family per script, from a package.

The Noto files come from the ``manimgx-fonts`` wheel on PyPI (unmodified Noto Sans for Latin,
Greek, Cyrillic and Vietnamese plus Noto Sans for Arabic, Armenian, Bengali, Devanagari,
Ethiopic, Georgian, Gujarati, Gurmukhi, Hebrew, Kannada, Khmer, Lao, Malayalam, Myanmar, Oriya,
Sinhala, Tamil, Telugu and Thai; SIL Open Font License 1.1, the licence in the wheel's
``dist-info/licenses``). They are variable fonts whose default instance is Regular (wght 400):
HarfBuzz shapes at the default and the embedded subsets keep the default outlines.

A character is set in the first family of ``FAMILIES`` that has it (fallback per character);
``missing_for_language`` tells the profile validator which of a language's letters (CLDR's
exemplar characters, from ICU) no family covers.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import manimgx_fonts

PACKAGE_DIR = Path(manimgx_fonts.__file__).resolve().parent
#: File names inside the package, in fallback order: Latin/Greek/Cyrillic first, then one
#: family per script, symbols last. Emoji and italics are left out.
FAMILIES = (
    "NotoSans[wght].ttf", "NotoSansDevanagari[wght].ttf", "NotoSansArabic[wght].ttf",
    "NotoSansBengali[wght].ttf", "NotoSansTamil[wght].ttf", "NotoSansTelugu[wght].ttf",
    "NotoSansGujarati[wght].ttf", "NotoSansGurmukhi[wght].ttf", "NotoSansKannada[wght].ttf",
    "NotoSansMalayalam[wght].ttf", "NotoSansOriya[wght].ttf", "NotoSansSinhala[wght].ttf",
    "NotoSansThai[wght].ttf", "NotoSansKhmer[wght].ttf", "NotoSansLao[wght].ttf",
    "NotoSansMyanmar[wght].ttf", "NotoSansEthiopic[wght].ttf", "NotoSansHebrew[wght].ttf",
    "NotoSansGeorgian[wght].ttf", "NotoSansArmenian[wght].ttf", "NotoSansSymbols[wght].ttf",
)
FONT_PATHS = tuple(PACKAGE_DIR / name for name in FAMILIES)
LICENCE_NOTE = "SIL Open Font License 1.1 (manimgx-fonts wheel, dist-info/licenses/LICENSE)"


@lru_cache(maxsize=None)
def cmap(index: int) -> frozenset[int]:
    """The code points family ``index`` has a glyph for (read once per process)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT_PATHS[index]), lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=8192)
def font_index(code: int) -> int | None:
    """The first family with a glyph for ``code``, or None."""
    for index in range(len(FAMILIES)):
        if code in cmap(index):
            return index
    return None


IGNORED = {0x200C, 0x200D, 0x200E, 0x200F}  # ZWNJ/ZWJ and direction marks: no glyph needed


@lru_cache(maxsize=256)
def missing_for_language(language: str) -> tuple[str, ...]:
    """The letters of ``language`` (CLDR main exemplar characters) no bundled family has;
    empty when the language is fully covered. Unknown languages report nothing (the
    validator's locale check reports them)."""
    import icu

    exemplars = icu.LocaleData(language.replace("-", "_")).getExemplarSet(0, 0)
    missing = []
    for item in exemplars:
        for char in item:
            if ord(char) not in IGNORED and font_index(ord(char)) is None and char not in missing:
                missing.append(char)
    return tuple(missing)


def families_for(text: str) -> list[Path]:
    """The font files ``text`` needs, in fallback order (the first family always)."""
    wanted = {0} | {i for i in (font_index(ord(c)) for c in text if not c.isspace()) if i is not None}
    return [FONT_PATHS[i] for i in sorted(wanted)]
