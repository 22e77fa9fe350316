"""Certificate PDFs embed per-document font subsets that keep glyph ids (fastpdf.FontProgram).

Each embedded font program must parse, draw every glyph the page shows (composites and their
components included) exactly as the bundled font does, and be empty elsewhere; the text a
reader extracts and the rendered page must not change against embedding the whole fonts.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from contextlib import contextmanager

import pypdf
import pytest
from fontTools.ttLib import TTFont

from cowin_kit.printing import fastpdf
from cowin_kit.certificates.pdf import build_pdf

from .samples import certificate

# (certificate languages, name): Devanagari conjuncts and matras, joined Arabic, Vietnamese
# stacked diacritics; each hits composite glyphs (checked below).
CASES = {
    "en+hi": (["en", "hi"], "Ved Prakash वेद प्रकाश"),
    "en+ar": (["en", "ar"], "محمد علي"),
    "vi name": (["en"], "Nguyễn Thị Đoàn"),
    "all scripts": (["en", "hi"], "Nguyễn Thị Đoàn वेद प्रकाश محمد علي"),
}
# Measured: 13-22 kB per PDF with subsets (fonts 2-4 kB each compressed), 146-345 kB with the
# whole fonts. 40 kB leaves room for longer labels and names, and fails if whole fonts return.
SIZE_LIMIT = 40_000


@pytest.fixture
def ctx(make_app):
    app = make_app()
    with app.app_context():
        yield app


def _loaded() -> dict:
    """The fonts read so far, by index (the table reads each family when a page first uses it)."""
    return dict(fastpdf.fonts()._fonts)


@contextmanager
def _whole_fonts():
    """Embed each bundled font file whole instead of a subset (the reference to compare with)."""
    def whole(program, _gids):
        return "WHOLEF", next(fastpdf.FONT_PATHS[index] for index, font in _loaded().items()
                              if font.program is program).read_bytes()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastpdf.FontProgram, "subset", whole)
        yield


def _pdf(case: str) -> bytes:
    languages, name = CASES[case]
    return build_pdf(certificate(name=name), "final", languages, "HC1:TEST")


def _whole_and_subset(case: str) -> tuple[bytes, bytes]:
    with _whole_fonts():
        whole = _pdf(case)
    return whole, _pdf(case)


def _shown_glyphs(page) -> dict[str, set[int]]:
    """Glyph ids drawn per font resource (/F1...), read from the content stream."""
    shown: dict[str, set[int]] = {}
    current = None
    for font, gid in re.findall(rb"/(F\d+) [\d.]+ Tf|<([0-9A-F]{4})> Tj", page.get_contents().get_data()):
        if font:
            current = font.decode()
        else:
            shown.setdefault(current, set()).add(int(gid, 16))
    return shown


def _embedded(pdf_bytes: bytes):
    """(BaseFont, subset TTFont, the bundled TTFont, glyph ids shown, W as {gid: width}) per font."""
    page = pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    shown = _shown_glyphs(page)
    originals = {font.name: fastpdf.FONT_PATHS[index] for index, font in _loaded().items()}
    for key, ref in page["/Resources"]["/Font"].items():
        type0 = ref.get_object()
        cid = type0["/DescendantFonts"][0].get_object()
        program = cid["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        base = str(type0["/BaseFont"]).lstrip("/")
        widths = {}
        for first, run in zip(cid["/W"][::2], cid["/W"][1::2]):
            widths.update({int(first) + i: int(width) for i, width in enumerate(run)})
        # CIDs past the glyph count (a glyph drawn for a second text) map back to glyph ids
        cid_map = cid["/CIDToGIDMap"]
        if cid_map != "/Identity":
            data = cid_map.get_object().get_data()
            to_gid = {c: int.from_bytes(data[2 * c:2 * c + 2], "big") for c in range(len(data) // 2)}
            shown_cids = shown[key.lstrip("/")]
            assert set(widths) == shown_cids
            widths = {to_gid[c]: w for c, w in widths.items()}
            shown[key.lstrip("/")] = {to_gid[c] for c in shown_cids}
        yield (base, TTFont(io.BytesIO(program), checkChecksums=2), TTFont(str(originals[base.split("+", 1)[1]])),
               shown[key.lstrip("/")], widths)


def _raw_glyph(font: TTFont, gid: int) -> bytes:
    locations = font["loca"].locations
    return font.reader["glyf"][locations[gid]:locations[gid + 1]]


def _components(font: TTFont, gid: int) -> set[int]:
    """Every glyph id a glyph is built from, nested composites followed."""
    glyph = font["glyf"][font.getGlyphOrder()[gid]]
    out: set[int] = set()
    for component in glyph.components if glyph.isComposite() else ():
        part = font.getGlyphID(component.glyphName)
        out |= {part} | _components(font, part)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_embedded_subset_draws_the_shown_glyphs_as_the_bundled_font(ctx, case):
    composites = 0
    for base, sub, orig, shown, widths in _embedded(_pdf(case)):
        assert re.fullmatch(r"[A-Z]{6}\+[A-Za-z0-9-]+", base), base
        # only the tables a TrueType program for a CIDFont needs (PDF 32000 §9.9), glyph ids kept
        assert set(sub.reader.keys()) <= {"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cvt ", "fpgm", "prep"}
        assert {"head", "hhea", "maxp", "hmtx", "loca", "glyf"} <= set(sub.reader.keys())
        assert sub["maxp"].numGlyphs == orig["maxp"].numGlyphs and sub["head"].indexToLocFormat == 1
        assert sub["head"].unitsPerEm == orig["head"].unitsPerEm
        upem, advances = orig["head"].unitsPerEm, orig["hmtx"].metrics
        assert widths == {gid: round(advances[orig.getGlyphOrder()[gid]][0] * 1000 / upem) for gid in shown}
        kept = {0} | shown
        for gid in shown:
            kept |= _components(orig, gid)
            composites += orig["glyf"][orig.getGlyphOrder()[gid]].isComposite()
        sub_glyf, orig_glyf = sub["glyf"], orig["glyf"]
        for gid in range(orig["maxp"].numGlyphs):
            if gid in kept:
                assert _raw_glyph(sub, gid) == _raw_glyph(orig, gid), (base, gid)
                sub_coords, sub_ends, sub_flags = sub_glyf[sub.getGlyphOrder()[gid]].getCoordinates(sub_glyf)
                orig_coords, orig_ends, orig_flags = orig_glyf[orig.getGlyphOrder()[gid]].getCoordinates(orig_glyf)
                assert (list(sub_coords), sub_ends, list(sub_flags)) == (list(orig_coords), orig_ends, list(orig_flags))
                assert sub["hmtx"].metrics[sub.getGlyphOrder()[gid]] == orig["hmtx"].metrics[orig.getGlyphOrder()[gid]]
            else:
                assert _raw_glyph(sub, gid) == b"", (base, gid)
        assert any(sub_glyf[sub.getGlyphOrder()[gid]].numberOfContours for gid in shown)  # not all blank
    assert composites, "the sample text must exercise composite glyphs"


def test_subset_file_checksums_and_tag():
    """Table checksums and head.checkSumAdjustment hold; the tag follows the glyph set."""
    from fontTools.ttLib.sfnt import calcChecksum

    program = fastpdf.fonts()[0].program
    tag, data = program.subset({40, 41, 210})
    assert re.fullmatch(r"[A-Z]{6}", tag)
    assert calcChecksum(data) == 0xB1B0AFBA  # the whole file sums to the magic number
    font = TTFont(io.BytesIO(data), checkChecksums=2)  # raises on a wrong table checksum
    assert len(font.reader["head"]) == 54
    assert program.subset({41, 40, 210}) == (tag, data)
    assert program.subset({40, 41})[0] != tag


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_to_unicode_and_size_against_whole_fonts(ctx, case):
    whole, subset = _whole_and_subset(case)
    pages = [pypdf.PdfReader(io.BytesIO(pdf)).pages[0] for pdf in (whole, subset)]
    text = pages[1].extract_text()
    assert "Beneficiary name" in text and text == pages[0].extract_text()
    to_unicode = [{key: ref.get_object()["/ToUnicode"].get_object().get_data()
                   for key, ref in page["/Resources"]["/Font"].items()} for page in pages]
    assert to_unicode[1] == to_unicode[0]
    assert len(subset) < SIZE_LIMIT < 140_000 < len(whole), (len(subset), len(whole))


@pytest.mark.skipif(shutil.which("pdftoppm") is None,
                    reason="pdftoppm (Debian poppler-utils) is not installed: rendering not compared")
@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_page_is_pixel_identical_to_whole_fonts(ctx, case, tmp_path):
    def render(pdf_bytes: bytes, stem: str) -> bytes:
        path = tmp_path / f"{stem}.pdf"
        path.write_bytes(pdf_bytes)
        subprocess.run(["pdftoppm", "-r", "100", "-gray", "-singlefile", str(path), str(tmp_path / stem)],
                       check=True, capture_output=True, timeout=60)
        return (tmp_path / f"{stem}.pgm").read_bytes()

    whole, subset = (render(pdf, stem) for pdf, stem in zip(_whole_and_subset(case), ("whole", "subset")))
    assert subset == whole
    assert subset.count(b"\x00") > 1000  # text and QR were drawn, not two blank pages
