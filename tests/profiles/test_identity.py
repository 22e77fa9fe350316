"""Identity documents through `cowin-kit profile check-id` (real numbers, shipped profiles)
and the named check algorithms, masks, keyed hashes and phones."""

from __future__ import annotations

import datetime as dt

import pytest

from cowin_kit.profiles.cli import profile_group
from cowin_kit.profiles.identity import IdDocument, InvalidIdDocument, id_hash


def check_id(runner, *args):
    result = runner.invoke(profile_group, ["check-id", *args])
    return result.exit_code, result.stdout.strip()


@pytest.mark.parametrize("cc, doc, number, shown", [
    ("in", "aadhaar", "2341 2341 2346", "valid: 234123412346 (shown as XXXX XXXX 2346)"),
    ("in", "epic", "wkh1186253", "valid: WKH1186253"),
    ("in", "pan", "ACUPA7085R", "valid: ACUPA7085R"),
    ("mx", "curp", "BOXW310820HNERXN09", "encodes birth date 1931-08-20, sex M"),
    ("do", "cedula", "001-1391820-5", "valid: 00113918205"),
    ("ua", "rnokpp", "3000000008", "encodes birth date 1982-02-19, sex F"),
    ("pe", "dni", "10117410-2", "valid: 101174102"),
    ("pe", "dni", "10117410G", "valid: 10117410G"),
    ("vn", "cccd", "001 090 123456", "encodes birth year 1990, sex M"),
    ("vn", "cccd", "079303000123", "encodes birth year 2003, sex F"),
])
def test_valid_numbers(runner, cc, doc, number, shown):
    code, out = check_id(runner, "--profile", cc, doc, number)
    assert code == 0, out
    assert out.startswith("valid: ") and shown in out
    assert number.replace(" ", "") not in out.split("shown as")[1]  # the mask hides it


@pytest.mark.parametrize("cc, doc, number, reason", [
    ("in", "aadhaar", "234123412345", "check digit is wrong"),
    ("in", "aadhaar", "134123412346", "not in the expected format"),
    ("in", "epic", "WKH1186263", "check digit is wrong"),
    ("mx", "curp", "BOXW310820HNERXN08", "check digit is wrong"),
    ("do", "cedula", "00113918204", "check digit is wrong"),
    ("ua", "rnokpp", "3000000007", "check digit is wrong"),
    ("pe", "dni", "10117410-3", "check digit is wrong"),
    ("vn", "cccd", "001590123456", "birth date this number encodes is impossible"),
    ("vn", "cccd", "099090123456", "A part of the number is not valid"),
    ("vn", "cccd", "00109012345", "not in the expected format"),
])
def test_invalid_numbers_say_why(runner, cc, doc, number, reason):
    code, out = check_id(runner, "--profile", cc, doc, number)
    assert code == 1
    assert out.startswith("invalid: ") and reason in out


def test_encoded_birth_date_and_sex_are_cross_checked(runner):
    ok = ["--profile", "mx", "--birth-date", "1931-08-20", "--gender", "M", "curp",
          "BOXW310820HNERXN09"]
    assert check_id(runner, *ok)[0] == 0
    code, out = check_id(runner, "--profile", "mx", "--gender", "F", "curp", "BOXW310820HNERXN09")
    assert code == 1 and "does not match the gender" in out
    code, out = check_id(runner, "--profile", "ua", "--birth-year", "1983", "rnokpp", "3000000008")
    assert code == 1 and "born in 1982" in out
    code, out = check_id(runner, "--profile", "ua", "--birth-date", "1982-02-20", "rnokpp",
                         "3000000008")
    assert code == 1 and "born on 1982-02-19" in out
    code, out = check_id(runner, "--profile", "vn", "--birth-year", "1991", "cccd", "001090123456")
    assert code == 1 and "born in 1990" in out


def test_unknown_document_and_profile(runner):
    code, out = check_id(runner, "--profile", "in", "ration_card", "123")
    assert code == 1 and "unknown document 'ration_card'" in out and "aadhaar" in out
    result = runner.invoke(profile_group, ["check-id", "--profile", "zz", "x", "1"])
    assert result.exit_code == 1 and "'zz' not found" in result.output


def doc(check, fmt=".+", encodes=(), **kw) -> IdDocument:
    return IdDocument(labels={"en": "Test"}, id="t", format=fmt, check=check,
                      encodes=tuple(encodes), **kw)


