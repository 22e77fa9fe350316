"""`cowin-kit profile validate`: every shipped profile is valid; broken copies fail with the
right file:line and a message naming the field, the bad value and what was expected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cowin_kit.profiles.cli import profile_group

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
SHIPPED = sorted(p.parent.name for p in PROFILES.glob("*/profile.yaml"))


def test_the_ten_countries_are_shipped():
    assert {"in", "vn", "pe", "mx", "iq", "do", "pa", "ua", "ng", "ug"} <= set(SHIPPED)


@pytest.mark.parametrize("code", SHIPPED)
def test_shipped_profile_validates(runner, code):
    result = runner.invoke(profile_group, ["validate", str(PROFILES / code)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


@pytest.mark.parametrize("code", SHIPPED)
def test_shipped_profile_loads(code):
    from cowin_kit.profiles import load_profile

    profile = load_profile(code, PROFILES)
    assert profile.alpha2.lower() == code
    assert profile.default_locale in profile.locale_ids
    assert profile.vaccines and profile.schedules and profile.id_documents
    for doc in profile.id_documents:  # every example is valid under its own rules
        if doc.example:
            doc.validate(doc.example)


@pytest.fixture
def broken(tmp_path):
    """Copy India's profile; ``edit(old, new)`` changes profile.yaml and returns the line."""
    folder = tmp_path / "xx"
    shutil.copytree(PROFILES / "in", folder)
    yaml_path = folder / "profile.yaml"

    class Broken:
        path = folder

        def edit(self, old: str, new: str, file: str = "profile.yaml") -> int:
            target = folder / file
            text = target.read_text(encoding="utf-8")
            assert text.count(old) >= 1, old
            index = text.index(old)
            target.write_text(text[:index] + new + text[index + len(old):], encoding="utf-8")
            return text[:index].count("\n") + 1 + new[:new.find(new.strip()[:1])].count("\n")

    Broken.yaml = yaml_path
    return Broken()


def run(runner, folder):
    result = runner.invoke(profile_group, ["validate", str(folder)])
    return result.exit_code, result.stdout.strip().splitlines()


def test_wrong_type_reports_field_value_and_expectation(runner, broken):
    line = broken.edit("beneficiaries_per_mobile: 4", "beneficiaries_per_mobile: four")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines == [f"{broken.yaml}:{line}: booking.beneficiaries_per_mobile: got 'four'; "
                     "expected a whole number >= 1 and <= 100"]


def test_unknown_vaccine_in_a_schedule(runner, broken):
    line = broken.edit("  - vaccine: sputnik_v\n", "  - vaccine: sputnik_vi\n")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert len(lines) == 2
    assert lines[1].startswith(f"{broken.yaml}:{line}: schedules[2].vaccine: unknown vaccine "
                               "'sputnik_vi'; expected one of: ")
    assert "covishield" in lines[1]
    # …and the product it meant is now in no schedule.
    assert lines[0].endswith(": vaccines[2].id: vaccine 'sputnik_v' is in no schedule or "
                             "booster; expected a schedules entry or a booster listing it "
                             "(or remove it)")


def test_unknown_booster_product(runner, broken):
    line = broken.edit("      - {from: 2022-08-12, products: [covishield, corbevax]}",
                       "      - {from: 2022-08-12, products: [covishield, novavax]}")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines[0].startswith(f"{broken.yaml}:{line}: boosters[0].rules[2].products[1]: "
                               "unknown vaccine 'novavax'")


def test_bad_duration(runner, broken):
    line = broken.edit("{min: P21D, max: P90D}", "{min: P21D, max: 90 days}")
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines == [f"{broken.yaml}:{line}: schedules[2].intervals[0].max: got '90 days'; "
                     "expected an ISO 8601 duration like P28D, P12W, P6M or PT2H"]


