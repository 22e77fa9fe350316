"""Certificate PDFs: every shipped script rendered with real glyphs, shaped, in each language."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from cowin_kit.core.fontset import FONT_PATHS
from cowin_kit.certificates.pdf import build_pdf

from .samples import certificate, read_qr


def _embedded_fonts(pdf_bytes: bytes) -> set[str]:
    """Names of the embedded fonts (subset prefixes like ABCDEF+ removed)."""
    import re

    return {name.decode() for name in re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)", pdf_bytes)}


@pytest.fixture
def ctx(make_app):
    app = make_app()
    with app.app_context():
        yield app


def test_pdf_embeds_a_font_per_script_and_is_valid(ctx):
    data = certificate(name="Nguyễn Thị Đoàn वेद प्रकाश محمد علي")
    out = build_pdf(data, "final", ["en", "hi"], "HC1:TEST")
    assert out.startswith(b"%PDF-") and out.rstrip().endswith(b"%%EOF")
    fonts = " ".join(_embedded_fonts(out))
    for family in ("NotoSans", "NotoSansDevanagari", "NotoSansArabic"):
        assert family in fonts, fonts
    assert b"/Subtype /Image" in out
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(out))
    text = reader.pages[0].extract_text()
    assert "Beneficiary name" in text and "12345678901" in text
    assert len(reader.pages) == 1


def test_fast_pdf_qr_decodes(ctx):
    """The QR image inside the fast PDF is the certificate's payload."""
    import pypdf
    from PIL import Image

    out = build_pdf(certificate(), "final", ["en"], "HC1:6BFOXN%TSMAHN-H")
    image = pypdf.PdfReader(io.BytesIO(out)).pages[0].images[0].image
    big = image.resize((image.width * 4, image.height * 4), Image.NEAREST)
    assert read_qr(big)[0].text == "HC1:6BFOXN%TSMAHN-H"


def test_devanagari_and_arabic_are_shaped_not_just_mapped(ctx):
    """Shaping picks conjuncts and joined forms instead of the characters' nominal glyphs."""
    import uharfbuzz as hb

    for index, text in ((1, "प्रकाश"), (2, "محمد")):
        font = TTFont(str(FONT_PATHS[index]))
        nominal = {font.getBestCmap()[ord(c)] for c in text}
        face = hb.Face(hb.Blob.from_file_path(str(FONT_PATHS[index])))
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(hb.Font(face), buf)
        names = {font.getGlyphName(info.codepoint) for info in buf.glyph_infos}
        assert names - nominal, f"{text} rendered only with nominal glyphs"
    # and the PDF carries the text of every language block
    from cowin_kit.printing.fastpdf import shape_line

    glyphs, _width = shape_line("प्रकाश", 10)
    assert len(glyphs) < len("प्रकाश")  # the conjunct pra is one glyph
    arabic, _ = shape_line("محمد", 10, rtl=True)
    assert [g[2] for g in arabic if g[2]][0] == "د"  # visual order: the last letter is leftmost
    out = build_pdf(certificate(name="محمد علي"), "final", ["ar", "en"], None)
    assert len(out) > 5000


def test_fonts_come_from_the_installed_package_with_their_licence():
    """The Noto files are the manimgx-fonts wheel's (OFL), not downloaded nor kept in git."""
    from importlib.metadata import distribution

    dist = distribution("manimgx-fonts")
    licence = next(f for f in dist.files if f.name == "LICENSE")
    assert "SIL Open Font License" in licence.read_text()
    assert all(path.is_file() for path in FONT_PATHS)


def test_pdf_download_for_citizen(ctx):
    out = io.BytesIO(build_pdf(certificate(), "provisional", ["en"], None))
    assert out.getvalue()[:5] == b"%PDF-"
