"""What a citizen can bring to a verifier: every download of the kit (PNG, SVG, PDF, the base64
text of the W3C credential) and camera photos, through the page, the API and the CLI; SVGs and
PDFs are drawn at a size the kit chooses, and an SVG reaching outside itself is refused. The W3C
credential of a profile other than India's names a JSON-LD context its instance serves (W3C VC
Data Model 1.1, section 4.1 "Contexts": the URLs must resolve to the context documents)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from cowin_kit.certificates import verify as verify_module
from cowin_kit.certificates import verify_upload
from cowin_kit.certificates.formats import Issuer, divoc_vc
from cowin_kit.certificates.formats.contexts import VACCINATION_V1, context_document

from . import samples
from .test_issuance import _signed_in_citizen, app, place  # noqa: F401 - fixtures


@pytest.fixture
def downloads(app, db, place):  # noqa: F811 - fixtures
    """A signed-in citizen's client and the URL of their certificate's downloads."""
    client, person = _signed_in_citizen(app, db, place)
    return client, f"/api/kit/v1/certificates/{person.reference_id}"


def test_w3c_text_download_verifies_on_the_api_and_the_cli(downloads, tmp_path):
    client, base = downloads
    text = client.get(f"{base}?as=text&format=divoc_vc").get_data(as_text=True)
    verdict = client.post("/api/kit/v1/certificates/verify", json={"payload": text}).get_json()
    assert (verdict["valid"], verdict["format"]) == (True, "divoc_vc"), verdict
    saved = tmp_path / "certificate.txt"
    saved.write_text(text)
    assert verify_module.app_verifier().verify(verify_upload.read_input(str(saved))).valid


@pytest.mark.parametrize("fmt", ["eu_dcc", "divoc_vc", "shc", "ddcc"])
def test_svg_download_verifies_on_the_page_the_api_and_the_cli(downloads, tmp_path, fmt):
    client, base = downloads
    svg = client.get(f"{base}?as=svg&format={fmt}").data
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    saved = tmp_path / "qr.svg"
    saved.write_bytes(svg)
    assert verify_module.app_verifier().verify(verify_upload.read_input(str(saved))).valid
    answer = client.post("/api/kit/v1/certificates/verify/file", data={"file": (io.BytesIO(svg), "qr.svg")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.get_json()["format"] == fmt
    page = client.post("/verify", data={"image": (io.BytesIO(svg), "qr.svg")}, content_type="multipart/form-data")
    assert "genuine and valid" in page.get_data(as_text=True)


def test_pdf_and_jpeg_verify(downloads):
    client, base = downloads
    pdf = client.get(f"{base}?as=pdf").data
    assert pdf[:5] == b"%PDF-"
    answer = client.post("/api/kit/v1/certificates/verify/file", data={"file": (io.BytesIO(pdf), "c.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.get_json()["valid"] is True
    png = client.get(f"{base}?as=png&format=eu_dcc").data
    jpeg = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("L").resize((600, 600)).save(jpeg, "JPEG", quality=85)
    page = client.post("/verify", data={"image": (io.BytesIO(jpeg.getvalue()), "photo.jpg")},
                       content_type="multipart/form-data")
    assert "genuine and valid" in page.get_data(as_text=True)


QR_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
          'height="10">{}</svg>')


@pytest.mark.parametrize("svg", [
    QR_SVG.format('<image xlink:href="file:///etc/passwd" width="10" height="10"/>'),
    QR_SVG.format('<image href="https://example.org/qr.png" width="10" height="10"/>'),
    QR_SVG.format('<style>@import url(https://example.org/a.css);</style>'),
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a SYSTEM "file:///etc/passwd">]><svg>&a;</svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><unclosed></svg>',
])
def test_svg_reaching_outside_itself_or_broken_is_refused(client, svg):
    with pytest.raises(verify_upload.ImageUnreadable):
        verify_upload.decode_image(svg.encode())
    answer = client.post("/api/kit/v1/certificates/verify/file",
                         data={"file": (io.BytesIO(svg.encode()), "qr.svg")}, content_type="multipart/form-data")
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "IMAGE_UNREADABLE"


def test_svg_embedding_a_decompression_bomb_is_refused_before_drawing():
    from .test_verify_uploads import bomb_png

    svg = QR_SVG.format('<image href="data:image/png;base64,{}" width="10" height="10"/>'.format(
        base64.b64encode(bomb_png()).decode()))
    with pytest.raises(verify_upload.ImageTooLarge):
        verify_upload.decode_image(svg.encode())


def test_svg_and_pdf_pages_are_drawn_within_the_pixel_budget(monkeypatch):
    """A file cannot choose its raster size: an SVG claiming 90000 px and a PDF page of 5 m are
    drawn so that they hold at most the budget's pixels."""
    from fpdf import FPDF

    drawn = []
    monkeypatch.setattr(verify_upload, "_read_qr", lambda grey: drawn.append(grey.size) or [])
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="90000" height="90000"><rect width="9" height="9"/></svg>'
    pdf = FPDF(unit="mm", format=(5000, 5000))
    pdf.add_page()
    for data in (svg.encode(), bytes(pdf.output())):
        with pytest.raises(verify_upload.ImageUnreadable):
            verify_upload.decode_image(data, max_pixels=1_000_000)
    assert len(drawn) == 2 and all(w * h <= 1_000_000 for w, h in drawn), drawn


def test_non_indian_credentials_name_a_context_their_instance_serves(client):
    key = samples.ed25519_key()
    issuer = Issuer(name="Bộ Y tế", country="VN", country3="VNM", url="https://tiemchung.example")
    signed = divoc_vc.encode(samples.certificate(issuer=issuer), key, "https://tiemchung.example/k#1")
    context = signed["@context"][1]
    assert context == "https://tiemchung.example/credentials/vaccination/v1"
    assert divoc_vc.canonicalize({k: v for k, v in signed.items() if k != "proof"}, strict=True)
    assert divoc_vc.verify(signed, lambda method: key.public_key())["issuer"] == "https://tiemchung.example/"
    served = client.get("/credentials/vaccination/v1")
    assert served.status_code == 200 and served.mimetype == "application/ld+json"
    assert served.get_json() == context_document(VACCINATION_V1)
    indian = divoc_vc.encode(samples.certificate(), key, "https://cowin.example/k#1")
    assert indian["@context"][1] == VACCINATION_V1  # India keeps CoWIN's URL its verifiers know


def test_a_changed_context_host_does_not_verify():
    """The @context is outside the signed quads: only the signed issuer's own copy is accepted."""
    key = samples.ed25519_key()
    issuer = Issuer(name="Bộ Y tế", country="VN", country3="VNM", url="https://tiemchung.example")
    signed = divoc_vc.encode(samples.certificate(issuer=issuer), key, "https://tiemchung.example/k#1")
    moved = {**signed, "@context": [signed["@context"][0], "https://elsewhere.example/credentials/vaccination/v1"]}
    with pytest.raises(divoc_vc.DivocError):
        divoc_vc.verify(moved, lambda method: key.public_key())
