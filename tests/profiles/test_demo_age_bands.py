"""``demo.session_age_bands`` (the demo sessions' age ranges) is checked by ``profile validate``
like any other field: shape, order of its ages, overlaps and a vaccine that fits each band."""

from __future__ import annotations

import pytest

from tests.profiles.test_validate import broken, run  # noqa: F401

BANDS = "    - {min_age: 18, max_age: 44}\n    - {min_age: 45, max_age: null}"


def test_india_ships_cowins_bands_and_validates(runner, broken):  # noqa: F811
    from cowin_kit.profiles import load_profile

    code, lines = run(runner, broken.path)
    assert code == 0, lines
    bands = load_profile(broken.path.name, broken.path.parent).data["demo"]["session_age_bands"]
    assert {"min_age": 18, "max_age": 44} in bands and {"min_age": 45, "max_age": None} in bands


@pytest.mark.parametrize("old, new, offset, message", [
    (BANDS, BANDS.replace("max_age: 44", "max_age: 14"), 0,
     "demo.session_age_bands[2].max_age: 14 is below min_age 18; expected max_age >= min_age"),
    (BANDS, BANDS.replace("max_age: 44", "max_age: 50"), 1,
     "demo.session_age_bands[3]: ages 45- overlap demo.session_age_bands[2]; expected bands "
     "that do not overlap"),
    ("    - {min_age: 12, max_age: 14}", "    - {min_age: 2, max_age: 11}", 0,
     "demo.session_age_bands[0]: no vaccine is given at ages 2-11; expected a band within one "
     "vaccine's min_age and max_age"),
    ("    - {min_age: 45, max_age: null}", "    - {min_age: 45}", 0,
     "demo.session_age_bands[3]: missing required key 'max_age'"),
], ids=["max-below-min", "overlap", "no-vaccine", "max-missing"])
def test_wrong_bands_are_refused_with_file_and_line(runner, broken, old, new, offset,  # noqa: F811
                                                    message):
    line = broken.edit(old, new)
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines == [f"{broken.yaml}:{line + offset}: {message}"]
