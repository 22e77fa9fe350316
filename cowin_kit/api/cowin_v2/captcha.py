"""A real SVG captcha: random text drawn as distorted strokes with noise, answer kept hashed.

Glyphs are drawn from a small stroke font (no font file, no text element to scrape): each
character is a list of polylines on a 4x6 grid, jittered, rotated and scaled per character.
"""

from __future__ import annotations

import math
import secrets

ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ23456789"  # no 0/O, 1/I/Q look-alikes

# Polylines per glyph on a grid x in [0, 4], y in [0, 6] (y down).
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0, 6), (2, 0), (4, 6)], [(1, 3.5), (3, 3.5)]],
    "B": [[(0, 0), (0, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)], [(0, 0), (3, 0), (4, 1), (4, 2), (3, 3)]],
    "C": [[(4, 1), (3, 0), (1, 0), (0, 1), (0, 5), (1, 6), (3, 6), (4, 5)]],
    "D": [[(0, 0), (0, 6), (2.5, 6), (4, 4.5), (4, 1.5), (2.5, 0), (0, 0)]],
    "E": [[(4, 0), (0, 0), (0, 6), (4, 6)], [(0, 3), (3, 3)]],
    "F": [[(4, 0), (0, 0), (0, 6)], [(0, 3), (3, 3)]],
    "G": [[(4, 1), (3, 0), (1, 0), (0, 1), (0, 5), (1, 6), (3, 6), (4, 5), (4, 3.5), (2, 3.5)]],
    "H": [[(0, 0), (0, 6)], [(4, 0), (4, 6)], [(0, 3), (4, 3)]],
    "J": [[(4, 0), (4, 5), (3, 6), (1, 6), (0, 5)]],
    "K": [[(0, 0), (0, 6)], [(4, 0), (0, 3.5)], [(1.2, 2.8), (4, 6)]],
    "L": [[(0, 0), (0, 6), (4, 6)]],
    "M": [[(0, 6), (0, 0), (2, 3), (4, 0), (4, 6)]],
    "N": [[(0, 6), (0, 0), (4, 6), (4, 0)]],
    "P": [[(0, 6), (0, 0), (3, 0), (4, 1), (4, 2), (3, 3), (0, 3)]],
    "R": [[(0, 6), (0, 0), (3, 0), (4, 1), (4, 2), (3, 3), (0, 3)], [(2, 3), (4, 6)]],
    "S": [[(4, 1), (3, 0), (1, 0), (0, 1), (0, 2), (1, 3), (3, 3), (4, 4), (4, 5), (3, 6), (1, 6), (0, 5)]],
    "T": [[(0, 0), (4, 0)], [(2, 0), (2, 6)]],
    "U": [[(0, 0), (0, 5), (1, 6), (3, 6), (4, 5), (4, 0)]],
    "V": [[(0, 0), (2, 6), (4, 0)]],
    "W": [[(0, 0), (1, 6), (2, 3), (3, 6), (4, 0)]],
    "X": [[(0, 0), (4, 6)], [(4, 0), (0, 6)]],
    "Y": [[(0, 0), (2, 3), (4, 0)], [(2, 3), (2, 6)]],
    "Z": [[(0, 0), (4, 0), (0, 6), (4, 6)]],
    "2": [[(0, 1), (1, 0), (3, 0), (4, 1), (4, 2), (0, 6), (4, 6)]],
    "3": [[(0, 1), (1, 0), (3, 0), (4, 1), (4, 2), (3, 3), (4, 4), (4, 5), (3, 6), (1, 6), (0, 5)], [(1.5, 3), (3, 3)]],
    "4": [[(3, 6), (3, 0), (0, 4), (4, 4)]],
    "5": [[(4, 0), (0, 0), (0, 3), (3, 3), (4, 4), (4, 5), (3, 6), (0, 6)]],
    "6": [[(3.5, 0), (1, 0), (0, 1.5), (0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)]],
    "7": [[(0, 0), (4, 0), (1.5, 6)]],
    "8": [[(1, 3), (0, 2), (0, 1), (1, 0), (3, 0), (4, 1), (4, 2), (3, 3), (1, 3), (0, 4), (0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (3, 3)]],
    "9": [[(4, 3), (1, 3), (0, 2), (0, 1), (1, 0), (3, 0), (4, 1), (4, 4.5), (2.5, 6), (0.5, 6)]],
}


def new_text(length: int = 5) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _rand(a: float, b: float) -> float:
    return a + (b - a) * secrets.randbelow(10_000) / 10_000


def render_svg(text: str, width: int = 150, height: int = 50) -> str:
    """Draw ``text`` as jittered strokes with noise curves; returns an SVG document."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">',
             f'<rect width="{width}" height="{height}" fill="#f4f6f8"/>']
    for _ in range(4):  # noise curves across the image
        parts.append(
            f'<path d="M{_rand(0, 20):.1f} {_rand(5, height - 5):.1f} C{_rand(30, 60):.1f} '
            f'{_rand(0, height):.1f},{_rand(80, 120):.1f} {_rand(0, height):.1f},'
            f'{_rand(130, width):.1f} {_rand(5, height - 5):.1f}" stroke="#{secrets.token_hex(3)}"'
            ' fill="none" stroke-width="1.5" opacity="0.7"/>')
    step = (width - 20) / max(len(text), 1)
    for i, char in enumerate(text):
        scale = _rand(4.2, 5.6)
        angle = math.radians(_rand(-18, 18))
        ox, oy = 10 + i * step + _rand(0, 4), _rand(6, height - 6 * scale - 2)
        cx, cy = 2 * scale, 3 * scale
        colour = f"#{secrets.randbelow(120):02x}{secrets.randbelow(120):02x}{secrets.randbelow(160):02x}"
        for line in GLYPHS[char]:
            points = []
            for x, y in line:
                x, y = x * scale + _rand(-0.6, 0.6) - cx, y * scale + _rand(-0.6, 0.6) - cy
                rx = x * math.cos(angle) - y * math.sin(angle) + cx + ox
                ry = x * math.sin(angle) + y * math.cos(angle) + cy + oy
                points.append(f"{rx:.1f},{ry:.1f}")
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                         'stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>')
    parts.append("</svg>")
    return "".join(parts)


def answer_bytes(text: str) -> bytes:
    """The form of an answer that is hashed: case and surrounding spaces do not count."""
    return text.strip().upper().encode()
