"""Read digits typed on a phone in any script: ٠١٢٣ (Arabic-Indic), ۰۱۲۳, १२३… become 0123.

Phones set to Arabic, Persian or Hindi type the locale's own digits into number fields. Form
fields and query parameters reach the domains with ASCII digits, so their checks (mobile
numbers, OTPs, codes, years) work whatever the keyboard. Passwords are left exactly as typed.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from cowin_kit.core.i18n import DIGIT_ZEROS

ASCII_DIGITS = str.maketrans({chr(ord(zero) + i): str(i)
                              for zero in DIGIT_ZEROS.values() if zero != "0"
                              for i in range(10)})
KEEP_AS_TYPED = ("password", "csrf")


def ascii_digits(data: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any(isinstance(v, str) and v.translate(ASCII_DIGITS) != v for v in data.values()):
        return data  # the common case: nothing to convert, keep the parsed object
    return ImmutableMultiDict([
        (key, value if any(word in key.lower() for word in KEEP_AS_TYPED)
         else value.translate(ASCII_DIGITS))
        for key, values in data.lists() for value in values])


class KitRequest(Request):
    """Flask's request, with native digits of form fields and query parameters made ASCII."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = ascii_digits(self.__dict__["form"])

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return ascii_digits(super().args)
