"""QR image uploads on /verify: a decompression bomb (a few kB claiming 9000x9000 pixels) is
refused from its header with a 413 before any pixel is decoded; anything unreadable is a 400;
a real photo still verifies, a large JPEG through libjpeg's reduced-scale decoding."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import pytest
from PIL import Image

from cowin_kit.certificates import verify_upload
from cowin_kit.certificates.formats import qr

TEXT = "HC1:NCFOXN%TSMAHN-HVN8J7UQMJ4/36 L-AH$T8DTT4T6D6H4ZAXL"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


@functools.cache
def bomb_png(width: int = 9000, height: int = 9000) -> bytes:
    """A valid greyscale PNG of width x height black pixels, built row by row (kB, not MB)."""
    deflate = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    body = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", body) + _chunk(b"IEND", b""))


@pytest.fixture
def client(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        yield app.test_client()


def post_image(client, data: bytes, name: str = "qr.png"):
    return client.post("/verify", data={"image": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_bomb_is_small_and_really_that_large():
    data = bomb_png()
    assert len(data) < 150_000
    with Image.open(io.BytesIO(data)) as image:  # the header says 81 megapixels
        assert image.size == (9000, 9000) and 9000 * 9000 > verify_upload.MAX_IMAGE_PIXELS


def test_decompression_bomb_is_refused_with_413(client):
    response = post_image(client, bomb_png())
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "IMAGE_TOO_LARGE" not in html and "too large to read" in html  # no internal code
    with pytest.raises(verify_upload.ImageTooLarge) as raised:
        verify_upload.decode_image(bomb_png())
    assert raised.value.status == 413 and raised.value.code == "IMAGE_TOO_LARGE"


def test_pillows_own_bomb_limit_is_a_413_too(client):
    # 20000 x 20000: past Pillow's own limit, so Image.open itself raises.
    response = post_image(client, bomb_png(20000, 20000))
    assert response.status_code == 413 and "too large to read" in response.get_data(as_text=True)


def test_long_thin_images_count_their_pixels(client):
    response = post_image(client, bomb_png(24_001, 1000))
    assert response.status_code == 413


@pytest.mark.parametrize("data, name", [
    (b"not an image at all", "qr.png"),
    (bomb_png(40, 40)[:60], "truncated.png"),
    (b"II*\x00" + b"\x00" * 64, "photo.tiff"),  # a format the page does not read
    (bomb_png(200, 200), "blank.png"),  # an image without a QR code
], ids=["text", "truncated", "tiff", "blank"])
def test_unreadable_uploads_are_a_400(client, data, name):
    response = post_image(client, data, name)
    assert response.status_code == 400
    assert "No QR code could be read from this image" in response.get_data(as_text=True)


def test_upload_over_the_byte_limit_is_a_413(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, MAX_CONTENT_LENGTH=64 * 1024)
    with app.app_context():
        response = post_image(app.test_client(), b"\x89PNG" + b"\x00" * 100_000)
    assert response.status_code == 413


def test_a_real_qr_photo_still_verifies(client):
    response = post_image(client, qr.png(TEXT))
    assert response.status_code == 200
    assert "IMAGE_" not in response.get_data(as_text=True)
    assert verify_upload.decode_image(qr.png(TEXT)) == TEXT


def _jpeg_of_qr(size: int) -> bytes:
    with Image.open(io.BytesIO(qr.png(TEXT, scale=1))) as small:
        big = small.convert("L").resize((size, size), Image.NEAREST)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_jpeg_over_the_limit_is_read_at_reduced_scale():
    data = _jpeg_of_qr(1600)  # 2.56 megapixels
    assert verify_upload.decode_image(data, max_pixels=1_000_000) == TEXT  # decoded at 1/2 scale
    with pytest.raises(verify_upload.ImageTooLarge):  # 1/8 scale is the least libjpeg offers
        verify_upload.decode_image(data, max_pixels=30_000)
    png = io.BytesIO()
    Image.open(io.BytesIO(data)).save(png, "PNG")
    with pytest.raises(verify_upload.ImageTooLarge):  # other formats cannot be decoded smaller
        verify_upload.decode_image(png.getvalue(), max_pixels=1_000_000)


def test_cli_reports_the_refusal(make_app, runner, monkeypatch, tmp_path):
    from cowin_kit.cli import cli

    app = make_app()
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_KEYS_DIR", app.config["KEYS_DIR"])
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "x")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png())
    done = runner.invoke(cli, ["certificate", "verify", str(bomb)])
    assert done.exit_code == 1 and "too large to read" in done.output, done.output
    with pytest.raises(verify_upload.ImageUnreadable):
        verify_upload.decode_image(b"GIF89a" + b"\x00" * 20)
