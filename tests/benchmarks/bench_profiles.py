"""Benchmark the profile engines: schedule decisions, ID checks and profile loading.

Run: .venv/bin/python tests/benchmarks/bench_profiles.py
"""

from __future__ import annotations

import datetime as dt
import platform
import random
import time
from pathlib import Path

from cowin_kit.profiles import load_profile
from cowin_kit.profiles.routine import next_doses
from cowin_kit.profiles.schedule import DoseGiven, Person, next_dose
from cowin_kit.profiles.validate import validate_folder

PROFILES = Path(__file__).resolve().parents[2] / "country_profiles"


def rate(label: str, fn, n: int) -> None:
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    elapsed = time.perf_counter() - started
    print(f"{label:48} {n / elapsed:>12,.0f} /s   ({elapsed / n * 1e6:,.1f} µs each)")


def main() -> None:
    india = load_profile("in", PROFILES)
    rng = random.Random(1)
    people = [Person(birth_year=rng.randint(1940, 2012)) for _ in range(1000)]
    day = dt.date(2021, 1, 16)
    histories = []
    for _ in range(1000):
        d1 = day + dt.timedelta(days=rng.randint(0, 400))
        histories.append(rng.choice([[], [DoseGiven("covishield", 1, d1)],
                                     [DoseGiven("covishield", 1, d1),
                                      DoseGiven("covishield", 2, d1 + dt.timedelta(days=90))]]))
    on = dt.date(2022, 9, 1)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{dt.date.today()}")
    rate("next_dose (India, mixed histories)",
         lambda i: next_dose(india, people[i % 1000], histories[i % 1000], on), 20000)
    aadhaar = india.id_document("aadhaar")
    rate("Aadhaar validate (Verhoeff via python-stdnum)",
         lambda i: aadhaar.validate("234123412346"), 20000)
    children = []  # routine schedule: children 0-5 years with the doses of their age so far
    for _ in range(1000):
        birth = on - dt.timedelta(days=rng.randint(0, 5 * 365))
        given = [(p, birth + dt.timedelta(days=d + rng.randint(0, 30)))
                 for p, d in (("bcg", 0), ("opv", 0), ("hepb", 0), ("penta", 42), ("opv", 42),
                              ("rvv", 42), ("pcv", 42), ("fipv", 42), ("penta", 70), ("opv", 70),
                              ("penta", 98), ("mr", 270), ("mr", 490), ("dpt", 490))
                 if rng.random() < 0.9]
        children.append((birth, [(p, d) for p, d in given if d <= on]))
    rate("next_doses (India UIP, children 0-5 years)",
         lambda i: next_doses(india.routine, *children[i % 1000][:1], on, children[i % 1000][1]),
         5000)
    rate("validate_folder(country_profiles/in)", lambda i: validate_folder(PROFILES / "in"), 50)


if __name__ == "__main__":
    main()
