"""Benchmark: doses recorded per second at vaccinator desks (record_dose, in process).

Scratch PostgreSQL database; T threads (desks), each with its own vaccinator and facility,
record one dose each for N people. Runs twice on the same data size: with the dose signal's
subscribers muted (the desk's own work: checks, schedule engine, insert, audit) and with them
(certificate issuance as deployed). Reports doses/s and the ratio. For reference, CoWIN's peak
was about 700 recorded vaccinations/s nationwide (17 September 2021).

    .venv/bin/python tests/benchmarks/bench_desk.py [--people 600] [--desks 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import threading
import time

from bench_availability import bench_app, machine, migrate, scratch_database


def seed(app, people: int, desks: int, offset: int) -> tuple[list[int], list[int]]:
    """Desks (area, facility, vaccinator) and people; return staff ids and beneficiary ids."""
    import sqlalchemy as sa

    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility
    from cowin_kit.core.db import db
    from cowin_kit.registration.models import Beneficiary

    with app.app_context():
        area = db.session.execute(sa.select(Area).where(Area.code == "BENCH")).scalar_one_or_none()
        if area is None:
            area = Area(code="BENCH", level=1, level_key="state", name="Bench", names={}, path="")
            db.session.add(area)
            db.session.flush()
            area.path = f"/{area.id}/"
        staff = []
        for d in range(desks):
            facility = Facility(code=f"B{offset}-{d}", name=f"Desk {d}", area_id=area.id)
            db.session.add(facility)
            db.session.flush()
            user = StaffUser(username=f"vac{offset}-{d}", full_name="V", password_hash="x",
                             role="vaccinator", facility_id=facility.id)
            db.session.add(user)
            db.session.flush()
            staff.append(user.id)
        year = dt.date.today().year - 40
        base = 80000000000000 + offset * 1000000
        db.session.execute(sa.insert(Beneficiary), [
            {"reference_id": str(base + i), "name": f"P{i}", "birth_year": year, "gender": "M",
             "id_doc_type": "bench", "id_hash": f"{offset:08x}{i:056x}", "id_masked": "X",
             "groups": []} for i in range(people)])
        db.session.commit()
        ids = db.session.scalars(sa.select(Beneficiary.id).where(
            Beneficiary.reference_id >= str(base)).order_by(Beneficiary.id)).all()
        db.session.remove()
        return staff, list(ids)


def run(app, staff: list[int], people: list[int], muted: bool) -> float:
    from cowin_kit.accounts.models import StaffUser
    from cowin_kit.core.db import db
    from cowin_kit.registration.models import Beneficiary
    from cowin_kit.vaccination.operations import record_dose
    from cowin_kit.vaccination.signals import dose_recorded

    barrier = threading.Barrier(len(staff) + 1)
    errors: list[str] = []

    def desk(index: int):
        with app.test_request_context("/desk/"):
            barrier.wait()
            for person_id in people[index::len(staff)]:
                try:
                    record_dose(db.session.get(StaffUser, staff[index]),
                                db.session.get(Beneficiary, person_id),
                                vaccine="covishield", lot="BENCH-1")
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    errors.append(repr(exc))
                    db.session.rollback()
            db.session.remove()

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(len(staff))]
    for t in threads:
        t.start()
    context = dose_recorded.muted() if muted else _nothing()
    with context:
        started = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} errors, first: {errors[0]}")
    return len(people) / elapsed


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--desks", type=int, default=8)
    args = parser.parse_args()
    with scratch_database() as url, tempfile.TemporaryDirectory() as instance:
        app = bench_app(url, instance, DB_POOL_SIZE=args.desks + 2,
                        KEYS_DIR=f"{instance}/keys")
        migrate(app)
        with app.test_request_context("/"):
            from cowin_kit.profiles import get_profile

            get_profile()  # loaded once per process; not part of the measurement
        results = {}
        for offset, muted in ((1, True), (2, False)):
            staff, people = seed(app, args.people, args.desks, offset)
            results[muted] = run(app, staff, people, muted)
        with app.app_context():
            from cowin_kit.core.db import db

            db.engine.dispose()
    print(f"machine: {machine()}; {dt.date.today().isoformat()}")
    print(f"{args.people} doses at {args.desks} desks (threads), PostgreSQL, in process")
    print(f"  desk work only (signal muted): {results[True]:8.1f} doses/s")
    print(f"  with certificate issuance:     {results[False]:8.1f} doses/s "
          f"(ratio {results[True] / results[False]:.2f}x)")


if __name__ == "__main__":
    main()
