"""Offline desk (issue #22): walk-ins, AEFI and eligibility on the device. The pack carries the
profile's rules as data (identity document checks by generic algorithm name, the eligibility
rules in force on the day, AEFI codes); the device's checks (static/desk-id-checks.js and
desk-offline-forms.js, run here in Node) give the server's answers; the server still refuses what bypassed the device."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from cowin_kit import vaccination
from cowin_kit.profiles import load_profile
from cowin_kit.profiles.device_rules import day_rules, id_rule
from cowin_kit.profiles.identity import InvalidIdDocument
from cowin_kit.profiles.schedule import DoseGiven, NotEligibleError, Person, check_dose
from cowin_kit.registration.models import Beneficiary
from cowin_kit.vaccination import aefi
from cowin_kit.vaccination.models import AefiReport, DeskSyncEvent
from tests.operations.conftest import make_appointment, make_person, make_session, sign_in
from tests.operations.test_offline_desk import PACK, aadhaar, count, now_iso, sync

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"
STATIC = Path(vaccination.__file__).parent / "static"
# The ID-document checks are in desk-id-checks.js, eligibility in desk-offline-forms.js.
ID_CHECKS = {"checkId", "normalizeId", "asciiDigits"}
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js runs the device's checks")


def run_js(function: str, cases: list) -> list:
    """Call ``function`` of desk-id-checks.js or desk-offline-forms.js on each case (a list of
    arguments)."""
    script_file = STATIC / ("desk-id-checks.js" if function in ID_CHECKS else "desk-offline-forms.js")
    script = ("const forms = require(process.argv[1]); let input = '';"
              "process.stdin.on('data', d => input += d); process.stdin.on('end', () => {"
              f"console.log(JSON.stringify(JSON.parse(input).map(a => forms.{function}(...a))));"
              "});")
    done = subprocess.run([NODE, "-e", script, str(script_file)], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


# The pack -------------------------------------------------------------------------------------

def test_pack_carries_the_rules_the_device_checks(client, db, world):
    make_session(db, world.facilities["FA"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    device = client.get(PACK).get_json()["device"]
    docs = {d["id"]: d for d in device["id_documents"]}
    assert docs["aadhaar"]["check"] == {"algorithm": "verhoeff"}  # stdnum:in_.aadhaar
    assert docs["aadhaar"]["format"] == "^[2-9][0-9]{11}$" and docs["aadhaar"]["label"]
    assert docs["epic"]["check"] == {"algorithm": "luhn", "skip": 3}
    assert docs["passport"]["check"] == {"algorithm": "none"}
    assert {g["code"] for g in device["genders"]} == {"M", "F", "O"}
    assert device["birth"] == "year"
    rules = device["eligibility"]
    covishield = next(s for s in rules["schedules"] if s["vaccine"] == "covishield")
    assert covishield["min_intervals"] == [{"years": 0, "months": 0, "days": 84}]
    assert rules["age_on"] == "year_end" and rules["min_age"] == 12
    assert {v["id"] for v in rules["vaccines"]} >= {"covishield", "covaxin"}
    assert [c["code"] for c in device["aefi"]["symptoms"]] == list(aefi.SYMPTOMS)
    assert [c["code"] for c in device["aefi"]["severities"]] == list(aefi.SEVERITIES)


def test_pack_labels_are_in_the_vaccinators_language(client, db, world):
    sign_in(client, world.staff["vaccinator"])
    device = client.get(PACK, headers={"Accept-Language": "hi-IN"}).get_json()["device"]
    assert {g["code"]: g["label"] for g in device["genders"]}["F"] == "महिला"
    assert device["id_documents"][0]["label"] == "आधार कार्ड"
    refresh()  # the tests' app context outlives a request: forget its language
    english = client.get(PACK + "?lang=en_IN").get_json()["device"]
    assert english["id_documents"][0]["label"] == "Aadhaar Card"


def test_day_rules_take_the_dated_rule_in_force(app):
    profile = load_profile("in", PROFILES)
    interval = lambda day: next(s for s in day_rules(profile, day)["schedules"]  # noqa: E731
                                if s["vaccine"] == "covishield")["min_intervals"][0]["days"]
    assert interval(dt.date(2021, 4, 1)) == 28 and interval(dt.date(2021, 6, 1)) == 84
    boosters = lambda day: day_rules(profile, day)["boosters"][0]["terms"]  # noqa: E731
    assert boosters(dt.date(2021, 12, 1)) is None  # not open yet
    early = boosters(dt.date(2022, 2, 1))
    assert early["min_age"] == 60 and early["groups"] == ["health_worker", "frontline_worker"]
    assert early["min_interval"] == {"years": 0, "months": 0, "days": 273}
    assert boosters(dt.date(2022, 9, 1))["products"] == ["covishield", "corbevax"]


# The device's checks agree with the server's -------------------------------------------------

def _id_cases(rng: random.Random):
    """(rule, number, server accepts) for every profile's documents: the examples, the invalid
    examples and one-character changes of the examples."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for code in sorted(p.name for p in PROFILES.iterdir() if (p / "profile.yaml").exists()):
        profile = load_profile(code, PROFILES)
        raw_docs = {d["id"]: d for d in profile.data["identity_documents"]}
        for doc in profile.id_documents:
            numbers = [doc.example, *raw_docs[doc.id].get("examples_invalid", [])]
            if doc.example:
                clean = doc.normalize(doc.example)
                for _ in range(40):
                    at = rng.randrange(len(clean))
                    numbers.append(clean[:at] + rng.choice(alphabet) + clean[at + 1:])
            rule = id_rule(doc, "en")
            for number in filter(None, numbers):
                try:
                    doc.validate(number)
                    accepted = True
                except InvalidIdDocument:
                    accepted = False
                yield rule, number, accepted


