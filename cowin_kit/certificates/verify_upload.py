"""Reading a certificate from an upload: a QR image (PNG, JPEG…), an SVG or a PDF page, decoded
within a pixel budget checked before any pixel is decoded; for the CLI, a file or the QR text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import KitError


def read_input(value: str) -> str | bytes:
    """CLI helper: a file (QR image: PNG, JPEG, SVG or a PDF page; zip, JSON or text) or the
    QR text itself."""
    from pathlib import Path

    path = Path(value)
    if len(value) < 4096 and path.is_file():
        data = path.read_bytes()
        if upload_kind(data) != "text":
            return decode_image(data)
        if data[:2] == b"PK":
            return data
        return data.decode("utf-8").strip()
    return value


#: The most pixels a QR image may decode to: a 24-megapixel camera photo (96 MB as RGBA, 24 MB
#: as the greyscale zxing reads). A PNG of a few kB can claim 9000x9000 pixels (a decompression
#: bomb: 1.2 GB once decoded), so the size in the header is checked before any pixel is decoded.
MAX_IMAGE_PIXELS = 24_000_000
#: Formats a phone camera or a screenshot produces; anything else is not even parsed.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")


class ImageRejected(KitError, ValueError):
    """An uploaded QR image the kit will not decode (a ValueError too, for the CLI)."""

    def __str__(self) -> str:
        return self.text()


class ImageTooLarge(ImageRejected):
    status = 413
    code = "IMAGE_TOO_LARGE"
    default_message = _l("This image is too large to read (more than %(megapixels)s megapixels). "
                         "Send a smaller photo, or crop it to the QR code, and try again.")


class ImageUnreadable(ImageRejected):
    status = 400
    code = "IMAGE_UNREADABLE"
    default_message = _l("No QR code could be read from this image. Send a sharp PNG or JPEG "
                         "photo of the whole QR code, or paste the text of the QR code instead.")


def _open_bounded(data: bytes, max_pixels: int):
    """Open an image lazily (header only) and refuse it before decoding when it is too large.

    A JPEG over the limit is decoded at 1/2, 1/4 or 1/8 scale instead (libjpeg's DCT scaling:
    the full-size pixels are never allocated); other formats over the limit are refused.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    too_large = ImageTooLarge(megapixels=max_pixels // 1_000_000)
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageUnreadable() from None
    width, height = image.size
    if width * height > max_pixels and image.format == "JPEG":
        scale = 2
        while (width // scale) * (height // scale) > max_pixels and scale < 8:
            scale *= 2
        image.draft("L", (width // scale, height // scale))
        width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise too_large
    return image


#: Raster size an SVG or a PDF page is drawn at: its longer side, in pixels (a QR code of version
#: 40 has 177 modules: 11 pixels each at most). Chosen by the kit, whatever the file declares.
RENDER_SIDE = 2048
PDF_PAGES = 4  # a certificate's QR code is on its first page; a few more are looked at


def upload_kind(data: bytes) -> str:
    """pdf, svg, image (a raster format) or text, from the first bytes."""
    head = data[:1024].lstrip()
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:1] == b"<" and b"<svg" in data[:4096]:
        return "svg"
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"GIF8", b"RIFF") \
            or data[:2] == b"BM":
        return "image"
    return "text"


def _svg_grey(data: bytes, max_pixels: int):
    """An SVG drawn on white at RENDER_SIDE pixels (resvg). Refused before drawing: DTD entities
    (defusedxml), references to anything outside the file, and embedded raster images over the
    pixel budget (their headers are checked as uploads are)."""
    import base64 as b64
    import io

    import resvg_py
    from defusedxml import ElementTree
    from PIL import Image

    try:
        root = ElementTree.fromstring(data)
    except Exception:  # noqa: BLE001 - defusedxml's refusals and XML syntax errors alike
        raise ImageUnreadable() from None
    if not root.tag.endswith("svg"):
        raise ImageUnreadable()
    for element in root.iter():
        if element.tag.endswith("style") and "@import" in (element.text or ""):
            raise ImageUnreadable()
        for name, value in element.attrib.items():
            if not name.endswith("href") or value.startswith("#"):
                continue
            if not value.startswith("data:image/") or ";base64," not in value:
                raise ImageUnreadable()  # a file or a URL outside the upload
            try:
                embedded = b64.b64decode(value.split(",", 1)[1])
            except ValueError:
                raise ImageUnreadable() from None
            _open_bounded(embedded, max_pixels).close()
    side = min(RENDER_SIDE, int(max_pixels ** 0.5))
    try:
        png = resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), width=side, background="#ffffff",
                                    skip_system_fonts=True)
        with Image.open(io.BytesIO(png), formats=["PNG"]) as drawn:
            if drawn.width * drawn.height > max_pixels:
                raise ImageTooLarge(megapixels=max_pixels // 1_000_000)
            return drawn.convert("L")
    except (ValueError, UnicodeDecodeError, OSError):
        raise ImageUnreadable() from None


def _pdf_pages_grey(data: bytes, max_pixels: int):
    """The first PDF_PAGES pages drawn in grey (pdfium), each scaled so that it holds at most
    ``max_pixels`` pixels (at most 300 dpi): the page size, not the file, sets the pixel count."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise ImageUnreadable() from None
    try:
        for index in range(min(len(pdf), PDF_PAGES)):
            page = pdf[index]
            width, height = page.get_size()  # points
            if width <= 0 or height <= 0:
                continue
            scale = min(300 / 72, (max_pixels / (width * height)) ** 0.5, RENDER_SIDE / max(width, height))
            yield page.render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


def _read_qr(grey):
    import zxingcpp

    return zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)


def decode_image(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> str | bytes:
    """The payload of the first QR code in an upload (zxing-cpp): a raster image (PNG, JPEG…),
    an SVG, or a PDF (its first pages).

    Raises ImageTooLarge (413) for an image of more than ``max_pixels`` pixels, checked in its
    header before decoding (SVGs and PDF pages are drawn at a size the kit chooses), and
    ImageUnreadable (400) for anything else that yields no QR code.
    """
    from PIL import Image

    kind = upload_kind(data)
    if kind == "pdf":
        results = next((found for found in map(_read_qr, _pdf_pages_grey(data, max_pixels)) if found), [])
    elif kind == "svg":
        results = _read_qr(_svg_grey(data, max_pixels))
    else:
        with _open_bounded(data, max_pixels) as image:
            try:
                grey = image.convert("L")  # decodes, within the pixel budget checked above
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                raise ImageUnreadable() from None
        results = _read_qr(grey)
    if not results:
        raise ImageUnreadable()
    raw = results[0].bytes
    try:
        text = raw.decode("ascii")
        return text
    except UnicodeDecodeError:
        return raw

