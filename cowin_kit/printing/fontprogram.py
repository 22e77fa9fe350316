"""The fonts a PDF embeds: each Noto family read once per process and cut up into the raw pieces
a per-document subset needs (``FontProgram``), with its HarfBuzz font, metrics and character ids
(``Font``). See ``fastpdf`` for why, and for the subset the PDF embeds.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from cowin_kit.core import fontset

FONT_PATHS = fontset.FONT_PATHS
COPIED_TABLES = ("cvt ", "fpgm", "hhea", "maxp", "prep")  # as they are; head, hmtx, loca, glyf per subset
_U32 = struct.Struct(">I")


def _checksum(data: bytes, at: int = 0) -> int:
    """What ``data`` adds to an sfnt table checksum (the sum of its big-endian uint32 words,
    zero-padded) when it starts ``at`` bytes into the table; not reduced modulo 2**32."""
    return sum(sum(data[r::4]) << 8 * (3 - (at + r) % 4) for r in range(4))


def _sfnt(tables: dict[str, tuple[bytes, int]]) -> bytes:
    """A TrueType file from its tables (data, checksum); sets head.checkSumAdjustment."""
    tags = sorted(tables)
    selector = len(tags).bit_length() - 1
    records = [struct.pack(">IHHHH", 0x00010000, len(tags), 16 << selector, selector,
                           16 * len(tags) - (16 << selector))]
    offset = 12 + 16 * len(tags)
    body = []
    total = 0
    for tag in tags:
        data, checksum = tables[tag]
        checksum &= 0xFFFFFFFF
        records.append(struct.pack(">4sIII", tag.encode("latin-1"), checksum, offset, len(data)))
        body.append(data + b"\0" * (-len(data) % 4))
        offset += len(body[-1])
        total += checksum
    directory = b"".join(records)
    head = tags.index("head")
    adjustment = (0xB1B0AFBA - _checksum(directory) - total) & 0xFFFFFFFF
    body[head] = body[head][:8] + _U32.pack(adjustment) + body[head][12:]
    return directory + b"".join(body)


@dataclass
class FontProgram:
    """A TrueType font file cut up once, for per-document subsets that keep glyph ids.

    Each glyph carries its raw glyf bytes, what they add to the glyf checksum at each of the
    four word alignments, and its hmtx entry (where, bytes, checksum), so a subset is byte
    copies and sums over the glyphs it keeps, whatever the size of the font."""

    tables: dict[str, tuple[bytes, int]]  # tables copied as they are, with their checksums
    head: tuple[bytes, int]  # long loca offsets, checkSumAdjustment zero (set per file)
    # per glyph id: glyf bytes, their checksum at offset % 4 == 0..3, hmtx span, entry, checksum
    glyphs: list[tuple[bytes, tuple[int, ...], slice, bytes, int]]
    hmtx_length: int
    long_metrics: int  # hhea.numberOfHMetrics: later glyphs take the last long entry's advance
    components: dict[int, tuple[int, ...]]  # composite glyph -> every glyph it is built from

    @classmethod
    def read(cls, tt: TTFont) -> FontProgram:
        raw = tt.reader
        offsets = tt["loca"].locations  # in bytes, whatever the head's loca format
        glyf, hmtx, longs = raw["glyf"], raw["hmtx"], tt["hhea"].numberOfHMetrics
        order = tt.getGlyphOrder()
        glyphs, direct = [], {}
        for gid, (start, end) in enumerate(zip(offsets, offsets[1:])):
            data = glyf[start:end]
            if len(data) >= 2 and struct.unpack_from(">h", data)[0] < 0:  # negative contour count
                direct[gid] = [tt.getGlyphID(c.glyphName) for c in tt["glyf"][order[gid]].components]
            span = slice(4 * gid, 4 * gid + 4) if gid < longs else slice(2 * gid + 2 * longs, 2 * gid + 2 * longs + 2)
            glyphs.append((data, tuple(_checksum(data, at) for at in range(4)), span, hmtx[span],
                           _checksum(hmtx[span], span.start)))

        def closure(gid: int, seen: set) -> set:
            for part in direct.get(gid, ()):
                if part not in seen:
                    seen.add(part)
                    closure(part, seen)
            return seen

        head = bytearray(raw["head"])
        head[8:12] = bytes(4)  # checkSumAdjustment
        head[50:52] = struct.pack(">h", 1)  # indexToLocFormat: long offsets
        return cls(tables={tag: (raw[tag], _checksum(raw[tag])) for tag in COPIED_TABLES if tag in raw},
                   head=(bytes(head), _checksum(head)), glyphs=glyphs, hmtx_length=len(hmtx), long_metrics=longs,
                   components={gid: tuple(sorted(closure(gid, set()))) for gid in direct})

    def subset(self, gids) -> tuple[str, bytes]:
        """A subset tag (six capital letters naming the glyph set) and the font file in which
        ``gids``, their components and .notdef keep their outlines and metrics; every other
        glyph id is an empty glyph with zero metrics."""
        keep = {0, *gids}
        components = self.components
        for gid in gids:
            if gid in components:
                keep.update(components[gid])
        if max(keep) >= self.long_metrics:
            keep.add(self.long_metrics - 1)  # whose advance the glyphs past numberOfHMetrics take
        count = len(self.glyphs)
        pack = _U32.pack
        loca, glyf = [], []
        hmtx = bytearray(self.hmtx_length)
        loca_sum = glyf_sum = hmtx_sum = 0
        offset, previous = 0, -1
        for gid in sorted(keep) + [count]:
            # loca (long offsets) holds the same offset from the glyph after the previous kept one
            loca.append(pack(offset) * (gid - previous))
            loca_sum += offset * (gid - previous)
            if gid < count:
                data, sums, span, metric, metric_sum = self.glyphs[gid]
                glyf.append(data)
                glyf_sum += sums[offset % 4]
                offset += len(data)
                hmtx[span] = metric
                hmtx_sum += metric_sum
            previous = gid
        loca_bytes = b"".join(loca)
        hashed = zlib.crc32(loca_bytes)
        tag = "".join(chr(65 + hashed // 26 ** i % 26) for i in range(6))
        return tag, _sfnt(dict(self.tables, head=self.head, loca=(loca_bytes, loca_sum),
                               glyf=(b"".join(glyf), glyf_sum), hmtx=(bytes(hmtx), hmtx_sum)))


@dataclass
class Font:
    key: str
    name: str
    hb_font: object
    upem: int
    cmap: dict
    ascent: int
    descent: int
    bbox: tuple
    program: FontProgram  # the font file, for per-document subsets
    widths: tuple[str, ...]  # the advance of every glyph, 1000-unit scale
    nominal: dict  # glyph id -> the character it is the nominal glyph of
    # Character ids: a glyph drawn for different text (Arabic letters share dotless bases and
    # dot glyphs) gets one CID per text, so that ToUnicode, which maps codes, gives each its
    # own characters. The first text of a glyph keeps CID = glyph id; later ones are numbered
    # from the glyph count on, for the whole process (CIDToGIDMap maps them back).
    cids: dict = field(default_factory=dict)  # (glyph id, text) -> CID
    extra_gids: list = field(default_factory=list)  # CID - glyph count -> glyph id
    cid_gids: set = field(default_factory=set)  # glyph ids that have a CID
    cid_lock: threading.Lock = field(default_factory=threading.Lock)

    def cid(self, gid: int, text: str) -> int:
        key = (gid, text)
        found = self.cids.get(key)
        if found is None:
            with self.cid_lock:
                found = self.cids.get(key)
                if found is None:
                    if gid in self.cid_gids:
                        found = len(self.program.glyphs) + len(self.extra_gids)
                        self.extra_gids.append(gid)
                    else:
                        found = gid
                        self.cid_gids.add(gid)
                    self.cids[key] = found
        return found

    def gid(self, cid: int) -> int:
        count = len(self.program.glyphs)
        return cid if cid < count else self.extra_gids[cid - count]


def _read_font(index: int) -> Font:
    path = FONT_PATHS[index]
    raw = path.read_bytes()
    tt = TTFont(str(path), lazy=True)
    upem = tt["head"].unitsPerEm
    metrics = tt["hmtx"].metrics
    order = tt.getGlyphOrder()
    widths = tuple(str(round(metrics[g][0] * 1000 / upem)) for g in order)
    hhea = tt["hhea"]
    head = tt["head"]
    name = tt["name"].getDebugName(6) or path.stem
    ids = {g: i for i, g in enumerate(order)}
    nominal: dict[int, str] = {}
    for code, glyph in sorted(tt.getBestCmap().items(), reverse=True):
        nominal[ids[glyph]] = chr(code)  # the lowest code point wins
    return Font(key=f"F{index + 1}", name=name.replace(" ", ""), hb_font=hb.Font(hb.Face(hb.Blob(raw))),
                upem=upem, cmap=dict(tt.getBestCmap()), ascent=hhea.ascent, descent=hhea.descent,
                bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
                program=FontProgram.read(tt), widths=widths, nominal=nominal)


class _Table(Sequence):
    """The fonts by index, each read and cut up the first time a page uses it."""

    def __init__(self) -> None:
        self._fonts: dict[int, Font] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(FONT_PATHS)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        font = self._fonts.get(index)
        if font is None:
            with self._lock:
                font = self._fonts.get(index)
                if font is None:
                    font = self._fonts[index] = _read_font(index)
        return font


_TABLE = _Table()


def fonts() -> _Table:
    """The Noto families (``fontset.FAMILIES``), each read once per process when first used."""
    return _TABLE
