"""A small PDF writer for certificates and slips: HarfBuzz-shaped text, glyphs placed one by one.

fpdf2 re-reads and subsets the TrueType fonts with fontTools for every document, which costs
far more than the certificate itself. Here each font is read once per process and cut up into
the raw pieces a PDF needs (``FontProgram``). A document embeds, as a CIDFontType2 with identity
glyph ids, a subset that keeps glyph ids as they are: the glyphs the page shows, the components
of its composite glyphs and .notdef keep their ``glyf`` bytes and ``hmtx`` entries, every other
glyph is empty, and only the tables PDF 32000 §9.9 asks of a TrueType program for a CIDFont are
kept (head, hhea, maxp, hmtx, loca, glyf, and cvt/fpgm/prep when present; HarfBuzz has shaped
the text already, so cmap, GSUB, GPOS, post and name are not needed). That is byte copies, a new
loca and table directory, and checksums summed from per-glyph parts: about 0.1-0.2 ms per font,
plus compressing 10-25 kB, where embedding whole fonts made a PDF 150-350 kB. Besides the fonts
a document is a shaped content stream, the W array and a ToUnicode map of the glyphs shown (for
copy/paste and search), and the QR image. Text is itemised by font coverage (Latin/Vietnamese/Cyrillic, then
Devanagari, then Arabic), shaped by HarfBuzz (conjuncts, joined and right-to-left forms, mark
positioning) and right-to-left blocks are laid out from the right margin.
"""

from __future__ import annotations

import struct
import threading
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from cowin_kit.core import fontset

FONT_PATHS = fontset.FONT_PATHS
PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
PAPER = {"a4": (595.28, 841.89), "letter": (612.0, 792.0), "a5": (419.53, 595.28)}
MARGIN = 42.5
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
def _line(text: str, size: float, rtl: bool) -> tuple[str, float, tuple]:
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
    _ops, width, used = _line(text, size, rtl)
    return tuple(glyph[:3] for glyph in used), width


class Page:
    """One page (A4 unless told): lines of shaped text, rules, boxes and images."""

    def __init__(self, width: float = PAGE_W, height: float = PAGE_H) -> None:
        self.width, self.height = width, height
        self.ops: list[str] = []
        self.used: dict[int, dict[int, str]] = {}  # font index -> {CID: text}
        self.image: tuple[int, int, bytes, tuple] | None = None
        self.pictures: list[tuple[int, int, bytes, bytes | None, tuple]] = []

    def text(self, text: str, x: float, y: float, size: float, *, rtl: bool = False,
             right: float | None = None, rgb: tuple[int, int, int] | None = None) -> float:
        """Draw a line; ``y`` is the baseline from the top; returns the line's width. ``rtl``
        is the paragraph direction (and, with ``right``, aligns the line to the right)."""
        ops, width, used = _line(text, size, rtl)
        start = (right - width) if (rtl and right is not None) else x
        colour = "{:.3f} {:.3f} {:.3f} rg ".format(*(c / 255 for c in rgb)) if rgb else ""
        # the cached operators are relative to the line origin: move the origin there
        self.ops.append(f"q {colour}1 0 0 1 {start:.2f} {self.height - y:.2f} cm BT\n{ops}\nET Q")
        for font, _gid, chars, cid in used:
            self.used.setdefault(font, {})[cid] = chars
        return width

    def place_image(self, width: int, height: int, gray: bytes, box: tuple[float, float, float, float]) -> None:
        """A greyscale image (one byte per pixel) drawn into box (x, y from top, w, h)."""
        self.image = (width, height, gray, box)

    def place_picture(self, width: int, height: int, rgb: bytes, alpha: bytes | None,
                      box: tuple[float, float, float, float]) -> None:
        """A colour image (three bytes per pixel, optional one-byte alpha) drawn into box."""
        self.pictures.append((width, height, rgb, alpha, box))

    def rect(self, box: tuple[float, float, float, float], rgb: tuple[int, int, int]) -> None:
        """A filled rectangle (x, y from top, w, h) in an 0-255 RGB colour."""
        x, y, w, h = box
        r, g, b = (c / 255 for c in rgb)
        self.ops.append(f"q {r:.3f} {g:.3f} {b:.3f} rg {x:.2f} {self.height - y - h:.2f} {w:.2f} "
                        f"{h:.2f} re f Q")

    def frame(self, box: tuple[float, float, float, float], rgb: tuple[int, int, int],
              width: float = 0.6) -> None:
        """A stroked rectangle (x, y from top, w, h)."""
        x, y, w, h = box
        r, g, b = (c / 255 for c in rgb)
        self.ops.append(f"q {r:.3f} {g:.3f} {b:.3f} RG {width:.2f} w {x:.2f} "
                        f"{self.height - y - h:.2f} {w:.2f} {h:.2f} re S Q")


