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

The parts: the fonts and their subsets in ``fontprogram``, text to glyphs in ``shaping``, and
here the page and its PDF objects.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

from .fontprogram import FONT_PATHS, Font, FontProgram, fonts
from .shaping import BIDI_CONTROLS, isolate, line_ops, shape_line

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
PAPER = {"a4": (595.28, 841.89), "letter": (612.0, 792.0), "a5": (419.53, 595.28)}
MARGIN = 42.5


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
        ops, width, used = line_ops(text, size, rtl)
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


__all__ = ["FONT_PATHS", "PAGE_W", "PAGE_H", "PAPER", "MARGIN", "BIDI_CONTROLS", "Font", "FontProgram", "Page",
           "fonts", "isolate", "render", "shape_line"]
