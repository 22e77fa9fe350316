"""ICAO 9303 (Part 3, section 6) transliteration of names for machine-readable zones: A–Z and <.

Latin letters with diacritics and Cyrillic follow the ICAO tables (Ä→AE, Ö→OE, Ü→UE, ß→SS,
Đ→D, Ж→ZH, Щ→SHCH …). Scripts ICAO has no table for here (Devanagari, and Arabic, whose
ICAO table needs vowel marks names rarely carry) go through ``anyascii`` (ISC licence), a
phonetic romanisation, and are then reduced to the same alphabet.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii

SPECIAL = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ö": "OE", "Ø": "OE", "Ü": "UE", "ß": "SS", "Þ": "TH",
    "Ð": "D", "Đ": "D", "Ħ": "H", "Ĳ": "IJ", "Ł": "L", "Œ": "OE", "Ŋ": "N", "Ŧ": "T",
    "ẞ": "SS",
}
CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA", "Є": "IE",
    "І": "I", "Ї": "I", "Ґ": "G", "Ў": "U", "Ѓ": "G", "Ђ": "D", "Ѕ": "DZ", "Ј": "J",
    "Љ": "LJ", "Њ": "NJ", "Ќ": "K", "Ћ": "C", "Џ": "DZ",
}
SEPARATORS = set(" -‐‑–—,.")


def transliterate(name: str, limit: int = 80) -> str:
    """Return the ICAO 9303 machine-readable form of a name (A–Z and '<', at most ``limit``)."""
    out: list[str] = []
    for char in name.upper():
        if "A" <= char <= "Z":
            out.append(char)
        elif char in SEPARATORS or char.isspace():
            out.append("<")
        elif char in SPECIAL:
            out.append(SPECIAL[char])
        elif char in CYRILLIC:
            out.append(CYRILLIC[char])
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            if "A" <= base <= "Z":
                out.append(base)
            elif base in SPECIAL:
                out.append(SPECIAL[base])
            else:
                # other scripts: romanise, then keep only what the MRZ alphabet allows
                out.append("".join(c if "A" <= c <= "Z" else "<" if c == " " else ""
                                   for c in anyascii(char).upper()))
    text = "".join(out)
    while "<<" in text:  # one filler between name parts
        text = text.replace("<<", "<")
    return text.strip("<")[:limit]
