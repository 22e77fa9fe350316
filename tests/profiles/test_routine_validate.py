"""routine.yaml validation: the shipped schedules are valid; a broken copy of India's fails
with the right file:line and a message naming what is wrong and what was expected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cowin_kit.profiles import ProfileError, load_profile
from cowin_kit.profiles.validate import validate_folder

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
WITH_ROUTINE = sorted(p.parent.name for p in PROFILES.glob("*/routine.yaml"))


def test_india_and_others_ship_a_routine_schedule():
    assert {"in", "vn", "ug"} <= set(WITH_ROUTINE)


@pytest.mark.parametrize("code", WITH_ROUTINE)
def test_shipped_routine_schedule_is_valid_and_sourced(code):
    _src, problems = validate_folder(PROFILES / code)
    assert problems == []
    routine = load_profile(code, PROFILES).routine
    assert routine is not None
    assert routine.source["document"] and routine.source["publisher"]
    assert routine.source["edition"] and routine.source["checked"]
    assert any(p.anchor == "birth" and p.kind == "routine" for p in routine.programmes)


@pytest.fixture
def india(tmp_path):
    folder = tmp_path / "xx"
    shutil.copytree(PROFILES / "in", folder)
    return folder


def edit(folder: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in routine.yaml; return the line it is on."""
    path = folder / "routine.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old):], encoding="utf-8")
    return text[:index].count("\n") + 1


def problems_of(folder: Path) -> list[str]:
    return [str(p) for p in validate_folder(folder)[1]]


def only(folder: Path, line: int, *words: str, also: int = 0) -> str:
    """The first problem is at ``line`` and says ``words``; ``also`` consequential ones."""
    found = problems_of(folder)
    assert len(found) == 1 + also, found
    assert found[0].startswith(f"{folder / 'routine.yaml'}:{line}: "), found
    for word in words:
        assert word in found[0], found
    return found[0]


def test_unknown_antigen_in_a_product(india):
    line = edit(india, "antigens: [diphtheria, tetanus, pertussis, hepb, hib]\n",
                "antigens: [diphtheria, tetanus, pertussis, hepb, hibb]\n")
    only(india, line, "products[4].antigens[4]", "unknown antigen 'hibb'", "expected one of",
         also=1)  # and the Hib series' product no longer contains Hib


def test_series_product_without_the_antigen(india):
    line = edit(india, "products: [hepb, penta]", "products: [hepb, opv]")
    only(india, line, "does not contain 'hepb'")


def test_recommended_age_the_minimum_interval_cannot_reach(india):
    line = edit(india, "{name: RVV-2, age: 10w, min_interval: 4w}",
                "{name: RVV-2, age: 10w, min_interval: 6w}")
    only(india, line, "10w comes before the previous dose's age (6w) plus the interval 6w")


def test_minimum_age_after_the_recommended_age(india):
    line = edit(india, "{name: BCG, age: 0d, max_age: 1y}",
                "{name: BCG, age: 0d, min_age: 2w, max_age: 1y}")
    only(india, line, "doses[0].age: 0d is before min_age 2w")


def test_catch_up_limit_before_the_recommended_age(india):
    line = edit(india, "{name: OPV-3, age: 14w, min_interval: 4w}",
                "{name: OPV-3, age: 14w, min_interval: 4w, max_age: 10w}")
    only(india, line, "max_age 10w is not after the recommended age 14w")


def test_a_first_dose_with_an_interval(india):
    line = edit(india, "{name: BCG, age: 0d, max_age: 1y}",
                "{name: BCG, age: 0d, max_age: 1y, min_interval: 4w}")
    only(india, line, "first dose of a series has no previous dose")


def test_not_a_duration(india):
    line = edit(india, "{name: RVV-1, age: 6w}", "{name: RVV-1, age: 6 weeks}")
    only(india, line, "got '6 weeks'", '"6w", "9m", "16y"')


def test_duplicate_product(india):
    line = edit(india, "{id: je, name: JE (live", "{id: mr, name: JE (live")
    only(india, line, "duplicate product id 'mr'", also=1)  # and JE has no product left