def test_unknown_key_bad_regex_unknown_locale_and_missing_default_language(runner, broken):
    key_line = broken.edit("    manufacturer: Bharat Biotech\n",
                           "    manufacturer: Bharat Biotech\n    colour: blue\n") + 1
    regex_line = broken.edit("format: '^[A-Z][0-9]{7}$'", "format: '^[A-Z][0-9]{7$('")
    locale_line = broken.edit("    - {id: hi_IN, direction: ltr, digits: latn}",
                              "    - {id: zz_QQ, direction: ltr, digits: latn}")
    label_line = broken.edit("{code: M, labels: {en: Male, hi: पुरुष}}",
                             "{code: M, labels: {hi: पुरुष}}")
    code, lines = run(runner, broken.path)
    assert code == 1
    text = "\n".join(lines)
    assert f"{broken.yaml}:{key_line}: vaccines[1].colour: unknown key 'colour'; expected one " \
           "of: id, name" in text
    assert f"{broken.yaml}:{regex_line}: identity_documents[3].format: got '^[A-Z][0-9]{{7$('; " \
           "expected a valid regular expression" in text
    assert f"{broken.yaml}:{locale_line}: languages.supported[1].id: Babel does not know locale " \
           "'zz_QQ'" in text
    assert f"{broken.yaml}:{label_line}: genders[0].labels: no text for the default language " \
           "'en'" in text


def test_interval_count_overlapping_rules_and_min_above_max(runner, broken):
    count_line = broken.edit("    doses: 2                           # component I",
                             "    doses: 3                           # component I")
    overlap_line = broken.edit("      - {from: 2022-04-10, until: 2022-07-05, min_interval: P39W}",
                               "      - {from: 2022-04-01, until: 2022-07-05, min_interval: P39W}")
    minmax_line = broken.edit("{min: P28D, max: P42D}\n", "{min: P42D, max: P28D}\n")
    code, lines = run(runner, broken.path)
    assert code == 1
    text = "\n".join(lines)
    assert f":{count_line + 1}: schedules[2].intervals: 1 interval(s) for 3 doses; expected 2" \
        in text
    assert f":{overlap_line}: boosters[0].rules[1].from: booster rule from 2022-04-01 overlaps" \
        in text
    assert f":{minmax_line}: schedules[1].intervals[0].max: P28D is shorter than min P42D" in text


def test_bad_document_example_and_unknown_check(runner, broken):
    example_line = broken.edit('example: "234123412346"', 'example: "234123412345"')
    check_line = broken.edit("check: stdnum:in_.pan", "check: stdnum:in_.pann")
    encodes_line = broken.edit("    encodes: []", "    encodes: [sex]")
    code, lines = run(runner, broken.path)
    assert code == 1
    text = "\n".join(lines)
    assert f":{example_line}: identity_documents[0].example: '234123412345' fails the " \
           "document's own rules (The check digit is wrong" in text
    assert f":{check_line}: identity_documents[2].check: python-stdnum has no module " \
           "'in_.pann'" in text
    assert f":{encodes_line}: identity_documents[0].encodes: check 'stdnum:in_.aadhaar' does " \
           "not decode sex; expected a subset of []" in text


def test_yaml_syntax_error_and_duplicate_key(runner, broken):
    line = broken.edit("  currency: INR\n", "  currency: INR\n  currency: USD\n") + 1
    code, lines = run(runner, broken.path)
    assert code == 1
    assert lines[0].startswith(f"{broken.yaml}:{line}: country.currency: duplicate key")
    broken.edit("  alpha3: IND\n", "  alpha3: [IND\n")
    code, lines = run(runner, broken.path)
    assert code == 1 and len(lines) == 1 and "not valid YAML" in lines[0]


def test_areas_dangling_parent_duplicate_code_and_level_order(runner, broken):
    csv_path = broken.path / "areas.csv"
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    dangling = next(i for i, r in enumerate(rows) if r.startswith("IN-MH-PUN,")) + 1
    rows[dangling - 1] = rows[dangling - 1].replace(",IN-MH,", ",IN-MX,")
    rows.append(rows[1])  # a duplicate of the first state
    rows.append("IN-MH-X1,IN-MH,block,एक्स,X,एक्स,,,")  # a block directly under a state
    rows.append("IN-ZZ,,state,ज़ेड,Z,ज़ेड,IN_ZZ,Mars/Base,2021-13-01")
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, lines = run(runner, broken.path)
    assert code == 1
    n = len(rows)
    assert lines[0] == (f"{csv_path}:{dangling}: parent_code: unknown parent 'IN-MX' for "
                        "'IN-MH-PUN'; expected the code of an area listed earlier in the file "
                        "(or already imported)")
    assert lines[1].startswith(f"{csv_path}:{n - 2}: code: duplicate code 'IN-AN' (first on "
                               "line 2)")
    assert lines[2] == (f"{csv_path}:{n - 1}: level: 'IN-MH-X1' is a 'block' but its parent "
                        "'IN-MH' is a 'state'; expected level 'district'")
    assert [line.split(": ")[1] for line in lines[3:]] == ["iso_code", "timezone",
                                                           "effective_date"]
    assert all(line.startswith(f"{csv_path}:{n}:") for line in lines[3:])


