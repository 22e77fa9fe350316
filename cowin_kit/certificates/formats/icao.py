"""Names for machine-readable zones (ICAO Doc 9303 Part 3, section 6 and Appendix B): A–Z and <.

- Latin letters with diacritics and Cyrillic follow the ICAO tables (Ä→AE, Ö→OE, Ü→UE, ß→SS,
  Đ→D, Ж→ZH, Щ→SHCH …).
- Arabic follows ICAO's Arabic table (Appendix B, the "X" scheme: ح→XH, خ→XKH, ش→XSH, ة→XTA, or
  XAH ending a name part; vowel marks are not written).
- Indic scripts (Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Telugu, Kannada, Malayalam) have
  no ICAO table: they are romanised to ISO 15919 by ``indic-transliteration`` (MIT licence), then
  written without diacritics the Hunterian way (ś, ṣ → SH; c → CH; ch → CHH), and the inherent
  vowel a word ends on is dropped where the language does not say it (Hindi, Bengali, Gujarati,
  Punjabi, Odia): क्षितिज श्रीवास्तव → KSHITIJ<SHRIVASTAV.
- Other scripts go through ``anyascii`` (ISC licence), a phonetic romanisation.

A person's name on a passport is already in this alphabet and is used as it is when recorded.
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
ARABIC = {
    "ء": "XE", "آ": "XAA", "أ": "XAE", "ؤ": "U", "إ": "I", "ئ": "XI", "ا": "A", "ب": "B", "ت": "T",
    "ث": "XTH", "ج": "J", "ح": "XH", "خ": "XKH", "د": "D", "ذ": "XDH", "ر": "R", "ز": "Z", "س": "S",
    "ش": "XSH", "ص": "XSS", "ض": "XDZ", "ط": "XTT", "ظ": "XZZ", "ع": "E", "غ": "G", "ف": "F", "ق": "Q",
    "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H", "و": "W", "ى": "XAY", "ي": "Y", "ٱ": "XXA",
}
TEH_MARBUTA = "ة"  # XTA, or XAH when it ends a name part
ARABIC_SILENT = {chr(c) for c in range(0x064B, 0x0653)} | {"ـ", "ٰ"}  # harakat, tatweel
SEPARATORS = set(" -‐‑–—,.")

#: Indic scripts (Unicode block start) and whether a word-final inherent vowel is silent.
INDIC = {0x0900: ("DEVANAGARI", True), 0x0980: ("BENGALI", True), 0x0A00: ("GURMUKHI", True),
         0x0A80: ("GUJARATI", True), 0x0B00: ("ORIYA", True), 0x0C00: ("TELUGU", False),
         0x0C80: ("KANNADA", False), 0x0D00: ("MALAYALAM", False)}
#: ISO 15919 letters written without diacritics the Hunterian way (longest first).
HUNTERIAN = (("kṣ", "ksh"), ("ch", "chh"), ("c", "ch"), ("ś", "sh"), ("ṣ", "sh"), ("r̥", "ri"),
             ("l̥", "li"), ("ṁ", "n"), ("ṃ", "n"), ("m̐", "n"), ("ṅ", "n"), ("ñ", "n"), ("ṇ", "n"),
             ("ṉ", "n"), ("ṭ", "t"), ("ḍ", "d"), ("ḷ", "l"), ("ḻ", "l"), ("ṟ", "r"), ("ḥ", "h"),
             ("ẏ", "y"), ("ā", "a"), ("ī", "i"), ("ū", "u"), ("ē", "e"), ("ō", "o"), ("æ", "ae"))


def _indic_block(char: str) -> int | None:
    start = ord(char) & ~0x7F
    return start if start in INDIC else None


def _romanise_indic(word: str, block: int) -> str:
    """One word of an Indic script in plain Latin letters (see the module's docstring)."""
    from indic_transliteration import sanscript

    scheme, silent_final = INDIC[block]
    text = sanscript.transliterate(word, getattr(sanscript, scheme), sanscript.ISO)
    text = text.replace("ch", "\x00")
    for iso, plain in HUNTERIAN:
        text = text.replace(iso, plain if iso != "ch" else "\x00")
    text = text.replace("\x00", "chh")
    last = word[-1]
    if silent_final and len(text) > 2 and text.endswith("a") and "LETTER" in unicodedata.name(last, "") \
            and unicodedata.category(last) == "Lo" and "VOWEL" not in unicodedata.name(last, ""):
        text = text[:-1]  # the word ends on a consonant's inherent vowel, which is not said
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _part(word: str) -> str:
    """One name part (no separators) in A–Z."""
    block = _indic_block(word[0]) if word else None
    if block is not None and all(_indic_block(c) == block or c.isascii() for c in word):
        return "".join(c for c in _romanise_indic(word, block).upper() if "A" <= c <= "Z")
    out: list[str] = []
    for index, char in enumerate(word.upper()):
        if "A" <= char <= "Z":
            out.append(char)
        elif char in SPECIAL:
            out.append(SPECIAL[char])
        elif char in CYRILLIC:
            out.append(CYRILLIC[char])
        elif char in ARABIC:
            out.append(ARABIC[char])
        elif char == TEH_MARBUTA:
            out.append("XAH" if index == len(word) - 1 else "XTA")
        elif char in ARABIC_SILENT:
            continue
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            if "A" <= base <= "Z":
                out.append(base)
            elif base in SPECIAL:
                out.append(SPECIAL[base])
            else:  # other scripts: romanise, then keep only what the MRZ alphabet allows
                out.append("".join(c for c in anyascii(char).upper() if "A" <= c <= "Z"))
    return "".join(out)


def split_words(name: str) -> list[str]:
    words, current = [], []
    for char in name:
        if char in SEPARATORS or char.isspace():
            if current:
                words.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def transliterate(name: str, limit: int = 80) -> str:
    """Return the ICAO 9303 machine-readable form of a name (A–Z and '<', at most ``limit``)."""
    parts = [p for p in (_part(w) for w in split_words(name)) if p]
    return "<".join(parts)[:limit].strip("<")


def split_name(name: str, order: str = "given_family", surnames: int = 1) -> tuple[str, str]:
    """(family name, given names) of a full name written in a profile's order: ``given_family``
    (the family name last) or ``family_given`` (first), ``surnames`` words long. A single word is
    the family name (ICAO: the primary identifier)."""
    words = split_words(name)
    if len(words) <= 1:
        return (words[0] if words else ""), ""
    count = max(1, min(surnames, len(words) - 1))
    if order == "family_given":
        return " ".join(words[:count]), " ".join(words[count:])
    return " ".join(words[-count:]), " ".join(words[:-count])
