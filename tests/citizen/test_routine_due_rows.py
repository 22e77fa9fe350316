"""Each person's open routine doses per antigen (``routine_due``, issue #19): kept with every
routine dose recorded (on time, late, catch-up) and a pregnancy; rebuilt by the CLI."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cowin_kit.profiles import get_profile
from cowin_kit.registration import children
from cowin_kit.registration import operations as ops
from cowin_kit.registration.models import Beneficiary, RoutineDue
from tests.citizen.helpers import person

W = dt.timedelta(weeks=1)


def _today() -> dt.date:
    return ops._today(get_profile())


def _rows(db, child) -> dict[str, tuple]:
    """{antigen: (dose name, due on, overdue on)} of the child's uip_children rows."""
    return {r.antigen: (r.dose_name, r.due_on, r.overdue_on) for r in db.session.scalars(
        sa.select(RoutineDue).where(RoutineDue.beneficiary_id == child.id,
                                    RoutineDue.programme == "uip_children"))}


def _give(db, child, day, *products):
    for product in products:
        children.record_routine_dose(None, None, child, product=product, lot="L1", given_on=day)
    db.session.commit()


def test_rows_per_antigen_follow_each_dose_on_time_and_late(db, account):
    birth = _today() - 20 * W
    child = children.add_child(account, name="Asha", birth_date=birth, gender="F",
                               guardian="mother")
    rows = _rows(db, child)
    # Registered at 20 weeks with nothing given: BCG still due (till one year), overdue; the
    # birth dose of OPV was missed (skipped), so OPV-1 is next; Hep B goes on with Penta 1.
    assert rows["bcg"][0] == "BCG" and rows["bcg"][1] == birth and rows["bcg"][2] <= _today()
    assert rows["opv"][:2] == ("OPV-1", birth + 6 * W)
    assert rows["hepb"][0] == "Pentavalent 1"
    assert "measles" in rows  # upcoming doses have their row too

    _give(db, child, birth + 1 * W, "bcg")  # late, but counts
    _give(db, child, birth + 7 * W, "opv", "penta")  # OPV-1 and Penta 1, a week late
    rows = _rows(db, child)
    assert "bcg" not in rows  # the series is complete: no row
    assert rows["opv"][:2] == ("OPV-2", birth + 11 * W)  # 4 weeks after the late OPV-1
    assert rows["hepb"][:2] == ("Pentavalent 2", birth + 11 * W)
    assert rows["diphtheria"][0] == "Pentavalent 2"

    _give(db, child, birth + 11 * W, "opv")  # OPV-2 on its (moved) date
    assert _rows(db, child)["opv"][:2] == ("OPV-3", birth + 15 * W)
    stored = db.session.get(Beneficiary, child.id)
    assert stored.next_routine_due == min(r.due_on for r in db.session.scalars(
        sa.select(RoutineDue).where(RoutineDue.beneficiary_id == child.id)))


def test_catch_up_of_an_older_child_and_a_pregnancy(db, account):
    birth = _today() - dt.timedelta(days=400)  # past one year: BCG and Penta are no longer given
    child = children.add_child(account, name="Ravi", birth_date=birth, gender="M",
                               guardian="father")
    rows = _rows(db, child)
    assert "bcg" not in rows and rows["opv"][0] == "OPV-1"
    assert rows["opv"][2] <= _today()  # overdue
    _give(db, child, _today(), "opv")  # catch-up: the next one 4 weeks on, not by age
    assert _rows(db, child)["opv"][:2] == ("OPV-2", _today() + 4 * W)

    woman = ops.add_beneficiary(account, **person(2, gender="F"))
    children.record_pregnancy(account, woman.reference_id, week=12)
    programmes = set(db.session.scalars(sa.select(RoutineDue.programme).where(
        RoutineDue.beneficiary_id == woman.id)))
    assert programmes == {"uip_pregnancy"}


def test_cli_rebuild_due_restores_deleted_rows(db, account, runner, cli_env):
    from cowin_kit.cli import cli

    child = children.add_child(account, name="Asha", birth_date=_today() - 3 * W, gender="F",
                               guardian="mother")
    before = _rows(db, child)
    db.session.execute(sa.delete(RoutineDue))
    db.session.execute(sa.update(Beneficiary).values(next_routine_due=None))
    db.session.commit()
    result = runner.invoke(cli, ["reports", "rebuild-due"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "routine" in result.output
    db.session.expire_all()
    assert _rows(db, child) == before
    assert db.session.get(Beneficiary, child.id).next_routine_due == child.birth_date


def test_a_corrected_birth_date_moves_the_rows(db, account):
    """A correction made elsewhere through the ORM (a certificate correction) is caught by
    the flush hook: the rows follow the new birth date in the same transaction."""
    birth = _today() - 2 * W
    child = children.add_child(account, name="Asha", birth_date=birth, gender="F",
                               guardian="mother")
    assert _rows(db, child)["opv"][:2] == ("OPV-0", birth)
    row = db.session.get(Beneficiary, child.id)
    row.birth_date = birth - 8 * W  # ten weeks old, not two
    db.session.commit()
    rows = _rows(db, child)
    assert rows["opv"][:2] == ("OPV-1", birth - 2 * W)  # OPV-0 missed, OPV-1 at six weeks
    assert db.session.get(Beneficiary, child.id).next_routine_due == birth - 8 * W  # BCG


def test_migration_0024_fills_the_rows_of_the_children_already_registered(make_app, tmp_path):
    from tests.dbutil import create_database, drop_database

    url = create_database(tmp_path)
    try:
        app = make_app(DATABASE_URL=url, PROFILE="in")
        from cowin_kit.core import migrate
        from cowin_kit.core.db import db

        with app.app_context():
            migrate.upgrade("0023")
            birth = _today() - 20 * W
            with db.engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO beneficiary (reference_id, name, birth_year, birth_date, "
                    "gender, groups, comorbidity, created_at) VALUES ('00000000000001', 'Asha', "
                    ":year, :birth, 'F', '[]', false, CURRENT_TIMESTAMP)"),
                    {"year": birth.year, "birth": birth})
                conn.execute(sa.text(
                    "INSERT INTO routine_dose (beneficiary_id, product, given_on, lot, "
                    "recorded_at) SELECT id, 'bcg', :day, 'L1', CURRENT_TIMESTAMP "
                    "FROM beneficiary"), {"day": birth + W})
            migrate.upgrade("0024")
            antigens = set(db.session.scalars(sa.select(RoutineDue.antigen)))
            assert "opv" in antigens and "bcg" not in antigens  # BCG given: complete
            assert db.session.scalar(sa.select(Beneficiary.next_routine_due)) == birth + 6 * W
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