@needs_node
def test_device_id_checks_match_the_server(app):
    cases = list(_id_cases(random.Random(22)))
    answers = run_js("checkId", [[rule, number] for rule, number, _ok in cases])
    checked, caught = 0, {}
    for (rule, number, accepted), answer in zip(cases, answers):
        if accepted:  # never stricter than the server
            assert answer["ok"], (rule["id"], number, answer)
        elif rule["complete"]:  # and as strict where it runs the whole check
            assert not answer["ok"], (rule["id"], number)
            checked += 1
        elif rule["check"]["algorithm"] != "none":  # a partial check still catches most typos
            seen = caught.setdefault(rule["id"], [0, 0])
            seen[0] += not answer["ok"]
            seen[1] += 1
    assert checked > 100
    assert caught and all(refused >= 0.8 * total for refused, total in caught.values()), caught
    # Aadhaar: a typing error in the check digit is named as such.
    assert run_js("checkId", [[id_rule(load_profile("in", PROFILES).id_document("aadhaar"),
                                       "en"), "2341 2341 2345"]]) == [
        {"ok": False, "reason": "check"}]


def _eligibility_cases(profile, rng: random.Random):
    """(day, person, history, vaccine) covering first doses, second doses and boosters."""
    days = [dt.date(2021, 3, 15), dt.date(2021, 5, 1), dt.date(2021, 8, 1),
            dt.date(2022, 2, 1), dt.date(2022, 5, 1), dt.date(2022, 9, 1), dt.date(2023, 3, 1)]
    products = [v.id for v in profile.vaccines]
    for _ in range(400):
        day = rng.choice(days)
        groups = tuple(rng.sample(["health_worker", "comorbidity"], rng.randint(0, 1)))
        person = Person(birth_year=day.year - rng.choice([10, 13, 16, 20, 50, 65]), groups=groups)
        history, when = [], day
        first = rng.choice(products)
        for number in range(1, rng.randint(0, 3) + 1):
            when -= dt.timedelta(days=rng.choice([10, 30, 60, 100, 200, 300]))
            history.insert(0, (first if number < 3 else rng.choice(products), when))
        history = [DoseGiven(v, n, d, is_booster=n > 2) for n, (v, d) in enumerate(history, 1)]
        yield day, person, history, rng.choice(products)


@needs_node
def test_device_eligibility_matches_the_schedule_engine(app):
    profile = load_profile("in", PROFILES)
    cases, expected = [], []
    for day, person, history, vaccine in _eligibility_cases(profile, random.Random(7)):
        try:
            check_dose(profile, person, history, vaccine, day)
            expected.append(None)
        except NotEligibleError as exc:
            expected.append(exc.code)
        cases.append([day_rules(profile, day), {"birth_year": person.birth_year,
                                                 "groups": list(person.groups)},
                      [{"vaccine": d.vaccine, "dose_number": d.dose_number,
                        "date": d.date.isoformat(), "is_booster": d.is_booster}
                       for d in history], vaccine, None])
    answers = run_js("refusal", cases)
    for case, want, got in zip(cases, expected, answers):
        assert (got is None) == (want is None), (case, want, got)
        if want in ("TOO_EARLY", "PRODUCT_NOT_ALLOWED", "SERIES_COMPLETE"):
            assert got["code"] == want, (case, want, got)
    assert sum(w is None for w in expected) > 40 and sum(w == "TOO_EARLY" for w in expected) > 20


