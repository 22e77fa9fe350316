"""Helpers for the citizen tests: valid Aadhaar numbers, CSRF tokens, OTPs from the outbox."""

from __future__ import annotations

import datetime as dt
import random
import re

from stdnum import verhoeff

MOBILE = "9876543210"
MOBILE_E164 = "+919876543210"


def aadhaar(seed: int) -> str:
    """Return a valid Aadhaar number (first digit 2-9, Verhoeff check digit)."""
    rng = random.Random(seed)
    body = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(10))
    return body + verhoeff.calc_check_digit(body)


def bad_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def last_otp(mobile_e164: str = MOBILE_E164) -> str:
    """Read the newest OTP sent to a mobile from the SMS outbox."""
    from cowin_kit.core.sms_outbox import outbox

    message = outbox(mobile_e164, 1)[0]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def person(seed: int = 1, **overrides) -> dict:
    data = {"name": "Asha Devi", "birth_year": 1980, "gender": "F", "id_doc_type": "aadhaar",
            "id_number": aadhaar(seed)}
    data.update(overrides)
    return data


def sign_up(mobile: str = MOBILE):
    """Create (or sign in) the account of a mobile through a real OTP exchange."""
    from cowin_kit.accounts.otp import confirm_otp, request_otp

    txn = request_otp(mobile, "en_IN")
    return confirm_otp(txn.id, last_otp(txn.mobile))[0]


def this_year() -> int:
    return dt.date.today().year


def make_facility(db):
    """Add an area and a facility (for dose records and appointments in tests)."""
    from cowin_kit.areas.models import Area
    from cowin_kit.booking.models import Facility

    area = Area(code="T-1", level=1, level_key="state", name="Test", path="/")
    db.session.add(area)
    db.session.flush()
    facility = Facility(code="F-1", name="PHC Test", area_id=area.id)
    db.session.add(facility)
    db.session.flush()
    return facility
