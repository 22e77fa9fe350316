"""A small PDF writer for certificates: HarfBuzz-shaped text, glyphs placed one by one.

fpdf2 re-reads and subsets the TrueType fonts with fontTools for every document, which costs
far more than the certificate itself. Here each font is read once per process: its file is
embedded whole (compressed once, shared by every document) as a CIDFontType2 with identity
glyph ids, so a document is only a shaped content stream, a ToUnicode map for copy/paste and
search, and the QR image. Text is itemised by font coverage (Latin/Vietnamese/Cyrillic, then
Devanagari, then Arabic), shaped by HarfBuzz (conjuncts, joined and right-to-left forms, mark
positioning) and right-to-left blocks are laid out from the right margin.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = ("NotoSans-Regular.ttf", "NotoSansDevanagari-Regular.ttf", "NotoNaskhArabic-Regular.ttf")
PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN = 42.5


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
    file_stream: bytes  # compressed font file
    widths: str  # the W array for every glyph, 1000-unit scale
    nominal: dict  # glyph id -> the character it is the nominal glyph of


@lru_cache(maxsize=None)
def fonts() -> tuple[Font, ...]:
    """The bundled fonts, read once per process."""
    out = []
    for index, filename in enumerate(FONT_FILES):
        path = FONTS_DIR / filename
        raw = path.read_bytes()
        tt = TTFont(str(path), lazy=True)
        upem = tt["head"].unitsPerEm
        metrics = tt["hmtx"].metrics
        order = tt.getGlyphOrder()
        widths = " ".join(str(round(metrics[g][0] * 1000 / upem)) for g in order)
        hhea = tt["hhea"]
        head = tt["head"]
        name = tt["name"].getDebugName(6) or path.stem
        ids = {g: i for i, g in enumerate(order)}
        nominal: dict[int, str] = {}
        for code, glyph in sorted(tt.getBestCmap().items(), reverse=True):
            nominal[ids[glyph]] = chr(code)  # the lowest code point wins
        out.append(Font(key=f"F{index + 1}", name=name.replace(" ", ""), hb_font=hb.Font(hb.Face(hb.Blob(raw))),
                        upem=upem, cmap=dict(tt.getBestCmap()), ascent=hhea.ascent, descent=hhea.descent,
                        bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
                        file_stream=zlib.compress(raw, 9), widths=f"[0 [{widths}]]", nominal=nominal))
    return tuple(out)


_shape_lock = threading.Lock()  # hb.Font objects are shared; shaping itself is quick


def _font_for(char: str, table: tuple[Font, ...]) -> int:
    code = ord(char)
    for i, font in enumerate(table):
        if code in font.cmap:
            return i
    return 0


def _runs(text: str, table):
    """Split text into (font index, substring) runs; spaces and punctuation join the run."""
    runs: list[list] = []
    for char in text:
        index = _font_for(char, table)
        neutral = not char.isalpha() and not char.isdigit() and not ("\u0900" <= char <= "\u0dff") \
            and not ("\u0600" <= char <= "\u06ff")
        if runs and (runs[-1][0] == index or (neutral and ord(char) in table[runs[-1][0]].cmap)):
            runs[-1][1] += char
        else:
            runs.append([index, char])
    return runs


def _cluster_texts(part: str, clusters: list[int]) -> dict[int, str]:
    """The characters of each cluster (cluster values are indexes into the run's text)."""
    ordered = sorted(set(clusters))
    ends = ordered[1:] + [len(part)]
    return {start: part[start:end] for start, end in zip(ordered, ends)}


@lru_cache(maxsize=4096)
def _line(text: str, size: float, rtl: bool) -> tuple[str, float, tuple]:
    """Shape one line; return its text operators relative to the line origin, its width and
    the glyphs it uses as (font index, glyph id, characters). Cached: labels and most values
    repeat from one certificate to the next."""
    table = fonts()
    runs = _runs(text, table)
    if rtl:
        runs.reverse()
    ops: list[str] = []
    used: list[tuple[int, int, str]] = []
    x = 0.0
    current = None
    for index, part in runs:
        font = table[index]
        scale = size / font.upem
        buf = hb.Buffer()
        buf.add_str(part)
        buf.guess_segment_properties()
        with _shape_lock:
            hb.shape(font.hb_font, buf)
        infos, positions = buf.glyph_infos, buf.glyph_positions
        texts = _cluster_texts(part, [info.cluster for info in infos])
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
            if per_cluster[info.cluster] > 1 and info.codepoint in font.nominal:
                chars = font.nominal[info.codepoint]
                texts.pop(info.cluster, None)
            else:
                chars = texts.pop(info.cluster, "")
            used.append((index, info.codepoint, chars))
            x += pos.x_advance * scale
    return "\n".join(ops), x, tuple(used)


def shape_line(text: str, size: float, rtl: bool = False) -> tuple[tuple, float]:
    """The glyphs of one line as (font index, glyph id, characters), and its width in points."""
    _ops, width, used = _line(text, size, rtl)
    return used, width


class Page:
    """One A4 page: lines of shaped text and an image."""

    def __init__(self) -> None:
        self.ops: list[str] = []
        self.used: dict[int, dict[int, str]] = {}
        self.image: tuple[int, int, bytes, tuple] | None = None

    def text(self, text: str, x: float, y: float, size: float, *, rtl: bool = False,
             right: float | None = None) -> float:
        """Draw a line; ``y`` is the baseline from the top; returns the line's width."""
        ops, width, used = _line(text, size, rtl)
        start = (right - width) if (rtl and right is not None) else x
        # the cached operators are relative to the line origin: move the origin there
        self.ops.append(f"q 1 0 0 1 {start:.2f} {PAGE_H - y:.2f} cm BT\n{ops}\nET Q")
        for font, gid, chars in used:
            seen = self.used.setdefault(font, {})
            if chars or gid not in seen:
                seen[gid] = seen.get(gid) or chars
        return width

    def place_image(self, width: int, height: int, gray: bytes, box: tuple[float, float, float, float]) -> None:
        """A greyscale image (one byte per pixel) drawn into box (x, y from top, w, h)."""
        self.image = (width, height, gray, box)


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

    def stream(dictionary: str, data: bytes, compress: bool = True) -> bytes:
        if compress:
            data = zlib.compress(data, 1)
            dictionary += " /Filter /FlateDecode"
        return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode("ascii") + data + b"\nendstream"

    catalog = add(b"")  # placeholders filled below
    pages = add(b"")
    font_refs = {}
    for index, mapping in sorted(page.used.items()):
        font = table[index]
        file_ref = add(f"<< /Length {len(font.file_stream)} /Filter /FlateDecode >>\nstream\n".encode()
                       + font.file_stream + b"\nendstream")
        scale = 1000 / font.upem
        descriptor = add((f"<< /Type /FontDescriptor /FontName /{font.name} /Flags 4 "
                          f"/FontBBox [{' '.join(str(round(v * scale)) for v in font.bbox)}] /ItalicAngle 0 "
                          f"/Ascent {round(font.ascent * scale)} /Descent {round(font.descent * scale)} "
                          f"/CapHeight {round(font.ascent * scale)} /StemV 80 /FontFile2 {file_ref} 0 R >>").encode())
        cid = add((f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.name} "
                   "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                   f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /W {font.widths} >>").encode())
        to_unicode = add(stream("", _to_unicode(mapping)))
        font_refs[index] = add((f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.name} /Encoding /Identity-H "
                                f"/DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R >>").encode())
    xobjects = ""
    content = "\n".join(page.ops)
    if page.image:
        width, height, gray, (x, y, w, h) = page.image
        image = add(stream(f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
                           "/ColorSpace /DeviceGray /BitsPerComponent 8 /Interpolate false", gray))
        xobjects = f"/XObject << /Im1 {image} 0 R >>"
        content = f"q {w:.2f} 0 0 {h:.2f} {x:.2f} {PAGE_H - y - h:.2f} cm /Im1 Do Q\n" + content
    contents = add(stream("", content.encode("ascii")))
    fonts_dict = " ".join(f"/F{i + 1} {ref} 0 R" for i, ref in font_refs.items())
    page_ref = add((f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
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