@needs_node
def test_device_reads_other_scripts_digits_as_the_online_forms(client, db, world):
    from cowin_kit.web.requests import ASCII_DIGITS

    sign_in(client, world.staff["vaccinator"])
    zeros = client.get(PACK).get_json()["device"]["digit_zeros"]
    typed = ["२३४१ २३४१ २३४६", "٢٣٤١٢٣٤١٢٣٤٦", "۱۹۸۵", "WKH1186253"]
    assert run_js("asciiDigits", [[text, zeros] for text in typed]) == [
        text.translate(ASCII_DIGITS) for text in typed]


@needs_node
def test_device_adds_calendar_durations_as_the_server(app):
    cases = [["2021-01-31", {"years": 0, "months": 1, "days": 0}],
             ["2020-02-29", {"years": 1, "months": 0, "days": 0}],
             ["2021-12-15", {"years": 0, "months": 0, "days": 84}],
             ["2021-08-31", {"years": 0, "months": 6, "days": 3}]]
    assert run_js("addDuration", cases) == ["2021-02-28", "2021-02-28", "2022-03-09",
                                            "2022-03-03"]


# Sync: the server checks again ---------------------------------------------------------------

def walk_in_event(number: str, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "kind": "walk_in", "name": "Ravi Kumar",
            "birth_year": 1985, "gender": "M", "id_doc_type": "aadhaar", "id_number": number,
            "vaccine": "covishield", "lot": "4120Z025", "administered_at": now_iso(30), **extra}


def test_walk_in_with_a_bad_id_is_refused_on_sync(client, db, world):
    """A walk-in whose ID number bypassed the device's check: refused, with the reason, and
    nobody registered; a second send says the same (it is not applied later)."""
    make_session(db, world.facilities["FA"])
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    good = aadhaar(4243)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    event = walk_in_event(bad)
    result = sync(client, event)[0]
    assert result["status"] == "conflict" and result["http_status"] == 422
    assert result["code"] == "INVALID_ID_DOCUMENT"
    assert "check digit" in result["message"]
    assert count(db, Beneficiary) == 0
    again = sync(client, event)[0]
    assert (again["status"], again["original"], again["code"]) == (
        "duplicate", "conflict", "INVALID_ID_DOCUMENT")
    assert sync(client, walk_in_event(good))[0]["status"] == "applied"
    assert count(db, Beneficiary) == 1


def test_aefi_synced_twice_is_recorded_once(client, db, world):
    person = make_person(db, name="Asha Devi")
    appointment = make_appointment(db, make_session(db, world.facilities["FA"]), person,
                                   code="4821")
    db.session.commit()
    sign_in(client, world.staff["vaccinator"])
    dose = {"id": str(uuid.uuid4()), "kind": "dose", "reference_id": person.reference_id,
            "appointment_id": str(appointment.id), "secret_code": "4821",
            "vaccine": "covishield", "lot": "4120Z025", "dose_number": 1,
            "administered_at": now_iso(30)}
    report = {"id": str(uuid.uuid4()), "kind": "aefi", "dose_event": dose["id"],
              "onset_at": now_iso(10), "symptoms": ["fever", "headache"], "severity": "mild",
              "outcome": "recovering", "notes": ""}
    first = sync(client, dose, report)
    assert [r["status"] for r in first] == ["applied", "applied"]
    # The answer was lost (the network went down): the device sends both again, and the AEFI
    # report alone once more, as from another device.
    second = sync(client, dose, report)
    third = sync(client, report, device="tablet-2")
    assert [r["status"] for r in second + third] == ["duplicate"] * 3
    assert third[0]["aefi_id"] == first[1]["aefi_id"]
    assert count(db, AefiReport) == 1
    assert db.session.scalar(sa.select(AefiReport.symptoms)) == ["fever", "headache"]
    assert count(db, DeskSyncEvent) == 2
