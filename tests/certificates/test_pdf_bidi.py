"""Right-to-left and mixed lines: the Unicode Bidirectional Algorithm (ICU) orders each whole
logical line (label and value) before HarfBuzz shapes its runs; fonts fall back per character.

Glyph order is read from the positioned glyph runs (left to right on the page), each glyph
with the characters it stands for."""

from __future__ import annotations

import pytest

from cowin_kit.printing import fastpdf
from cowin_kit.core import fontset


def visual(text: str, rtl: bool) -> str:
    """The characters of a shaped line in the order its glyphs stand on the page."""
    glyphs, _width = fastpdf.shape_line(text, 10, rtl)
    return "".join(chars for _font, _gid, chars in glyphs)


@pytest.mark.parametrize("logical, rtl, expected", [
    # Arabic label, digits value: the number stays left of the label, its digits in order
    ("العمر: 46", True, "46 :رمعلا"),
    # Kurdish (Sorani) label, Latin name and digits as the value
    ("ناو: Ahmed Karim 12", True, "Ahmed Karim 12 :وان"),
    ("تەمەن: 46", True, "46 :نەمەت"),
    # Hebrew label, Arabic name, Latin and digits in one right-to-left line
    ("שם: محمد ABC 123", True, "ABC 123 دمحم :םש"),
    # an Arabic name in a left-to-right (English) line
    ("Beneficiary name: محمد علي", False, "Beneficiary name: يلع دمحم"),
    # a date after an Arabic label: Arabic numbers by the algorithm (rule W2) ...
    ("تاريخ الجرعة: 2021-06-15", True, "15-06-2021 :ةعرجلا خيرات"),
    # ... so values go in as first-strong isolates, and keep their own order
    ("تاريخ الجرعة: " + fastpdf.isolate("2021-06-15"), True, "2021-06-15 :ةعرجلا خيرات"),
    ("الاسم: " + fastpdf.isolate("Ahmed (A.) Karim"), True, "Ahmed (A.) Karim :مسالا"),
])
def test_bidi_orders_the_whole_line(logical, rtl, expected):
    assert visual(logical, rtl) == expected


def test_rtl_runs_are_shaped_right_to_left_and_joined():
    """Arabic letters come out in contextual (joined) forms, not isolated nominal glyphs."""
    glyphs, _ = fastpdf.shape_line("محمد", 10, True)
    font = fastpdf.fonts()[glyphs[0][0]]
    nominal = {gid for gid in font.nominal}
    assert any(gid not in nominal or font.nominal[gid] != chars for _f, gid, chars in glyphs)


def test_parentheses_are_mirrored_in_a_right_to_left_run():
    """'(' in an RTL run is drawn with the glyph of ')' (HarfBuzz mirroring after bidi)."""
    glyphs, _ = fastpdf.shape_line("الاسم (محمد)", 10, True)
    font_index, gid, chars = glyphs[0]
    assert chars == ")"  # the logical closing parenthesis stands leftmost ...
    font = fastpdf.fonts()[font_index]
    assert font.nominal.get(gid) == "("  # ... drawn as an opening one


@pytest.mark.parametrize("text, script_font", [
    ("முருகன் சுப்பிரமணியம்", "NotoSansTamil[wght].ttf"),
    ("সৌমিত্র চট্টোপাধ্যায়", "NotoSansBengali[wght].ttf"),
    ("వెంకటేశ్వర రావు", "NotoSansTelugu[wght].ttf"),
    ("ગુજરાતી", "NotoSansGujarati[wght].ttf"), ("ਪੰਜਾਬੀ", "NotoSansGurmukhi[wght].ttf"),
    ("ಕನ್ನಡ", "NotoSansKannada[wght].ttf"), ("മലയാളം", "NotoSansMalayalam[wght].ttf"),
    ("ଓଡ଼ିଆ", "NotoSansOriya[wght].ttf"), ("සිංහල", "NotoSansSinhala[wght].ttf"),
    ("ภาษาไทย", "NotoSansThai[wght].ttf"), ("ភាសាខ្មែរ", "NotoSansKhmer[wght].ttf"),
    ("ພາສາລາວ", "NotoSansLao[wght].ttf"), ("မြန်မာ", "NotoSansMyanmar[wght].ttf"),
    ("አማርኛ", "NotoSansEthiopic[wght].ttf"), ("עברית", "NotoSansHebrew[wght].ttf"),
    ("ქართული", "NotoSansGeorgian[wght].ttf"), ("Հայերեն", "NotoSansArmenian[wght].ttf"),
    ("Тарас Шевченко", "NotoSans[wght].ttf"),
])
def test_every_script_is_set_in_its_noto_family_without_missing_glyphs(text, script_font):
    glyphs, width = fastpdf.shape_line(text, 10, False)
    assert width > 0
    assert all(gid != 0 for _f, gid, _c in glyphs), "a .notdef (blank box) glyph"
    assert {fontset.FAMILIES[f] for f, _g, c in glyphs if c.strip()} == {script_font}


def test_fallback_is_per_character():
    """One line mixing Latin, Devanagari, Tamil and Arabic uses four families."""
    glyphs, _ = fastpdf.shape_line("Ravi रवि ரவி رافي", 10, False)
    assert {fontset.FAMILIES[f] for f, _g, c in glyphs if c.strip()} == {
        "NotoSans[wght].ttf", "NotoSansDevanagari[wght].ttf", "NotoSansTamil[wght].ttf",
        "NotoSansArabic[wght].ttf"}


def test_missing_for_language():
    assert fontset.missing_for_language("ta") == ()
    assert fontset.missing_for_language("ckb") == ()
    assert fontset.missing_for_language("zh")  # CJK is optional: not bundled
