"""Text to glyphs: a line itemised by font coverage (Latin/Vietnamese/Cyrillic, then Devanagari,
then Arabic), ordered by the Unicode Bidirectional Algorithm (ICU) and shaped by HarfBuzz
(conjuncts, joined and right-to-left forms, mark positioning), as PDF text operators.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

import uharfbuzz as hb

from cowin_kit.core import fontset

from .fontprogram import fonts

_shape_lock = threading.Lock()  # hb.Font objects are shared; shaping itself is quick


def _is_neutral(char: str) -> bool:
    """Spaces and punctuation: set in the font of the text around them when it has them."""
    return not char.isalnum() and unicodedata.category(char)[0] not in "LMN"


def _font_indexes(text: str) -> list[int]:
    """The font of each character: the first family that has it, except that spaces and
    punctuation stay in the font of the character before (or after) them when it has them."""
    out: list[int | None] = []
    for char in text:
        out.append(None if _is_neutral(char) else (fontset.font_index(ord(char)) or 0))
    for i, char in enumerate(text):
        if out[i] is None:
            code = ord(char)
            before = next((out[j] for j in range(i - 1, -1, -1) if out[j] is not None), None)
            after = next((out[j] for j in range(i + 1, len(out)) if out[j] is not None
                          and not _is_neutral(text[j])), None)
            for candidate in (before, after):
                if candidate is not None and code in fontset.cmap(candidate):
                    out[i] = candidate
                    break
            else:
                out[i] = fontset.font_index(code) or 0
    return out  # type: ignore[return-value]


def _utf16_index(text: str) -> list[int]:
    """For each UTF-16 code unit of ``text``, the index of its character."""
    out = []
    for i, char in enumerate(text):
        out.extend((i, i) if ord(char) > 0xFFFF else (i,))
    return out


def _visual_runs(text: str, rtl: bool) -> list[tuple[int, int, bool]]:
    """The Unicode Bidirectional Algorithm (ICU) on one line whose paragraph direction is
    ``rtl``: its directional runs as (start, end, right-to-left), left to right on the page,
    start/end indexing the logical text."""
    import icu

    if not text:
        return []
    bidi = icu.Bidi()
    bidi.setPara(icu.UnicodeString(text), 1 if rtl else 0)
    units = _utf16_index(text)
    runs = []
    for i in range(bidi.countRuns()):
        start, length, direction = bidi.getVisualRun(i)
        end = start + length
        runs.append((units[start], units[end - 1] + 1, direction == 1))
    return runs


#: Directional marks, embeddings, overrides and isolates (U+200E/F, U+202A-E, U+2066-9).
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def isolate(value: str) -> str:
    """``value`` as a first-strong isolate (FSI ... PDI): set in its own direction whatever
    surrounds it, so a date or an ID in an Arabic line keeps its order (without it the bidi
    algorithm turns 2021-06-15 after an Arabic label into Arabic numbers: 15-06-2021)."""
    return f"\u2068{value}\u2069"


def _runs(text: str, rtl: bool) -> list[tuple[int, str, bool]]:
    """The line as (font index, text, right-to-left) pieces to shape, in visual order: bidi
    runs left to right, each cut where the font changes (in reverse for a right-to-left run)."""
    indexes = _font_indexes(text)
    out = []
    for start, end, run_rtl in _visual_runs(text, rtl):
        pieces: list[list] = []
        for i in range(start, end):
            if text[i] in BIDI_CONTROLS:
                continue  # they have done their work in the bidi algorithm; nothing to draw
            if pieces and pieces[-1][0] == indexes[i]:
                pieces[-1][1] += text[i]
            else:
                pieces.append([indexes[i], text[i]])
        if run_rtl:
            pieces.reverse()
        out.extend((index, part, run_rtl) for index, part in pieces)
    return out


def _cluster_texts(part: str, clusters: list[int]) -> dict[int, str]:
    """The characters of each cluster (cluster values are indexes into the run's text)."""
    ordered = sorted(set(clusters))
    ends = ordered[1:] + [len(part)]
    return {start: part[start:end] for start, end in zip(ordered, ends)}


@lru_cache(maxsize=4096)
def line_ops(text: str, size: float, rtl: bool) -> tuple[str, float, tuple]:
    """Shape one line; return its text operators relative to the line origin, its width and
    the glyphs it uses as (font index, glyph id, characters), left to right. ``rtl`` is the
    paragraph direction; the bidi algorithm orders the runs inside the line. Cached: labels
    and most values repeat from one certificate to the next."""
    table = fonts()
    ops: list[str] = []
    used: list[tuple[int, int, str]] = []
    x = 0.0
    current = None
    for index, part, run_rtl in _runs(text, rtl):
        font = table[index]
        scale = size / font.upem
        buf = hb.Buffer()
        buf.add_str(part)
        buf.direction = "rtl" if run_rtl else "ltr"
        buf.guess_segment_properties()
        with _shape_lock:
            hb.shape(font.hb_font, buf)
        infos, positions = buf.glyph_infos, buf.glyph_positions
        texts = _cluster_texts(part, [info.cluster for info in infos])
        cluster_text = dict(texts)
        per_cluster: dict[int, int] = {}
        for info in infos:
            per_cluster[info.cluster] = per_cluster.get(info.cluster, 0) + 1
        if index != current:
            ops.append(f"/F{index + 1} {size:.2f} Tf")
            current = index
        for info, pos in zip(infos, positions):
            ops.append(f"1 0 0 1 {x + pos.x_offset * scale:.2f} {pos.y_offset * scale:.2f} Tm "
                       f"<{info.codepoint:04X}> Tj")
            # ToUnicode is one string per glyph: a glyph alone in its cluster stands for the
            # cluster's text (conjuncts, joined forms); a base + mark sequence maps glyph by
            # glyph to the characters they are the nominal glyphs of.
            nominal = font.nominal.get(info.codepoint)
            if per_cluster[info.cluster] > 1 and nominal and nominal in cluster_text[info.cluster]:
                chars = nominal
                texts.pop(info.cluster, None)
            else:
                chars = texts.pop(info.cluster, "")
            cid = font.cid(info.codepoint, chars)
            ops[-1] = ops[-1][:-9] + f"<{cid:04X}> Tj"
            used.append((index, info.codepoint, chars, cid))
            x += pos.x_advance * scale
    return "\n".join(ops), x, tuple(used)


@lru_cache(maxsize=8192)
def shape_line(text: str, size: float, rtl: bool = False) -> tuple[tuple, float]:
    """The glyphs of one line as (font index, glyph id, characters), and its width in points."""
    _ops, width, used = line_ops(text, size, rtl)
    return tuple(glyph[:3] for glyph in used), width