def test_recent_doses_only_in_pregnancy(india):
    line = edit(india, "    anchor: pregnancy\n", "    anchor: birth\n")
    found = problems_of(india)
    assert len(found) == 2 and all("expected anchor: pregnancy" in p for p in found), found
    assert found[0].startswith(f"{india / 'routine.yaml'}:{line + 8}: ")


def test_a_campaign_needs_its_dates(india):
    name = "    name: UIP - Japanese encephalitis (endemic districts)\n"
    line = edit(india, name + "    kind: routine", name + "    kind: campaign")
    only(india, line - 1, "a campaign needs the day it starts")


def test_antigen_in_no_product(india):
    line = edit(india, "  - {id: je, name: Japanese encephalitis, icd11: 1C85}\n",
                "  - {id: je, name: Japanese encephalitis, icd11: 1C85}\n  - {id: yf, name: Yellow fever}\n")
    only(india, line + 1, "antigen 'yf' is in no product")


def test_an_instance_will_not_start_with_a_broken_schedule(india):
    edit(india, "antigens: [bcg]", "antigens: [bcgg]")
    with pytest.raises(ProfileError, match=r"routine.yaml:\d+: products\[0\].antigens\[0\]"):
        load_profile(str(india), india.parent)


def test_the_schedule_is_optional(india):
    (india / "routine.yaml").unlink()
    assert problems_of(india) == []
    assert load_profile(str(india), india.parent).routine is None


def test_counts_earlier_doses_only_in_pregnancy(india):
    line = edit(india, "    name: UIP - infants and children\n",
                "    name: UIP - infants and children\n    counts_earlier_doses: true\n")
    only(india, line + 1, "only pregnancy programmes count doses from before")


