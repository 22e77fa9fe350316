"""Country wording and corrected translations: India's "precaution dose", Mexico's "centro de
vacunación" (profile override catalogs), Hindi "digital public good", Arabic AEFI, and the
profile's Arabic-Indic digits everywhere on a dashboard."""

from __future__ import annotations

import re

from flask_babel import force_locale, gettext


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_india_calls_the_third_dose_the_precaution_dose(make_app):
    app = make_app(PROFILE="in")
    with app.test_request_context("/"):
        with force_locale("en_IN"):
            assert gettext("Booster") == "Precaution dose"
            assert gettext("booster") == "precaution dose"
        with force_locale("hi_IN"):
            assert gettext("Booster") == "एहतियाती खुराक"
            assert gettext("Booster doses") == "एहतियाती खुराकें"
    other = make_app(PROFILE="ua")  # the kit's own word elsewhere
    with other.test_request_context("/"), force_locale("en"):
        assert gettext("Booster") == "Booster"


def test_mexico_says_centro_de_vacunacion(make_app):
    mexico = _text(make_app(PROFILE="mx").test_client().get("/?lang=es_MX").get_data(as_text=True))
    assert "Buscar un centro de vacunación" in mexico and "vacunatorio" not in mexico
    peru = _text(make_app(PROFILE="pe").test_client().get("/?lang=es_PE").get_data(as_text=True))
    assert "Buscar un vacunatorio" in peru


def test_hindi_footer_says_digital_public_good(make_app):
    html = make_app(PROFILE="in").test_client().get("/?lang=hi_IN").get_data(as_text=True)
    assert "डिजिटल सार्वजनिक हित" in html and "सार्वजनिक सेवा" not in html


def test_arabic_aefi_and_digits_on_staff_pages(make_app, db):
    from tests.factories import national_admin_client

    with national_admin_client(make_app, db, "iq", "ar_IQ") as client:
        home = client.get("/staff/").get_data(as_text=True)
        assert "الأحداث الضائرة التالية للتمنيع" in home and "الآثار الجانبية" not in home
        dashboard = client.get("/dashboard").get_data(as_text=True)
    main = dashboard.split("<main", 1)[1].split("</main>", 1)[0]
    shown = _text(re.sub(r'\s[a-z:-]+="[^"]*"', "", main))  # text only, no attribute values
    assert re.findall(r"[0-9]", shown) == [], re.findall(r"\S*[0-9]\S*", shown)
    assert "١٨-٤٤" in shown or "١٨–٤٤" in shown  # age bands in the profile's digits
