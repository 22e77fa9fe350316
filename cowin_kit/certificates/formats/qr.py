"""QR codes as PNG and SVG.

zxing-cpp's C++ encoder (its embedded libzint) builds the symbol: segments, Reed–Solomon, module
placement. Modes follow the content: HC1 text is all QR-alphanumeric, the SHC digits go in a
numeric segment after the byte segment "shc:/" (the encoder picks minimal segments), the DIVOC
zip goes in byte mode. Error correction: Q for HC1 (HCERT spec), L for SMART Health Cards (fits
version 22), M for DIVOC.

Choosing the data mask by the ISO/IEC 18004 penalty rules is most of the encoder's time when it
scores the eight masks itself (and nearly all of segno's). ``png`` instead asks the encoder for
mask 0 only and chooses the mask here: the other seven symbols differ from that one by a fixed
pattern per version and error level (the mask patterns over the data region, and the format
information), cached once per process. The eight candidates are bit-packed (64 modules of a
column, or of a row, in one machine word) and scored together with numpy: N1 runs of five or more
in rows and columns, N2 2×2 blocks, N3 1:1:3:1:1 finder-like patterns with four light modules on
either side (the symbol's edge counts as light), N4 the dark proportion; lowest penalty wins,
ties to the lower mask number. The rules are counted as zxing-cpp's encoder counts them, so the
choice is the one ``create_barcode`` makes without ``data_mask`` (tests compare them module for
module). The PNG is written from the module matrix: 1-bit greyscale, 4-module quiet zone.

``segno_png`` is the straightforward reference used in tests and benchmarks.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
import segno
import zxingcpp
from segno import consts

from .shc import PREFIX as SHC_PREFIX

QUIET = 4  # modules of light margin around the symbol (ISO/IEC 18004)
_EC_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}


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

    ``mask`` None lets the encoder score all eight data masks itself (slow: most of its time);
    0–7 fixes it. ``modules`` gets the encoder's choice faster."""
    options = {} if mask is None else {"data_mask": mask}
    return zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level=error_level(payload),
                                   **options)


def dark_modules(symbol) -> np.ndarray:
    """Boolean module matrix (True = dark) of a zxing-cpp Barcode, without quiet zone."""
    return np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) < 128


# --- the symbol's fixed structure (ISO/IEC 18004 §6.3, §7.8, §7.9) -------------------------

def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    size = 17 + 4 * version
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    return [6] + sorted(size - 7 - i * step for i in range(count - 1))


def function_modules(version: int) -> np.ndarray:
    """True where a module is not data: finders and separators, timing, alignment, format and
    version information, the dark module. Data masks apply to everything else."""
    size = 17 + 4 * version
    fixed = np.zeros((size, size), dtype=bool)
    fixed[:9, :9] = fixed[:9, size - 8:] = fixed[size - 8:, :9] = True  # finders, separators, format
    centres = _alignment_centres(version)
    corners = {(6, 6), (6, size - 7), (size - 7, 6)}  # finder positions: no alignment pattern
    for r in centres:
        for c in centres:
            if (r, c) not in corners:
                fixed[r - 2:r + 3, c - 2:c + 3] = True
    fixed[6, :] = fixed[:, 6] = True
    if version >= 7:
        fixed[:6, size - 11:size - 8] = fixed[size - 11:size - 8, :6] = True
    return fixed


def mask_pattern(mask: int, size: int) -> np.ndarray:
    """Where data mask ``mask`` inverts a module (before restricting to the data region)."""
    i, j = np.indices((size, size))
    return [(i + j) % 2 == 0, i % 2 == 0, j % 3 == 0, (i + j) % 3 == 0, (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0, ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i + j) % 2 + (i * j) % 3) % 2 == 0][mask]


def format_modules(level: str, mask: int, size: int) -> np.ndarray:
    """The two copies of the 15 format-information bits (BCH(15,5), XOR 0x5412), as dark modules."""
    data = _EC_BITS[level] << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    bits = (data << 10 | rem) ^ 0x5412
    out = np.zeros((size, size), dtype=bool)
    first = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, 14 - i) for i in range(9, 15)]
    second = [(8, size - 1 - i) for i in range(8)] + [(size - 15 + i, 8) for i in range(8, 15)]
    for i in range(15):
        if bits >> i & 1:
            out[first[i]] = out[second[i]] = True
    return out


def _pack(planes: np.ndarray, words: int) -> np.ndarray:
    """Bit-pack (..., 2, size, size) boolean planes for scoring: direction 0 indexes columns with a
    column's rows as bits, direction 1 indexes rows with a row's columns as bits; ``QUIET`` light
    positions pad the index axis on both sides. Returns uint64 (..., 2, size + 8, words)."""
    size = planes.shape[-1]
    bits = np.zeros(planes.shape[:-2] + (size + 2 * QUIET, words * 64), dtype=bool)
    bits[..., QUIET:QUIET + size, :size] = planes
    return np.packbits(bits, axis=-1, bitorder="little").view("<u8")


class _Layout:
    """Per (version, error level): what turns the mask-0 symbol into each of the eight."""

    def __init__(self, version: int, level: str):
        size = self.size = 17 + 4 * version
        data = ~function_modules(version)
        base = mask_pattern(0, size) & data
        fmt0 = format_modules(level, 0, size)
        # flip[k]: modules where the symbol with mask k differs from the one with mask 0
        self.flip = np.stack([(mask_pattern(k, size) & data) ^ base ^ format_modules(level, k, size) ^ fmt0
                              for k in range(8)])
        self.words = (size + 63) // 64
        self.packed_flip = _pack(np.stack([self.flip.transpose(0, 2, 1), self.flip], axis=1), self.words)
        bit = np.arange(self.words * 64)
        self.valid = np.packbits(bit < size, bitorder="little").view("<u8")  # bits that are modules
        self.valid_block = np.packbits(bit < size - 1, bitorder="little").view("<u8")  # 2x2 top rows


