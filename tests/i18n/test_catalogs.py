"""Shipped catalogs are complete; a country's own catalog overrides a wording, and is checked."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from cowin_kit.config import DEFAULTS
from cowin_kit.web.cli import i18n_group

SHIPPED = ["en", "hi", "ar"]


def test_shipped_catalogs_are_complete(runner):
    """Guards completeness in CI: a new message without a Hindi or Arabic translation fails."""
    result = runner.invoke(i18n_group, ["check", "--languages", ",".join(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert "all catalogs complete" in result.output


def test_languages_option_limits_the_check(runner, tmp_path):
    """Without --languages, a language a profile lists but nobody translated yet is reported."""
    profiles = tmp_path / "profiles"
    (profiles / "xx").mkdir(parents=True)
    (profiles / "xx" / "profile.yaml").write_text(
        "languages:\n  default: hi_IN\n  supported:\n    - {id: hi_IN}\n    - {id: sw_UG}\n")
    locales = tmp_path / "locales"
    shipped = Path(DEFAULTS["LOCALES_DIR"])
    shutil.copy(shipped / "messages.pot", tmp_path / "messages.pot")
    for lang in SHIPPED:
        shutil.copytree(shipped / lang, locales / lang, ignore=shutil.ignore_patterns("*.mo"))
    shutil.move(tmp_path / "messages.pot", locales / "messages.pot")
    args = ["check", "--profiles-dir", str(profiles), "--locales-dir", str(locales)]
    result = runner.invoke(i18n_group, args)
    assert result.exit_code == 1
    assert "language 'sw' is listed" in result.output
    limited = runner.invoke(i18n_group, args + ["--languages", "en,hi,ar"])
    assert limited.exit_code == 0, limited.output
    asked = runner.invoke(i18n_group, args + ["--languages", "hi,sw"])
    assert asked.exit_code == 1 and "language 'sw' is listed" in asked.output


OVERRIDE = textwrap.dedent('''\
    msgid ""
    msgstr ""
    "Content-Type: text/plain; charset=utf-8\\n"
    "Language: hi\\n"
    "Plural-Forms: nplurals=2; plural=(n > 1);\\n"

    msgid "National Vaccination Portal"
    msgstr "कोविन टीकाकरण पोर्टल"
    ''')


def copy_profile(tmp_path: Path, code: str = "in") -> Path:
    profiles = tmp_path / "profiles"
    shutil.copytree(Path(DEFAULTS["PROFILES_DIR"]) / code, profiles / code)
    return profiles


def write_override(profiles: Path, text: str, code: str = "in", lang: str = "hi") -> Path:
    po = profiles / code / "locales" / lang / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)  # the profile may ship catalogs of its own
    po.write_text(text, encoding="utf-8")
    return po


def test_country_catalog_overrides_the_shared_wording(make_app, tmp_path):
    profiles = copy_profile(tmp_path)
    write_override(profiles, OVERRIDE)
    app = make_app(PROFILE="in", PROFILES_DIR=str(profiles))
    html = app.test_client().get("/?lang=hi_IN").get_data(as_text=True)
    assert "कोविन टीकाकरण पोर्टल" in html  # the country's wording wins
    assert "राष्ट्रीय टीकाकरण पोर्टल" not in html
    assert "मुख्य सामग्री पर जाएँ" in html  # everything else still from locales/hi
    # Another country (no override) keeps the shared wording.
    other = make_app(PROFILE="in").test_client().get("/?lang=hi_IN").get_data(as_text=True)
    assert "राष्ट्रीय टीकाकरण पोर्टल" in other


def test_country_catalog_with_plurals_keeps_plural_forms(make_app, tmp_path):
    """An override catalog is loaded last, so its plural rule is the one used."""
    from flask_babel import ngettext

    profiles = copy_profile(tmp_path, "iq")
    write_override(profiles, OVERRIDE.replace("Language: hi", "Language: ar").replace(
        "nplurals=2; plural=(n > 1);",
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
        ": n%100>=11 ? 4 : 5);"), code="iq", lang="ar")
    app = make_app(PROFILE="iq", PROFILES_DIR=str(profiles))
    with app.test_request_context("/?lang=ar_IQ"):
        assert ngettext("%(num)s centre", "%(num)s centres", 2) == "مركزان"
        assert ngettext("%(num)s centre", "%(num)s centres", 5) == "٥ مراكز"


def test_check_finds_broken_country_catalogs(runner, tmp_path):
    profiles = copy_profile(tmp_path)
    broken = OVERRIDE.replace('"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n', "") + textwrap.dedent('''
        msgid "Welcome, %(name)s"
        msgstr "स्वागत है, %(naam)s"

        msgid "A wording the kit does not have"
        msgstr "कुछ"
        ''')
    po = write_override(profiles, broken)
    result = runner.invoke(i18n_group, ["check", "--languages", "en,hi,ar",
                                        "--profiles-dir", str(profiles)])
    assert result.exit_code == 1
    assert f"{po}:1: no Plural-Forms header" in result.output
    assert "placeholders of 'Welcome, %(name)s' do not match" in result.output
    assert "'A wording the kit does not have' is not a message of the kit" in result.output
    # A partial override is fine: only what it holds is checked.
    po.write_text(OVERRIDE, encoding="utf-8")
    result = runner.invoke(i18n_group, ["check", "--languages", "en,hi,ar",
                                        "--profiles-dir", str(profiles)])
    assert result.exit_code == 0, result.output


def test_compile_includes_country_catalogs(runner, tmp_path):
    profiles = copy_profile(tmp_path)
    po = write_override(profiles, OVERRIDE)
    locales = tmp_path / "locales"
    shutil.copytree(DEFAULTS["LOCALES_DIR"], locales, ignore=shutil.ignore_patterns("*.mo"))
    result = runner.invoke(i18n_group, ["compile", "--locales-dir", str(locales),
                                        "--profiles-dir", str(profiles)])
    assert result.exit_code == 0, result.output
    assert po.with_suffix(".mo").is_file()
    assert (locales / "hi" / "LC_MESSAGES" / "messages.mo").is_file()
