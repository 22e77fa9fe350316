"""Mobile numbers: parse with the profile's region, accept only its mobile types, E.164 out."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import KitError


class InvalidMobile(KitError):
    status = 422
    code = "INVALID_MOBILE"
    default_message = _l("Please enter a valid mobile number.")


def normalize_mobile(profile, raw: str) -> str:
    """Return the E.164 form of a mobile number; raise InvalidMobile when it is not one."""
    phone = profile.phone
    try:
        parsed = phonenumbers.parse(str(raw or "").strip(), phone.region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidMobile() from exc
    if not phonenumbers.is_valid_number(parsed) or \
            parsed.country_code != phonenumbers.country_code_for_region(phone.region):
        raise InvalidMobile(_l("Please enter a valid mobile number of this country (for "
                               "example %(example)s)."), example=phone.example or "")
    kind = phonenumbers.number_type(parsed)
    if kind not in phone.mobile_type_values:
        raise InvalidMobile(_l("This is not a mobile number; please enter a number that can "
                               "receive SMS."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def national_number(e164: str) -> str:
    """Return the national significant number ("9876543210"), as CoWIN clients send it."""
    return str(phonenumbers.parse(e164, None).national_number)


def mask_mobile(e164: str) -> str:
    """Hide all but the last four digits of the national number."""
    digits = national_number(e164) if e164.startswith("+") else "".join(
        c for c in e164 if c.isdigit())
    return "*" * max(len(digits) - 4, 0) + digits[-4:]