@functools.lru_cache(maxsize=None)
def _layout(version: int, level: str) -> _Layout:
    return _Layout(version, level)


def _shift_down(x: np.ndarray) -> np.ndarray:
    """Bit i of the result is bit i + 1 of ``x``, across the words of the last axis."""
    out = x >> np.uint64(1)
    out[..., :-1] |= x[..., 1:] << np.uint64(63)
    return out


def _score(candidates: np.ndarray, layout: _Layout) -> np.ndarray:
    """ISO/IEC 18004 §7.8.3 penalty of each packed candidate symbol (shape (masks, 2, size + 8,
    words) from ``_pack``), counted as zxing-cpp's encoder (libzint) counts."""
    size, q = layout.size, QUIET

    def count(bits: np.ndarray) -> np.ndarray:  # set bits per candidate
        return np.bitwise_count(bits).reshape(len(bits), -1).sum(axis=1, dtype=np.int64)

    inner = candidates[:, :, q:q + size]
    # N1: a run of n >= 5 costs 3 + (n - 5) = (windows of five inside it) + 2 for the run
    change = inner[:, :, 1:] ^ inner[:, :, :-1]                  # bit set: next module differs
    pairs = change[:, :, :-1] | change[:, :, 1:]
    five = ~(pairs[:, :, :-2] | pairs[:, :, 2:]) & layout.valid   # modules i..i+4 of one colour
    starts = five[:, :, 1:] & change[:, :, :-4]                   # ... and module i - 1 differs
    n1 = count(five) + 2 * (count(starts) + count(five[:, :, 0]))  # (runs from the edge)
    # N2: 3 per 2x2 block of one colour (direction 0: index = column, bits = rows)
    cols = inner[:, 0]
    down = cols ^ _shift_down(cols)                                # bit r: (r, c) != (r + 1, c)
    n2 = 3 * count(~(down[:, :-1] | down[:, 1:] | change[:, 0]) & layout.valid_block)
    # N3: 40 per dark-light-dark×3-light-dark with four light modules before or after it (the
    # padding stands for the light beyond the symbol's edge)
    p = candidates
    finder = (p[:, :, :-6] & ~p[:, :, 1:-5] & p[:, :, 2:-4] & p[:, :, 3:-3] & p[:, :, 4:-2] & ~p[:, :, 5:-1]
              & p[:, :, 6:])[:, :, q:q + size - 6]                  # starting at module 0 .. size - 7
    light = ~(p[:, :, :-3] | p[:, :, 1:-2] | p[:, :, 2:-1] | p[:, :, 3:])   # four light from here
    n3 = 40 * count(finder & (light[:, :, :size - 6] | light[:, :, q + 7:q + 7 + size - 6]))
    # N4: 10 per whole 5 % of dark modules away from 50 %: floor(|dark/total - 1/2| * 20), exact
    # in integers (libzint's floating-point form gives the same for every size)
    total = size * size
    n4 = 10 * (np.abs(2 * count(inner[:, 0]) - total) * 10 // total)
    return n1 + n2 + n3 + n4


def penalties(first: np.ndarray, level: str) -> tuple[np.ndarray, _Layout]:
    """The penalty of each of the eight masks for the symbol whose mask-0 modules are ``first``."""
    layout = _layout((first.shape[0] - 17) // 4, level)
    return _score(_pack(np.stack([first.T, first]), layout.words)[None] ^ layout.packed_flip, layout), layout


def modules(payload: str | bytes, mask: int | None = None) -> tuple[np.ndarray, int]:
    """The symbol's dark modules (boolean, no quiet zone) and its data mask.

    ``mask`` None: the mask with the lowest penalty (the encoder's own choice) for the cost of
    one fixed-mask encode and about 0.2 ms of scoring."""
    if mask is not None:
        return dark_modules(barcode(payload, mask)), mask
    first = dark_modules(barcode(payload, 0))
    scores, layout = penalties(first, error_level(payload))
    best = int(np.argmin(scores))  # the first minimum: ties go to the lower mask number
    return (first ^ layout.flip[best] if best else first), best


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_quiet_zone(dark: np.ndarray) -> np.ndarray:
    """The module matrix with its ``QUIET``-module light margin."""
    return np.pad(dark, QUIET, constant_values=False)


def png_from_modules(dark: np.ndarray, scale: int = 4) -> bytes:
    """A 1-bit greyscale PNG of a module matrix, with a ``QUIET``-module light margin.

    Each module row becomes ``scale`` pixel rows: the first with filter None, the copies with
    filter Up (all zero bytes), so run-length deflate is both fast and small."""
    light = ~with_quiet_zone(dark)
    size = light.shape[0]
    pixels = np.packbits(np.repeat(light, scale, axis=1), axis=1)
    raw = np.zeros((size, scale, 1 + pixels.shape[1]), dtype=np.uint8)
    raw[:, 0, 1:] = pixels
    raw[:, 1:, 0] = 2  # filter Up: same as the row above
    deflate = zlib.compressobj(6, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    width = size * scale
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", deflate.compress(raw.tobytes()) + deflate.flush()) + _chunk(b"IEND", b""))


def png(payload: str | bytes, scale: int = 4, mask: int | None = None) -> bytes:
    """A 1-bit greyscale PNG of the QR code (with its quiet zone); ``mask`` None chooses the best
    data mask by the penalty rules, 0–7 forces one."""
    return png_from_modules(modules(payload, mask)[0], scale)


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
