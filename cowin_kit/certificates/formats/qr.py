"""QR codes as PNG and SVG.

zxing-cpp's C++ encoder builds the symbol (segno, pure Python, takes 10–50 ms for a
credential-sized code, mostly choosing the mask); the PNG is written directly with zlib from
zxing's 8-bit image. Modes follow the content: HC1 text is all QR-alphanumeric, the SHC digits
go in a numeric segment after the byte segment "shc:/" (the encoder picks minimal segments), the
DIVOC zip goes in byte mode. Error correction: Q for HC1 (HCERT spec), L for SMART Health Cards
(fits version 22), M for DIVOC. ``segno_png`` is the straightforward reference used in tests and
benchmarks.
"""

from __future__ import annotations

import io
import struct
import zlib

import segno
import zxingcpp
from segno import consts

from .shc import PREFIX as SHC_PREFIX


def error_level(payload: str | bytes) -> str:
    if isinstance(payload, bytes):
        return "M"
    if payload.startswith("HC1:"):
        return "Q"
    if payload.startswith(SHC_PREFIX):
        return "L"
    return "M"


def barcode(payload: str | bytes, mask: int | None = None):
    """The QR symbol (zxing-cpp Barcode) for a certificate payload.

    ``mask`` None lets the encoder score all eight data masks (ISO/IEC 18004 penalty rules,
    best for scanning; most of the encoder's time); 0–7 fixes it, about ten times faster and
    still a valid symbol."""
    options = {} if mask is None else {"data_mask": mask}
    return zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level=error_level(payload),
                                   **options)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(payload: str | bytes, scale: int = 4, mask: int | None = None) -> bytes:
    """An 8-bit greyscale PNG of the QR code (with its quiet zone)."""
    image = barcode(payload, mask).to_image(scale=scale, add_quiet_zones=True)
    height, width = image.shape[0], image.shape[1]
    raw = bytes(memoryview(image))
    rows = b"".join(b"\x00" + raw[i:i + width] for i in range(0, height * width, width))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 1)) + _chunk(b"IEND", b""))


def svg(payload: str | bytes) -> str:
    """An SVG of the QR code."""
    return barcode(payload).to_svg(add_quiet_zones=True)


def segno_qr(payload: str | bytes) -> segno.QRCode:
    """The same QR code built by segno with explicit segments (reference implementation)."""
    level = error_level(payload).lower()
    if isinstance(payload, bytes):
        return segno.make(payload, error=level, mode="byte", micro=False, boost_error=False)
    if payload.startswith("HC1:"):
        return segno.make(payload, error=level, mode="alphanumeric", micro=False, boost_error=False)
    if payload.startswith(SHC_PREFIX):
        return segno.make([(SHC_PREFIX, consts.MODE_BYTE), (payload[len(SHC_PREFIX):], consts.MODE_NUMERIC)],
                          error=level, micro=False, boost_error=False)
    return segno.make(payload, error=level, micro=False, boost_error=False)


def segno_png(payload: str | bytes, scale: int = 4) -> bytes:
    """PNG through segno's pure-Python writer (the straightforward path)."""
    buffer = io.BytesIO()
    segno_qr(payload).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
