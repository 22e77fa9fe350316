"""The designed certificate page: localised values, the doses table, paper sizes, scripts."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pypdf
import pytest

from cowin_kit.certificates.pdf import build_pdf, paper_for

from .samples import certificate, dose

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext (Debian poppler-utils) is not installed")


@pytest.fixture
def ctx(make_app):
    app = make_app()
    with app.app_context():
        yield app


def _text(pdf: bytes, tmp_path) -> str:
    """The page's text as poppler extracts it (bidi and ToUnicode as a PDF reader sees them)."""
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _media_box(pdf: bytes) -> tuple[float, float]:
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


@needs_poppler
def test_values_are_localised_per_language(ctx, tmp_path):
    """Gender from the profile's labels, dates by Babel in each language; no ISO dates."""
    text = _text(build_pdf(certificate(), "final", ["hi", "en"], "HC1:TEST", qr_format="eu_dcc",
                           verify_url="https://cowin.example/verify"), tmp_path)
    assert "पुरुष" in text and "Male" in text  # India's profile labels gender M in Hindi
    assert "May 1, 2021" in text and "1 मई 2021" in text
    assert not re.search(r"\b2021-05-01\b", text)
    assert "COVISHIELD" in text and "EU Digital COVID Certificate" in text
    assert "https://cowin.example/verify" in text
    assert "स्वास्थ्य" in text  # the ministry's name in Hindi from the profile's branding


@needs_poppler
def test_four_doses_fit_one_page(ctx, tmp_path):
    data = certificate(doses=[dose(1), dose(2), dose(3, total=2), dose(4, total=2)])
    pdf = build_pdf(data, "booster", ["en", "hi", "ar"], "HC1:" + "A" * 600)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _text(pdf, tmp_path)
    for n in (1, 2, 3, 4):
        assert f"4121Z0{n}5" in text  # each dose's batch
    assert "4 of 4" in text


def test_paper_size_follows_the_country_or_the_caller(ctx):
    assert paper_for("US") == "letter" and paper_for("IN") == "a4" and paper_for(None) == "a4"
    assert _media_box(build_pdf(certificate(), "final", ["en"], None)) == (595, 842)
    assert _media_box(build_pdf(certificate(), "final", ["en"], None, paper="letter")) == (612, 792)


def _dark_pixels(pdf: bytes, tmp_path):
    import numpy as np
    from PIL import Image

    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-gray", "-singlefile", "-png", str(path), str(tmp_path / "p")],
                   check=True)
    return np.asarray(Image.open(tmp_path / "p.png")) < 128


@needs_poppler
@pytest.mark.parametrize("name, language", [
    ("முருகன் சுப்பிரமணியம்", "ta"), ("সৌমিত্র চট্টোপাধ্যায়", "bn"), ("వెంకటేశ్వర రావు", "te"),
    ("ગુજરાતી નામ", "gu"), ("മലയാളം", "ml"), ("Тарас Шевченко", "uk"),
])
def test_names_in_every_script_print(ctx, tmp_path, name, language):
    """Not blank: the name puts ink on the page (rendered by poppler), no glyph drawn is
    .notdef, and poppler reads the Tamil and Cyrillic names back as text."""
    pdf = build_pdf(certificate(name=name), "final", [language, "en"], None)
    blank = build_pdf(certificate(name="."), "final", [language, "en"], None)
    assert (_dark_pixels(pdf, tmp_path) != _dark_pixels(blank, tmp_path)).sum() > 10 * len(name)
    content = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"<0000> Tj" not in content
    if language in ("ta", "uk"):
        assert name.split()[0] in _text(pdf, tmp_path)


@needs_poppler
def test_arabic_page_keeps_numbers_in_order(ctx, tmp_path):
    """On an Arabic page the IDs and the age read as written (they were reversed before)."""
    text = _text(build_pdf(certificate(name="محمد علي"), "final", ["ar", "en"], None), tmp_path)
    assert "12345678901234" in text and "XXXXXXXX1234" in text