def test_validate_several_paths_and_unknown_code(runner, broken):
    broken.edit("beneficiaries_per_mobile: 4", "beneficiaries_per_mobile: 0")
    result = runner.invoke(profile_group, ["validate", str(PROFILES / "in"), str(broken.path),
                                           "nosuch"])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "booking.beneficiaries_per_mobile: got 0" in lines[0]
    assert lines[1].startswith("nosuch:1: country profile 'nosuch' not found")


def test_an_instance_refuses_a_broken_profile_with_file_and_line(broken):
    from cowin_kit.profiles import ProfileError, load_profile

    line = broken.edit("beneficiaries_per_mobile: 4", "beneficiaries_per_mobile: many")
    with pytest.raises(ProfileError) as info:
        load_profile(str(broken.path), PROFILES)
    assert f"profile.yaml:{line}: booking.beneficiaries_per_mobile" in str(info.value)


def test_list_and_show(runner):
    result = runner.invoke(profile_group, ["list"])
    assert result.exit_code == 0
    assert "in\tIndia\ten_IN, hi_IN" in result.stdout.splitlines()
    result = runner.invoke(profile_group, ["show", "in"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("India (IN / IND)")
    assert "areas.csv: 36 state" in out
    assert "covishield     2 dose(s); intervals P84D–P112D" in out
    assert "2021-01-16 to 2021-05-12: P28D–P42D" in out
    assert "Booking: 4 per mobile" in out
    result = runner.invoke(profile_group, ["show", "zz"])
    assert result.exit_code == 1 and "'zz' not found" in result.output


def test_the_documented_worked_example_is_valid(runner, tmp_path):
    doc = (PROFILES.parent / "docs" / "country-profiles.md").read_text(encoding="utf-8")
    start = doc.index("```yaml", doc.index("## Worked example")) + len("```yaml\n")
    folder = tmp_path / "ua"
    folder.mkdir()
    (folder / "profile.yaml").write_text(doc[start:doc.index("```", start)], encoding="utf-8")
    (folder / "areas.csv").write_text(
        "code,parent_code,level,name,iso_code\nUA-32,,oblast,Київська область,UA-32\n"
        "UA-32-01,UA-32,raion,Бучанський район,\n", encoding="utf-8")
    code, lines = run(runner, folder)
    assert (code, lines) == (0, [])


JUNK = ["[", "{a: 1}", "-5", "null", "true", "x", "P-1D", "[1, 2]", "2021-02-30", "''", "{}",
        "[covishield, nosuch]", "99999999999999999999", "'^[('"]


def test_validator_never_crashes_on_mutated_profiles(tmp_path):
    """Any value replaced by junk gives problems or passes; never an exception."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cowin_kit.profiles.validate import validate_folder

    original = (PROFILES / "in" / "profile.yaml").read_text(encoding="utf-8").splitlines()
    candidates = [i for i, line in enumerate(original)
                  if ": " in line and not line.lstrip().startswith("#")]
    folder = tmp_path / "fz"
    shutil.copytree(PROFILES / "in", folder)

    @settings(max_examples=80, deadline=None)
    @given(st.sampled_from(candidates), st.sampled_from(JUNK))
    def mutate(index, junk):
        lines = list(original)
        key = lines[index].split(": ", 1)[0]
        lines[index] = f"{key}: {junk}"
        (folder / "profile.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        _src, problems = validate_folder(folder)
        assert all(p.line >= 1 and p.message for p in problems)

    mutate()


def test_each_load_is_independent():
    from cowin_kit.profiles import load_profile

    first = load_profile("in", PROFILES)
    first.data["booking"]["beneficiaries_per_mobile"] = 99
    first.vaccines.clear()
    second = load_profile("in", PROFILES)
    assert second.data["booking"]["beneficiaries_per_mobile"] == 4 and second.vaccines
