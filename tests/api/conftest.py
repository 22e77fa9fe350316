"""A real HTTP server around the test app, and a small seeded country to query."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server


@pytest.fixture
def app(make_app):
    """The API tests log in repeatedly: no OTP resend cool-down here (tested elsewhere)."""
    app = make_app(OTP_RESEND_SECONDS=0)
    with app.app_context():
        yield app


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def seeded(app, db):
    """Two states, a district each, a block, two facilities and sessions for the coming days.

    The states and districts carry the India profile's codes, so /api/v2 serves them under
    CoWIN's ids (Maharashtra 21, Pune 363: ``district_cowin_id``); the block is the test's own."""
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility, SessionCapacity, VaccinationSession
    from cowin_kit.booking.rules import local_now
    from cowin_kit.profiles import get_profile

    def area(code, name, level, key, parent=None, names=None):
        row = Area(code=code, name=name, names=names or {"en": name}, level=level, level_key=key,
                   parent_id=parent.id if parent else None, path="")
        db.session.add(row)
        db.session.flush()
        row.path = f"{parent.path if parent else '/'}{row.id}/"
        return row

    mh = area("IN-MH", "महाराष्ट्र", 1, "state", names={"en": "Maharashtra", "hi": "महाराष्ट्र"})
    kl = area("IN-KL", "केरल", 1, "state", names={"en": "Kerala", "hi": "केरल"})
    pune = area("IN-MH-PUN", "पुणे", 2, "district", mh, {"en": "Pune", "hi": "पुणे"})
    area("IN-KL-EKM", "एर्णाकुलम", 2, "district", kl, {"en": "Ernakulam", "hi": "एर्णाकुलम"})
    haveli = area("T-MH-PU-HV", "हवेली", 3, "block", pune, {"en": "Haveli", "hi": "हवेली"})
    free = Facility(code="F1", name="PHC Wagholi", area_id=haveli.id, address="Main Road",
                    postal_code="412207", lat=18.58, lon=73.98, fee_type="Free")
    paid = Facility(code="F2", name="City Hospital", area_id=haveli.id, address="MG Road",
                    postal_code="412207", lat=18.52, lon=73.85, fee_type="Paid")
    db.session.add_all([free, paid])
    db.session.flush()
    profile = get_profile()
    vaccine = profile.vaccines[0]
    today = local_now(profile).date()
    sessions = []
    for facility, fee in ((free, 0), (paid, 780)):
        for offset in (1, 2):
            s = VaccinationSession(facility_id=facility.id, date=today + dt.timedelta(days=offset),
                                   vaccine=vaccine.id, min_age=18, max_age=None, fee=fee,
                                   slots=["09:00-11:00", "11:00-13:00"])
            db.session.add(s)
            db.session.flush()
            db.session.add_all([SessionCapacity(session_id=s.id, dose_kind="1", capacity=10),
                                SessionCapacity(session_id=s.id, dose_kind="2", capacity=5)])
            sessions.append(s)
    db.session.commit()
    return {"states": (mh, kl), "district": pune, "district_cowin_id": 363,
            "facilities": (free, paid),
            "sessions": sessions, "vaccine": vaccine, "today": today}


def otp_from_outbox(db, mobile_suffix: str) -> str:
    """Read the last OTP sent to a mobile from the outbox SMS backend (as a tester would: the
    database keeps the text with the code masked, the outbox's phone has it whole)."""
    import re

    from cowin_kit.core.sms_outbox import outbox

    db.session.expire_all()
    message = next(m for m in outbox(limit=50) if m.mobile.endswith(mobile_suffix))
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