def _w_array(widths: tuple[str, ...], cids, gid=lambda cid: cid) -> str:
    """The W array of the CIDs shown (each its glyph's advance), consecutive CIDs in one run:
    [3 [600 620 ] 9 [500]]."""
    out = []
    previous = -2
    for cid in sorted(cids):
        width = widths[gid(cid)]
        out.append(width if cid == previous + 1 else f"] {cid} [{width}")
        previous = cid
    return "[" + " ".join(out)[2:] + "]]"


@lru_cache(maxsize=64)
def _cid_to_gid(font_index: int, last: int) -> bytes:
    """A CIDToGIDMap stream's data (two bytes per CID, identity below the glyph count) up to
    CID ``last``; the same for every document that uses the same CIDs, so cached."""
    font = fonts()[font_index]
    return b"".join(struct.pack(">H", font.gid(cid)) for cid in range(last + 1))


def _to_unicode(mapping: dict[int, str]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    items = [(gid, text) for gid, text in sorted(mapping.items()) if text]
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for gid, text in chunk:
            utf16 = text.encode("utf-16-be").hex().upper()
            lines.append(f"<{gid:04X}> <{utf16}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def render(page: Page, title: str = "Vaccination certificate") -> bytes:
    """Serialise one page to PDF bytes."""
    table = fonts()
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(dictionary: str, data: bytes) -> bytes:
        data = zlib.compress(data, 1)
        dictionary += " /Filter /FlateDecode"
        return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode("ascii") + data + b"\nendstream"

    catalog = add(b"")  # placeholders filled below
    pages = add(b"")
    font_refs = {}
    for index, mapping in sorted(page.used.items()):
        font = table[index]
        tag, program = font.program.subset({font.gid(cid) for cid in mapping})
        name = f"{tag}+{font.name}"
        file_ref = add(stream(f"/Length1 {len(program)}", program))
        scale = 1000 / font.upem
        descriptor = add((f"<< /Type /FontDescriptor /FontName /{name} /Flags 4 "
                          f"/FontBBox [{' '.join(str(round(v * scale)) for v in font.bbox)}] /ItalicAngle 0 "
                          f"/Ascent {round(font.ascent * scale)} /Descent {round(font.descent * scale)} "
                          f"/CapHeight {round(font.ascent * scale)} /StemV 80 /FontFile2 {file_ref} 0 R >>").encode())
        last = max(mapping)
        cid_map = ("/Identity" if last < len(font.program.glyphs)
                   else f"{add(stream('', _cid_to_gid(index, last)))} 0 R")
        cid = add((f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
                   "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                   f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap {cid_map} "
                   f"/W {_w_array(font.widths, mapping, font.gid)} >>").encode())
        to_unicode = add(stream("", _to_unicode(mapping)))
        font_refs[index] = add((f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
                                f"/DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R >>").encode())
    images: list[str] = []
    content = "\n".join(page.ops)
    if page.image:
        width, height, gray, (x, y, w, h) = page.image
        image = add(stream(f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
                           "/ColorSpace /DeviceGray /BitsPerComponent 8 /Interpolate false", gray))
        images.append(f"/Im1 {image} 0 R")
        content = f"q {w:.2f} 0 0 {h:.2f} {x:.2f} {page.height - y - h:.2f} cm /Im1 Do Q\n" + content
    for number, (width, height, rgb, alpha, (x, y, w, h)) in enumerate(page.pictures, start=2):
        size = f"/Type /XObject /Subtype /Image /Width {width} /Height {height} /BitsPerComponent 8"
        mask = ""
        if alpha is not None:
            mask = f" /SMask {add(stream(size + ' /ColorSpace /DeviceGray', alpha))} 0 R"
        image = add(stream(f"{size} /ColorSpace /DeviceRGB{mask}", rgb))
        images.append(f"/Im{number} {image} 0 R")
        content += f"\nq {w:.2f} 0 0 {h:.2f} {x:.2f} {page.height - y - h:.2f} cm /Im{number} Do Q"
    xobjects = f"/XObject << {' '.join(images)} >>" if images else ""
    contents = add(stream("", content.encode("ascii")))
    fonts_dict = " ".join(f"/F{i + 1} {ref} 0 R" for i, ref in font_refs.items())
    page_ref = add((f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {page.width} {page.height}] "
                    f"/Resources << /Font << {fonts_dict} >> {xobjects} >> /Contents {contents} 0 R >>").encode())
    info = add(f"<< /Producer (cowin-kit) /Title <FEFF{title.encode('utf-16-be').hex().upper()}> >>".encode())
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()
    objects[pages - 1] = f"<< /Type /Pages /Kids [{page_ref} 0 R] /Count 1 >>".encode()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode()
        out += body
        out += b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