def test_the_documented_example_is_valid(india):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "routine-immunisation.md").read_text()
    example = doc.split("## Example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (india / "routine.yaml").write_text(example, encoding="utf-8")
    assert problems_of(india) == []
    routine = load_profile(str(india), india.parent).routine
    assert [p.id for p in routine.programmes] == ["children", "pregnancy"]


def test_a_skipped_dose_needs_its_limit(india):
    line = edit(india, "{name: Hep B birth dose, age: 0d, max_age: 2d, if_missed: skip}",
                "{name: Hep B birth dose, age: 0d, if_missed: skip}")
    only(india, line, "if_missed: a dose skipped when missed needs", "expected a max_age")


def test_overdue_after_the_catch_up_limit(india):
    line = edit(india, "{name: BCG, age: 0d, max_age: 1y}",
                "{name: BCG, age: 0d, late_age: 2y, max_age: 1y}")
    only(india, line, "late_age: 2y is after max_age 1y")


def test_dates_only_on_a_campaign(india):
    line = edit(india, "    name: UIP - infants and children\n",
                "    name: UIP - infants and children\n    from: 2026-01-01\n")
    only(india, line + 1, "programmes[0].from: only a campaign runs between dates")


def test_a_dose_offers_only_products_with_its_antigen(india):
    line = edit(india, "{name: RVV-1, age: 6w}", "{name: RVV-1, age: 6w, products: [rvv, opv]}")
    only(india, line, "doses[0].products[1]: product 'opv' does not contain 'rota'")


@pytest.mark.parametrize("bad", ["[6, w]", "{w: 6}", "6", "w6", "-6w", "6W", "''"])
def test_ages_that_are_not_durations(india, bad):
    line = edit(india, "{name: RVV-1, age: 6w}", f"{{name: RVV-1, age: {bad}}}")
    only(india, line, "doses[0].age: got", "expected a duration like")


def test_profile_show_summarises_the_routine_schedule(runner):
    from cowin_kit.profiles.cli import profile_group

    result = runner.invoke(profile_group, ["show", "in"])
    assert result.exit_code == 0, result.output
    assert "Routine immunisation: National Immunization Schedule (NIS)" in result.output
    assert "uip_pregnancy (routine, by pregnancy): tetanus ×2, diphtheria ×2" in result.output


def test_fully_immunised_names_a_dose_the_schedule_has(india):
    line = edit(india, "fully_immunised: [bcg:1, hib:3,", "fully_immunised: [bcg:2, hib:3,")
    only(india, line, "fully_immunised[0]", "'bcg:2' is not a dose", "bcg:1..1")
    edit(india, "bcg:2", "bcg:1")
    line = edit(india, "fully_immunised: [bcg:1, hib:3,", "fully_immunised: [xyz:1, hib:3,")
    only(india, line, "'xyz:1' is not a dose")


def test_dropout_pairs_are_two_doses_in_the_right_form(india):
    line = edit(india, "dropout: [[hib:1, hib:3],", "dropout: [[hib:1],")
    only(india, line, "dropout[0]", "at least 2")
    line = edit(india, "dropout: [[hib:1],", "dropout: [[hib:1, hib:2, hib:3],")
    only(india, line, "dropout[0]", "3 doses; expected two")
    edit(india, "dropout: [[hib:1, hib:2, hib:3],", "dropout: [[hib:1, hib:3],")
    line = edit(india, "[measles:1, measles:2]]", "[measles:1, mr2]]")
    only(india, line, "antigen:dose number")


def test_profile_data_reaches_the_typed_schedule():
    routine = load_profile("in", PROFILES).routine
    assert routine.fully_immunised == (("bcg", 1), ("hib", 3), ("opv", 4), ("measles", 1))
    assert routine.dropout == ((("hib", 1), ("hib", 3)), (("measles", 1), ("measles", 2)))
    viet_nam = load_profile("vn", PROFILES).routine
    assert viet_nam.fully_immunised == (("bcg", 1), ("hib", 3), ("opv", 3), ("measles", 1))
    assert viet_nam.fully_immunised_by == routine.fully_immunised_by  # one year by default
    assert load_profile("pe", PROFILES).routine.fully_immunised_by.years == 2  # SPR at 12m


@pytest.mark.parametrize("code", WITH_ROUTINE)
def test_every_shipped_schedule_defines_fic_and_dropout_with_its_source(code):
    """WHO/UNICEF: BCG, DTP-containing 3, polio 3, measles-containing 1; Penta1 -> Penta3."""
    routine = load_profile(code, PROFILES).routine
    antigens = {a for a, _n in routine.fully_immunised}
    assert "bcg" in antigens and "measles" in antigens
    assert antigens & {"opv", "polio"} and antigens & {"hib", "diphtheria"}
    assert routine.dropout and routine.dropout[0][0][1] == 1 and routine.dropout[0][1][1] == 3
    text = (PROFILES / code / "routine.yaml").read_text(encoding="utf-8")
    comment = text[:text.index("\nfully_immunised:")].rsplit("\n\n", 1)[-1]
    assert "WHO" in comment or "UIP" in comment  # the definition's source is said


def test_live_vaccines_need_their_spacing_and_catch_up_only_from_birth(india):
    line = edit(india, "live_spacing: 4w\n", "")
    line = edit(india, "antigens: [measles, rubella], live: true", "antigens: [measles, rubella], live: true")
    only(india, line, "products[9].live", "expected live_spacing")
    edit(india, "overdue_after: 4w ", "live_spacing: 4w\noverdue_after: 4w ")
    assert problems_of(india) == []
    text = (india / "routine.yaml").read_text(encoding="utf-8").replace(", live: true", "")
    (india / "routine.yaml").write_text(text, encoding="utf-8")
    assert any("no product is marked live" in p for p in problems_of(india))
    line = edit(india, "      - antigen: tetanus\n        products: [td]\n        max_age: 40w\n",
                "      - antigen: tetanus\n        products: [td]\n        max_age: 40w\n"
                "        catch_up: [{from: 1y, doses: [{name: x, age: 1y}]}]\n")
    assert any(f":{line + 3}: " in p and "only programmes from birth start late" in p
               for p in problems_of(india)), problems_of(india)


def test_fic_doses_must_be_due_before_fully_immunised_by(tmp_path):
    """Peru's SPR 1 is at 12 months: without fully_immunised_by 2y no child could count."""
    folder = tmp_path / "pe"
    shutil.copytree(PROFILES / "pe", folder)
    line = edit(folder, "fully_immunised_by: 2y\n", "")
    line = edit(folder, "fully_immunised: [", "fully_immunised: [")
    only(folder, line, "fully_immunised[3]", "'measles:1' (SPR 1) is recommended at 12m",
         "expected fully_immunised_by after it")
    edit(folder, "fully_immunised: [", "fully_immunised_by: 13m\nfully_immunised: [")
    assert problems_of(folder) == []
