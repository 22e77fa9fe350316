"""Two `reminders send` at once (two pods, a manual run during the CronJob's) never text anyone
twice: the advisory lock lets one run go (PostgreSQL), and without it the claims in the reminder
log still do."""

from __future__ import annotations

from collections import Counter

import pytest

from cowin_kit.reminders import operations
from cowin_kit.reminders.models import ReminderLog
from tests.dbutil import at_once
from tests.reminders.helpers import NOON, account, days, person, texts


def _race(app, runs: int, *, lock: bool) -> list[operations.RunResult]:
    return at_once(app, runs, lambda: operations.send(now=NOON, lock=lock))


def _people(db, n: int) -> None:
    for i in range(n):
        owner = account(db, f"+9198100{i:05d}")
        person(db, owner, f"A{i}", due_from=days(i % 3))
        person(db, owner, f"B{i}", due_from=days(-20), due_until=days(-1 - i % 3))
    db.session.commit()


def _assert_each_once(db, people: int) -> None:
    db.session.expire_all()
    mobiles = Counter((m.mobile, m.purpose) for m in texts(db))
    assert len(mobiles) == people * 2 and set(mobiles.values()) == {1}, mobiles.most_common(3)
    assert db.session.query(ReminderLog).count() == people * 2


@pytest.mark.postgres
@pytest.mark.parametrize("runs, lock", [(2, True), (3, False)], ids=["locked", "claims-only"])
def test_runs_at_once_send_each_reminder_once(make_app, db, runs, lock):
    """Locked: one run sends, the other finds the lock taken (or starts after and finds every
    reminder claimed). Without the lock the claims alone keep anyone from a second text."""
    _people(db, 60)
    racer = make_app(REMINDER_BATCH=7, DB_POOL_SIZE=10, DB_MAX_OVERFLOW=0)
    results = _race(racer, runs, lock=lock)
    assert sum(r.texts for r in results) == 120 and sum(r.reminded for r in results) == 120
    if lock:
        assert sorted(r.busy for r in results) in ([False, False], [False, True])
    _assert_each_once(db, 60)
