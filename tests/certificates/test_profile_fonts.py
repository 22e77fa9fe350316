"""The profile validator refuses a language no bundled font can print (certificates, slips)."""

from __future__ import annotations

import shutil
from pathlib import Path

from cowin_kit.profiles.cli import profile_group

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"


def _validate(runner, tmp_path, locale_id: str) -> tuple[int, str]:
    folder = tmp_path / "xx"
    shutil.copytree(PROFILES / "in", folder)
    path = folder / "profile.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    - {id: hi_IN, direction: ltr, digits: latn}"
    assert old in text
    path.write_text(text.replace(old, f"{old}\n    - {{id: {locale_id}, direction: ltr, digits: latn}}"),
                    encoding="utf-8")
    result = runner.invoke(profile_group, ["validate", str(folder)])
    return result.exit_code, result.stdout


def test_a_language_without_a_font_is_an_error(runner, tmp_path):
    code, out = _validate(runner, tmp_path, "zh_CN")
    assert code == 1
    assert "languages.supported[2].id: no bundled font has the letters of 'zh_CN'" in out


def test_indic_languages_have_fonts(runner, tmp_path):
    for locale_id in ("ta_IN", "bn_IN", "te_IN", "ml_IN", "or_IN"):
        code, out = _validate(runner, tmp_path / locale_id, locale_id)
        assert "no bundled font" not in out, out
        assert code == 0, out
