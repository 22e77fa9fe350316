"""Availability: filters, the 7-day window, no N+1, the public cache, eligibility filtering."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from cowin_kit.booking import operations
from cowin_kit.booking.personal import for_beneficiary
from cowin_kit.booking.queries import (availability_query, public_availability, search,
                                       session_detail)


@contextlib.contextmanager
def statements(db):
    seen = []

    def count(conn, cursor, statement, *_args, **_kwargs):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def session_ids(centres):
    return {s["session_id"] for c in centres for s in c["sessions"]}


@pytest.fixture
def week(areas, make_facility, make_session, vaccine, today):
    """Sessions in three blocks of two districts, with a paid centre and an older-age session."""
    a = make_facility(areas["a"], postal_code="411001")
    b = make_facility(areas["b"], postal_code="411002", fee_type="Paid")
    c = make_facility(areas["c"], postal_code="422001")
    made = {
        "a1": make_session(a, days=1),
        "a3": make_session(a, days=3, min_age=45),
        "b2": make_session(b, days=2, fee=250, capacities={"1": 0, "2": 4}),
        "c1": make_session(c, days=1),
        "a9": make_session(a, days=9),
    }
    return {"facilities": (a, b, c), **made}


def test_area_at_any_level_postal_code_and_facility(app, week, areas, today):
    def ids(**kw):
        kw.setdefault("date", today)
        return session_ids(search(availability_query(**kw)))

    s = {k: str(v.id) for k, v in week.items() if k != "facilities"}
    assert ids(area_id=areas["state"].id) == {s["a1"], s["a3"], s["b2"], s["c1"]}
    assert ids(area_id=areas["district"].id) == {s["a1"], s["a3"], s["b2"]}
    assert ids(area_id=areas["b"].id) == {s["b2"]}
    assert ids(postal_code="422 001") == {s["c1"]}
    assert ids(facility_id=week["facilities"][0].id) == {s["a1"], s["a3"]}
    assert ids(area_id=areas["state"].id, age=30) == {s["a1"], s["b2"], s["c1"]}
    assert ids(area_id=areas["state"].id, fee_type="paid") == {s["b2"]}
    assert ids(area_id=areas["state"].id, days=2) == {s["a1"], s["c1"]}
    later = today + dt.timedelta(days=3)
    assert ids(area_id=areas["state"].id, date=later.strftime("%d-%m-%Y")) == {s["a3"], s["a9"]}
    assert ids(area_id=areas["state"].id, vaccine="no-such-vaccine") == set()


def test_results_carry_capacities_per_dose_areas_and_fees(app, week, areas, today):
    centres = search(availability_query(date=today, area_id=areas["b"].id))
    assert len(centres) == 1
    centre = centres[0]
    assert centre["fee_type"] == "Paid" and centre["postal_code"] == "411002"
    assert [a["id"] for a in centre["areas"]] == [areas["state"].id, areas["district"].id,
                                                 areas["b"].id]
    session = centre["sessions"][0]
    assert session["capacity"] == {"1": 0, "2": 4}
    assert session["available"] == 4 and session["fee"] == 250
    assert session["slots"] and session["date"] == (today + dt.timedelta(days=2)).isoformat()


def test_one_district_week_takes_a_few_queries(app, db, areas, make_facility, today, vaccine):
    from cowin_kit.booking.facilities import bulk_add_sessions

    facilities = [make_facility(areas["a" if i % 2 else "b"]) for i in range(30)]
    bulk_add_sessions([{"facility_id": f.id, "date": today + dt.timedelta(days=d),
                        "vaccine": vaccine, "capacities": {"1": 10, "2": 10}}
                       for f in facilities for d in range(7)])
    db.session.commit()
    query = availability_query(date=today, area_id=areas["district"].id)
    with statements(db) as seen:
        centres = search(query)
    assert len(centres) == 30 and sum(len(c["sessions"]) for c in centres) == 210
    assert len(seen) <= 4, len(seen)


def test_public_results_are_cached_under_the_normalised_query(app, db, week, areas, today,
                                                              make_beneficiary):
    area_id = areas["a"].id
    first = public_availability(availability_query(date=today.isoformat(), area_id=area_id))
    # Book a dose: the cached answer stays (at most PUBLIC_CACHE_SECONDS stale) …
    operations.book(make_beneficiary(), week["a1"].id, week["a1"].slots[0])
    with statements(db) as seen:
        again = public_availability(availability_query(
            date=f"{today.day}-{today.month}-{today.year}", area_id=str(area_id)))
    assert not seen, seen
    assert again == first
    # … while the fresh search sees the booking.
    fresh = search(availability_query(date=today, area_id=area_id))
    assert fresh != first


def test_session_detail_and_unknown_session(app, week):
    detail = session_detail(str(week["a1"].id))
    assert detail["session"]["session_id"] == str(week["a1"].id)
    assert detail["center_id"] == week["facilities"][0].id
    from cowin_kit.core.errors import KitError

    with pytest.raises(KitError) as info:
        session_detail("1234")
    assert info.value.code == "SESSION_NOT_FOUND"


def test_beneficiary_sees_only_what_fits_or_why_not(app, week, areas, today,
                                                    make_beneficiary, give_dose):
    young = make_beneficiary(age=30)
    found = for_beneficiary(young, availability_query(date=today, area_id=areas["state"].id))
    # Not the 45+ session; b2 has no first doses left but still shows as booked-out.
    assert session_ids(found.centres) == {str(week[k].id) for k in ("a1", "b2", "c1")}
    assert found.due.dose_number == 1 and found.reason is None
    b2 = next(s for c in found.centres for s in c["sessions"] if s["session_id"] == str(week["b2"].id))
    assert b2["bookable"] == 0 and b2["dose_kind"] == "1"

    waiting = make_beneficiary(age=50)
    give_dose(waiting, week["a1"], 1, today)
    found = for_beneficiary(waiting, availability_query(date=today, area_id=areas["state"].id))
    assert found.centres == [] and found.due.dose_number == 2
    assert str(found.due.earliest.year) in found.reason  # "Dose 2 is due from …", the engine's


def test_today_offers_only_the_slots_that_have_not_ended(app, areas, make_facility, make_session,
                                                        make_beneficiary, today, monkeypatch):
    # Found by the browser tests: after 11:00 the 09:00-11:00 slot was offered, then refused.
    from cowin_kit.booking import rules
    from cowin_kit.profiles import get_profile

    session = make_session(make_facility(areas["a"]), days=0,
                           slots=["09:00-11:00", "13:00-15:00"])
    person = make_beneficiary(age=30)
    tz = rules.timezone_of(get_profile())

    def offered_at(hour):
        moment = dt.datetime.combine(today, dt.time(hour, 0), tzinfo=tz)
        monkeypatch.setattr(rules, "utcnow", lambda: moment.astimezone(dt.timezone.utc))
        found = for_beneficiary(person, availability_query(date=today, area_id=areas["a"].id))
        return [s["slots"] for c in found.centres for s in c["sessions"]
                if s["session_id"] == str(session.id)]

    assert offered_at(8) == [["09:00-11:00", "13:00-15:00"]]
    assert offered_at(12) == [["13:00-15:00"]]
    assert offered_at(16) == []
