"""Every profile offers English and names its demo people from its own name lists
(``demo.names``), which the validator checks like any other field."""

from __future__ import annotations

import pytest

from tests.profiles.test_validate import PROFILES, SHIPPED, broken, run  # noqa: F401


@pytest.mark.parametrize("code", SHIPPED)
def test_every_profile_offers_english_and_names_by_gender(code):
    from cowin_kit.profiles import load_profile

    profile = load_profile(code, PROFILES)
    assert any(locale.split("_")[0] == "en" for locale in profile.locale_ids)
    names = profile.data["demo"]["names"]
    assert len(names["given"]["M"]) >= 5 and len(names["given"]["F"]) >= 5
    assert not set(names["given"]["M"]) & set(names["given"]["F"])
    assert len(names["family"]) >= names.get("surnames", 1) + 5


def test_demo_names_are_validated_with_file_and_line(runner, broken):  # noqa: F811
    line = broken.edit("      F: [Priya,", "      W: [Priya,")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert f"{broken.yaml}:{line}: demo.names.given.W: unknown key 'W'; expected one of: M, F" \
        in lines
    assert any(item.endswith("demo.names.given: missing required key 'F'") for item in lines)


def test_a_blank_demo_name_is_refused(runner, broken):  # noqa: F811
    line = broken.edit("family: [Sharma,", "family: ['  ',")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines == [f"{broken.yaml}:{line}: demo.names.family[0]: got '  '; expected a name"]
