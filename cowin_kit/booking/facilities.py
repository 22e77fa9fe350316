"""Writes on facilities and sessions (demo data, seeding, tests, facility managers)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterable

import sqlalchemy as sa

from cowin_kit.booking.models import Facility, SessionCapacity, VaccinationSession
from cowin_kit.core.db import db, utcnow

DEFAULT_SLOTS = ("09:00-11:00", "11:00-13:00", "13:00-15:00", "15:00-17:00")


def add_facility(*, code: str, name: str, area_id: int, postal_code: str | None = None,
                 address: str = "", lat: float | None = None, lon: float | None = None,
                 fee_type: str = "Free", opens: dt.time = dt.time(9, 0),
                 closes: dt.time = dt.time(17, 0)) -> Facility:
    """Add a facility to the current unit of work (the caller commits)."""
    facility = Facility(code=code, name=name, area_id=area_id, postal_code=postal_code,
                        address=address, lat=lat, lon=lon, fee_type=fee_type, opens=opens,
                        closes=closes, active=True)
    db.session.add(facility)
    return facility


def add_session(facility_id: int, date: dt.date, vaccine: str, capacities: dict[str, int], *,
                min_age: int = 18, max_age: int | None = None, fee: int = 0,
                slots: Iterable[str] = DEFAULT_SLOTS) -> VaccinationSession:
    """Add a session with a capacity per dose kind ({"1": 50, "2": 30, "booster": 20})."""
    session = VaccinationSession(id=uuid.uuid4(), facility_id=facility_id, date=date,
                                 vaccine=vaccine, min_age=min_age, max_age=max_age, fee=fee,
                                 slots=list(slots), status="open")
    session.capacities = [SessionCapacity(dose_kind=kind, capacity=n, booked=0)
                          for kind, n in sorted(capacities.items())]
    db.session.add(session)
    return session


def bulk_add_sessions(rows: list[dict]) -> int:
    """Insert many sessions at once; each row is add_session's arguments as a dict."""
    if not rows:
        return 0
    now = utcnow()
    sessions, capacities = [], []
    for row in rows:
        sid = uuid.uuid4()
        sessions.append({"id": sid, "facility_id": row["facility_id"], "date": row["date"],
                         "vaccine": row["vaccine"], "min_age": row.get("min_age", 18),
                         "max_age": row.get("max_age"), "fee": row.get("fee", 0),
                         "slots": list(row.get("slots", DEFAULT_SLOTS)), "status": "open",
                         "doses_opened": 0, "created_at": now})
        capacities.extend({"session_id": sid, "dose_kind": kind, "capacity": n, "booked": 0}
                          for kind, n in sorted(row["capacities"].items()))
    db.session.execute(sa.insert(VaccinationSession), sessions)
    db.session.execute(sa.insert(SessionCapacity), capacities)
    return len(sessions)
