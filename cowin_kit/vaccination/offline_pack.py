"""The offline desk's pack (issue #22): what a vaccinator downloads before going offline.

The pack holds only what the desk needs for the day at the vaccinator's facility: open
sessions, appointments with a masked name, birth year, reference id, dose history and a salted
PBKDF2 hash of the secret code (never the code), the lots the facility's store can use, the
profile sections the schedule engine reads, and the same rules as data the device runs itself
(``device_rules``: identity document checks, eligibility rules in force on the pack's day, AEFI
codes). See docs/operations.md, "Offline desk", for the threat model. The sync side is
``offline.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from cowin_kit.booking.admin_operations import facility_today
from cowin_kit.booking.models import Facility, VaccinationSession
from cowin_kit.booking.rules import history_of
from cowin_kit.core.audit import audit
from cowin_kit.core.db import db, utcnow
from cowin_kit.core.errors import Forbidden
from cowin_kit.core.i18n import DIGIT_ZEROS
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.device_rules import day_rules, id_rule
from cowin_kit.vaccination import aefi, operations, queries
from cowin_kit.vaccination.signals import desk_lot_sources

#: Profile sections the device's eligibility check and walk-in form read.
PROFILE_SECTIONS = ("vaccines", "schedules", "boosters", "eligibility", "identity_documents",
                    "genders", "booking")


# The pack -----------------------------------------------------------------------------------

def pack_hours() -> float:
    """How long a pack may be used offline (the device wipes it afterwards)."""
    return float(current_app.config["DESK_PACK_HOURS"])


def pack_iterations() -> int:
    return max(1, int(current_app.config["DESK_PACK_PBKDF2_ITERATIONS"]))


def code_hash(code: str, salt: bytes, appointment_id: uuid.UUID, iterations: int) -> str:
    """PBKDF2-HMAC-SHA256 of a secret code, salted by the pack's salt and the appointment id
    (so equal codes hash differently); base64. The device computes the same with WebCrypto."""
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), salt + appointment_id.bytes,
                                 iterations, 32)
    return base64.b64encode(digest).decode()


def mask_name(name: str) -> str:
    """First letter of each word, the rest hidden: enough to match a face to a list."""
    return " ".join(word[0] + "\u2022" * 3 for word in (name or "").split() if word)


def _plain(value):
    """Profile YAML as JSON: dates as ISO strings (Flask would write them as HTTP dates)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def my_facility(staff) -> Facility:
    facility = db.session.get(Facility, staff.facility_id) if staff.facility_id else None
    if facility is None:
        raise Forbidden()
    return facility


def _lots(facility: Facility, day: dt.date) -> list[dict]:
    """The lots usable at the facility on ``day``, from the sources stock registers
    (signals.desk_lot_sources)."""
    return [lot for source in desk_lot_sources for lot in source(facility, day)]


def build_pack(staff) -> dict:
    """The day's desk data for the staff user's facility (audited as a view of the list)."""
    facility = my_facility(staff)
    day = facility_today(facility)
    profile = get_profile()
    salt, iterations = secrets.token_bytes(16), pack_iterations()
    sessions = db.session.scalars(sa.select(VaccinationSession).where(
        VaccinationSession.facility_id == facility.id, VaccinationSession.date == day,
        VaccinationSession.status == "open").order_by(VaccinationSession.vaccine)).all()
    appointments = []
    for appointment, person in queries.today_appointments(facility.id, day):
        appointments.append({
            "appointment_id": str(appointment.id), "session_id": str(appointment.session_id),
            "status": appointment.status, "slot": appointment.slot,
            "dose_number": appointment.dose_number, "vaccine": appointment.session.vaccine,
            "reference_id": person.reference_id, "name_masked": mask_name(person.name),
            "birth_year": person.birth_year, "gender": person.gender,
            "groups": list(person.groups or ()),
            "history": [{"vaccine": d.vaccine, "dose_number": d.dose_number,
                         "date": d.date.isoformat(), "is_booster": d.is_booster}
                        for d in history_of(person.id)],
            "code_hash": code_hash(appointment.secret_code, salt, appointment.id, iterations),
        })
    now = utcnow()
    audit("appointments.view", "facility", facility.id, day=day.isoformat(), via="desk_pack",
          people=[a["reference_id"] for a in appointments])
    db.session.commit()
    return {
        "facility": {"id": facility.id, "code": facility.code, "name": facility.name},
        "day": day.isoformat(), "issued_at": now.isoformat(),
        "expires_at": (now + dt.timedelta(hours=pack_hours())).isoformat(),
        "code_hash": {"algorithm": "PBKDF2-SHA256", "iterations": iterations,
                      "salt": base64.b64encode(salt).decode(),
                      "salt_suffix": "appointment id, 16 bytes", "max_attempts":
                      operations.MAX_CODE_ATTEMPTS},
        "sessions": [{"session_id": str(s.id), "vaccine": s.vaccine, "slots": list(s.slots),
                      "min_age": s.min_age, "max_age": s.max_age,
                      "capacity": sum(c.capacity for c in s.capacities)} for s in sessions],
        "appointments": appointments,
        "vaccines": [{"id": v.id, "name": v.name, "manufacturer": v.manufacturer}
                     for v in profile.vaccines],
        "lots": _lots(facility, day),
        "profile": {"code": profile.code,
                    **{k: _plain(profile.data.get(k)) for k in PROFILE_SECTIONS}},
        "device": device_data(profile, day),
    }


def device_data(profile, day: dt.date) -> dict:
    """What the device's own checks and forms need (profiles.device_rules), labels in the
    request's language: the walk-in form's lists and ID checks, eligibility rules in force on
    ``day``, and the AEFI codes the sync accepts."""
    language = str(get_locale() or "") or None
    return {
        "birth": profile.booking.birth,
        # Digits typed on another script's keyboard are read as 0-9, as the online forms do.
        "digit_zeros": [zero for zero in DIGIT_ZEROS.values() if zero != "0"],
        "genders": [{"code": g.code, "label": g.label(language)} for g in profile.genders],
        "id_documents": [id_rule(doc, language) for doc in profile.id_documents],
        "eligibility": day_rules(profile, day),
        "aefi": {key: [{"code": code, "label": str(label)} for code, label in codes.items()]
                 for key, codes in (("symptoms", aefi.SYMPTOMS),
                                    ("severities", aefi.SEVERITIES),
                                    ("outcomes", aefi.OUTCOMES))},
    }
