"""`cowin-kit i18n` catches every kind of broken catalog, and compiled catalogs are used."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from cowin_kit.web.cli import i18n_group

HEADER = textwrap.dedent('''\
    msgid ""
    msgstr ""
    "Content-Type: text/plain; charset=utf-8\\n"
    "Language: {lang}\\n"
    "Plural-Forms: {plural}\\n"

    ''')

POT = HEADER.format(lang="", plural="nplurals=1; plural=0;") + textwrap.dedent('''\
    msgid "Hello %(name)s"
    msgstr ""

    msgid "Book"
    msgstr ""

    msgid "Save"
    msgstr ""

    msgid "%(num)d dose"
    msgid_plural "%(num)d doses"
    msgstr[0] ""
    msgstr[1] ""
    ''')


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_tree(tmp_path: Path, hi_body: str, profile_langs=("hi_IN",)):
    locales, profiles = tmp_path / "locales", tmp_path / "profiles"
    write(locales / "messages.pot", POT)
    write(locales / "hi" / "LC_MESSAGES" / "messages.po",
          HEADER.format(lang="hi", plural="nplurals=2; plural=(n > 1);") + hi_body)
    supported = "".join(f"    - {{id: {loc}}}\n" for loc in profile_langs)
    write(profiles / "xx" / "profile.yaml", f"languages:\n  default: {profile_langs[0]}\n  supported:\n{supported}")
    return locales, profiles


GOOD = textwrap.dedent('''\
    msgid "Hello %(name)s"
    msgstr "नमस्ते %(name)s"

    msgid "Book"
    msgstr "बुक करें"

    msgid "Save"
    msgstr "सहेजें"

    msgid "%(num)d dose"
    msgid_plural "%(num)d doses"
    msgstr[0] "%(num)d खुराक"
    msgstr[1] "%(num)d खुराकें"
    ''')


def run_check(runner, locales, profiles):
    return runner.invoke(i18n_group, ["check", "--locales-dir", str(locales),
                                      "--profiles-dir", str(profiles)])


def test_complete_catalog_passes(runner, tmp_path):
    locales, profiles = make_tree(tmp_path, GOOD)
    result = run_check(runner, locales, profiles)
    assert result.exit_code == 0, result.output
    assert "all catalogs complete" in result.output


def test_each_kind_of_problem_is_reported_with_its_line(runner, tmp_path):
    broken = (GOOD.replace('msgstr "नमस्ते %(name)s"', 'msgstr "नमस्ते %(naam)s"')
                  .replace('msgstr "बुक करें"', 'msgstr ""')
                  .replace('msgid "Save"', '#, fuzzy\nmsgid "Save"')
                  .replace('msgstr[1] "%(num)d खुराकें"\n', ''))
    locales, profiles = make_tree(tmp_path, broken, profile_langs=("hi_IN", "sw_UG"))
    result = run_check(runner, locales, profiles)
    assert result.exit_code == 1
    out = result.output
    po = str(locales / "hi" / "LC_MESSAGES" / "messages.po")
    assert f"{po}:7: placeholders of 'Hello %(name)s' do not match" in out
    assert f"{po}:10: missing translation of 'Book'" in out
    assert "fuzzy translation of 'Save'" in out
    assert f"{po}:17: missing translation of '%(num)d dose'" in out
    assert "language 'sw' is listed" in out


def test_wrong_plural_header_is_reported(runner, tmp_path):
    locales, profiles = make_tree(tmp_path, GOOD)
    po = locales / "hi" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace("nplurals=2; plural=(n > 1);", "nplurals=3; plural=0;"))
    result = run_check(runner, locales, profiles)
    assert result.exit_code == 1
    assert "Plural-Forms header says nplurals=3, hi needs 2" in result.output


def test_catalog_missing_a_new_message_is_stale(runner, tmp_path):
    locales, profiles = make_tree(tmp_path, GOOD.split('msgid "Save"')[0])
    result = run_check(runner, locales, profiles)
    assert result.exit_code == 1
    assert "out of date: 'Save'" in result.output


def test_compiled_catalog_translates_the_page(make_app, tmp_path):
    """A catalog added as a file (no code change) translates the UI after `i18n compile`."""
    from cowin_kit.config import DEFAULTS
    from cowin_kit.core.i18n_tools import compile_catalogs

    locales = tmp_path / "locales"
    shutil.copytree(DEFAULTS["LOCALES_DIR"], locales,
                    ignore=shutil.ignore_patterns("*.mo", "hi"))
    write(locales / "hi" / "LC_MESSAGES" / "messages.po",
          HEADER.format(lang="hi", plural="nplurals=2; plural=(n > 1);")
          + 'msgid "Skip to main content"\nmsgstr "मुख्य सामग्री पर जाएँ"\n')
    compile_catalogs(locales, echo=lambda _l: None)
    app = make_app(LOCALES_DIR=str(locales), BABEL_TRANSLATION_DIRECTORIES=str(locales))
    html = app.test_client().get("/?lang=hi_IN").get_data(as_text=True)
    assert "मुख्य सामग्री पर जाएँ" in html
