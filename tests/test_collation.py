"""Lists of names follow each language's alphabet (ICU collation), not code point order."""

from __future__ import annotations

import re

from cowin_kit.core.collation import sort_by_name

#: The Ukrainian alphabet: а б в г ґ д е є ж з и і ї й к л м н о п р с т у ф х ц ч ш щ ь ю я.
UKRAINIAN = ["Вінниця", "Гайсин", "Ґалаґан", "Єнакієве", "Житомир", "Зміїв", "Ірпінь",
             "Їжакевичі", "Йосипівка", "Київ", "Чернівці", "Чернігів", "Щастя", "Ясинувата"]


def test_ukrainian_names_in_the_ukrainian_alphabet():
    shuffled = list(reversed(UKRAINIAN))
    assert sort_by_name(shuffled, locale_id="uk_UA") == UKRAINIAN
    assert sorted(shuffled) != UKRAINIAN  # code points put І, Ї, Є first and Ґ last


def test_spanish_and_vietnamese_letters_sit_with_their_neighbours():
    assert sort_by_name(["Oaxaca", "Ñuñoa", "Nuevo León", "Zacatecas"], locale_id="es_MX") == [
        "Nuevo León", "Ñuñoa", "Oaxaca", "Zacatecas"]
    assert sort_by_name(["Đồng Nai", "Điện Biên", "Bình Dương", "Yên Bái", "Ê Đê"],
                        locale_id="vi_VN") == ["Bình Dương", "Điện Biên", "Đồng Nai", "Ê Đê",
                                               "Yên Bái"]
    # Objects by an attribute, case and accents not deciding before letters do.
    assert sort_by_name([{"n": "b"}, {"n": "Á"}, {"n": "a"}], lambda d: d["n"],
                        locale_id="en") == [{"n": "a"}, {"n": "Á"}, {"n": "b"}]


def test_report_and_search_area_lists_follow_the_readers_language(make_app, db):
    from tests.factories import national_admin_client

    with national_admin_client(make_app, db, "ua") as client:
        html = client.get("/staff/reports/").get_data(as_text=True)  # Ukrainian by default
        oblasts = re.findall(r'<option value="UA-\d+">— ([^<]+)</option>', html)
        assert len(oblasts) > 20
        assert oblasts[0] == "Автономна Республіка Крим"
        at = oblasts.index
        assert at("Запорізька область") < at("Івано-Франківська область") < at("Київ") < at(
            "Київська область")
        assert at("Чернівецька область") < at("Чернігівська область")
        # The public search's first area select, in English for a visitor who asks for it.
        client.get("/language/en_UA")
        page = client.get("/find").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="a1".*?</select>', page, re.S).group(0)
        names = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)
        assert names[:2] == ["Autonomous Republic of Crimea", "Cherkasy Oblast"], names
        assert names == sorted(names, key=str.casefold)