@pytest.mark.parametrize("check, good, bad", [
    ("luhn", "79927398713", "79927398710"),
    ("verhoeff", "2363", "2364"),
    ("icao_731", "L898902C36", "L898902C37"),
    ("icao_731", "7408122", "7408123"),
    ({"name": "mod11_weighted", "weights": [-1, 5, 7, 9, 4, 6, 10, 5, 7]}, "3000000008",
     "3000000009"),
    ({"name": "mod11_weighted", "weights": [2, 3, 4], "complement": True}, "1232", "1236"),
    ("stdnum:do.cedula", "00113918205", "00113918204"),
    ("stdnum:pe.cui", "101174102", "101174103"),
])
def test_named_checks(check, good, bad):
    assert doc(check).validate(good).normalized == good
    with pytest.raises(InvalidIdDocument) as info:
        doc(check).validate(bad)
    assert info.value.code == "INVALID_ID_DOCUMENT" and info.value.status == 422
    assert "check digit" in info.value.text()


def test_rnokpp_decodes_and_rejects_impossible_dates():
    checked = doc("rnokpp", encodes=("birth_date", "sex")).validate("3000000008")
    assert checked.birth_date == dt.date(1899, 12, 31) + dt.timedelta(days=30000)
    assert checked.gender == "F" and checked.birth_year == 1982
    with pytest.raises(InvalidIdDocument) as info:
        doc("rnokpp").validate("0000000000")  # check digit right, day 0 impossible
    assert "impossible" in info.value.text()


def test_cccd_century_digit_and_own_province_codes():
    cccd = doc({"name": "cccd", "province_codes": ["001", "079"]}, encodes=("birth_year", "sex"))
    assert cccd.validate("079203000123").birth_year == 2003
    assert cccd.validate("079203000123").gender == "M"
    assert cccd.validate("001190123456").gender == "F"
    with pytest.raises(InvalidIdDocument):
        cccd.validate("002090123456")  # not a listed province


def test_what_a_document_does_not_declare_is_not_returned():
    checked = doc("curp").validate("BOXW310820HNERXN09", gender="F")  # not cross-checked
    assert checked.birth_date is None and checked.gender is None


def test_masks():
    assert doc("none", keep_last=4, group=4).mask("234123412346") == "XXXX XXXX 2346"
    assert doc("none", keep_first=2, keep_last=4, group=None).mask("MH1220110012345") == \
        "MHXXXXXXXXX2345"
    assert doc("none", keep_last=4, group=None).mask("123") == "123"


def test_id_hash_is_keyed_and_specific():
    one = id_hash("aadhaar", "234123412346", "key-1")
    assert one == id_hash("aadhaar", "234123412346", "key-1")
    assert len(one) == 64 and "234123412346" not in one
    assert one != id_hash("aadhaar", "234123412346", "key-2")
    assert one != id_hash("pan", "234123412346", "key-1")


def test_profile_lookup_raises_not_found(app):
    from cowin_kit.core.errors import NotFound
    from cowin_kit.profiles import get_profile

    profile = get_profile()
    assert profile.id_document("aadhaar").label("hi") == "आधार कार्ड"
    assert profile.id_document("aadhaar").label("ta") == "Aadhaar Card"  # falls back
    with pytest.raises(NotFound):
        profile.id_document("nope")
    with pytest.raises(NotFound):
        profile.vaccine("nope")


def test_phones(app):
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.phones import (InvalidMobile, mask_mobile, national_number,
                                           normalize_mobile)

    profile = get_profile()
    assert normalize_mobile(profile, "98765 43210") == "+919876543210"
    assert normalize_mobile(profile, "+91-9876543210") == "+919876543210"
    assert national_number("+919876543210") == "9876543210"
    assert mask_mobile("+919876543210") == "******3210"
    for bad in ("12345", "011 2345 6789", "+1 202 555 0100", ""):
        with pytest.raises(InvalidMobile) as info:
            normalize_mobile(profile, bad)
        assert info.value.code == "INVALID_MOBILE" and info.value.status == 422


def _shipped_examples():
    from pathlib import Path

    from cowin_kit.profiles import list_profiles, load_profile

    folder = Path(__file__).resolve().parents[2] / "country_profiles"
    for code in list_profiles(folder):
        for raw in load_profile(code, folder).data.get("identity_documents") or ():
            if raw.get("example"):
                yield pytest.param(code, raw["id"], raw["example"], 0,
                                   id=f"{code}-{raw['id']}-valid")
            for index, bad in enumerate(raw.get("examples_invalid") or ()):
                yield pytest.param(code, raw["id"], bad, 1, id=f"{code}-{raw['id']}-bad{index}")


@pytest.mark.parametrize("cc, doc, number, status", list(_shipped_examples()))
def test_every_profile_documents_examples_through_check_id(runner, cc, doc, number, status):
    code, out = check_id(runner, "--profile", cc, doc, number)
    assert code == status, out
    assert out.startswith("valid: " if status == 0 else "invalid: ")
