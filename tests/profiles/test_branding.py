"""National identity from the profile (``branding:``): validated with file:line, shown in the
page header and footer, on appointment slips and on certificate PDFs."""

from __future__ import annotations

import io

import pypdf
import pytest

from cowin_kit.profiles.branding import branding
from tests.profiles.test_validate import PROFILES, SHIPPED, broken, run  # noqa: F401

INDIA_MINISTRY_HI = "स्वास्थ्य एवं परिवार कल्याण मंत्रालय, भारत सरकार"


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_profile_has_a_ministry_emblem_and_colours(code):
    from cowin_kit.profiles import load_profile

    brand = branding(load_profile(code, PROFILES))
    assert brand.ministry_name() and brand.emblem.is_file()
    assert brand.emblem.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert brand.colours["primary"] != "#0b5cad"  # its own colour, not the kit's default
    assert all(url.startswith(("https://", "tel:")) for _label, url in brand.links())


def test_missing_emblem_is_reported_at_its_line(runner, broken):  # noqa: F811
    line = broken.edit("  emblem: branding/emblem.png", "  emblem: branding/nosuch.png")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines == [f"{broken.yaml}:{line}: branding.emblem: branding/nosuch.png not found in "
                     f"{broken.path.resolve()}; expected a PNG file in the profile folder "
                     "(e.g. branding/emblem.png)"]


def test_emblem_outside_the_folder_not_a_png_or_bad_colour(runner, broken):  # noqa: F811
    (broken.path / "branding" / "emblem.png").write_bytes(b"<svg></svg>")
    code, lines = run(runner, broken.path)
    assert code == 1 and len(lines) == 1 and "is not a PNG image" in lines[0]
    line = broken.edit('primary: "#1a3b73"', 'primary: "navy"')
    code, lines = run(runner, broken.path)
    assert f"{broken.yaml}:{line}: branding.colours.primary: got 'navy'; expected a colour " \
           "like #0b5cad" in lines
    broken.edit("  emblem: branding/emblem.png", "  emblem: ../in/branding/emblem.png")
    code, lines = run(runner, broken.path)
    assert any("branding.emblem: got '../in/branding/emblem.png'" in item for item in lines)


def test_footer_link_needs_a_safe_url(runner, broken):  # noqa: F811
    line = broken.edit('url: "tel:1075"', 'url: "javascript:alert(1)"')
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines == [f"{broken.yaml}:{line}: branding.footer_links[0].url: got "
                     "'javascript:alert(1)'; expected an http(s), tel: or mailto: link"]


def test_pages_show_the_ministry_emblem_colours_and_links(client):
    page = client.get("/?lang=hi").get_data(as_text=True)
    header = page[page.index("<header"):page.index("</header>")]
    footer = page[page.index("<footer"):page.index("</footer>")]
    assert 'src="/branding/emblem.png"' in header and INDIA_MINISTRY_HI in header
    assert INDIA_MINISTRY_HI in footer
    assert 'href="tel:1075"' in footer and "हेल्पलाइन 1075" in footer
    assert 'href="/branding.css"' in page and " style=" not in page

    css = client.get("/branding.css")
    assert css.mimetype == "text/css" and "--brand: #1a3b73;" in css.get_data(as_text=True)
    emblem = client.get("/branding/emblem.png")
    assert emblem.mimetype == "image/png"
    assert emblem.data == (PROFILES / "in" / "branding" / "emblem.png").read_bytes()


def test_a_profile_without_branding_keeps_the_neutral_look(make_app, tmp_path):
    import shutil

    folder = tmp_path / "in"
    shutil.copytree(PROFILES / "in", folder)
    text = (folder / "profile.yaml").read_text("utf-8")
    start = text.index("\nbranding:")
    (folder / "profile.yaml").write_text(text[:start] + text[text.index("\ncertificates:"):],
                                         "utf-8")
    client = make_app(PROFILE=str(folder)).test_client()
    page = client.get("/").get_data(as_text=True)
    assert "brand-mark" in page and "/branding/emblem.png" not in page
    assert "Ministry of Health and Family Welfare, Government of India" in page  # the issuer
    assert client.get("/branding/emblem.png").status_code == 404
    assert "--brand: #0b5cad;" in client.get("/branding.css").get_data(as_text=True)


def _page_images(pdf: bytes) -> list:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images


def test_certificate_pdf_carries_emblem_and_ministry(make_app):
    from cowin_kit.certificates.pdf import build_pdf
    from tests.certificates.samples import certificate

    with make_app().app_context():
        pdf = build_pdf(certificate(), "final", ["hi", "en"], "HC1:TEST")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "स्वास्थ्य" in text and "भारत सरकार" in text
    images = _page_images(pdf)
    assert len(images) == 2  # the QR code and the emblem
    import numpy as np

    pixels = [np.asarray(image.image.convert("RGB"), dtype=np.int64).reshape(-1, 3)
              for image in images]
    emblem = max(pixels, key=lambda rgb: len(np.unique(rgb, axis=0)))  # the QR: two colours
    red, _green, blue = emblem.sum(0)
    assert blue > red  # the shield's navy dominates the emblem's colours

