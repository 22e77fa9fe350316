"""Words for the codes booking stores, as staff pages show them: product display names
instead of profile ids ("Sputnik V", not SPUTNIK_V), translated session and appointment statuses.
Registered as template filters (``{{ s.vaccine|vaccine_name }}``, ``{{ s.status|session_status }}``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import pgettext

from cowin_kit.profiles import get_profile
from cowin_kit.profiles.schedule import product_name


def vaccine_name(vaccine_id: str) -> str:
    """The product's display name from the profile; an id the profile no longer has, as stored."""
    return product_name(get_profile(), vaccine_id)


def session_status(status: str) -> str:
    return {"open": pgettext("session status", "Open"),
            "closed": pgettext("session status", "Closed"),
            "cancelled": pgettext("session status", "Cancelled")}.get(status, status)


def appointment_status(status: str) -> str:
    return {"booked": pgettext("appointment status", "Booked"),
            "completed": pgettext("appointment status", "Vaccinated"),
            "no_show": pgettext("appointment status", "Did not come"),
            "cancelled": pgettext("appointment status", "Cancelled")}.get(status, status)


def init_app(app: Flask) -> None:
    for function in (vaccine_name, session_status, appointment_status):
        app.add_template_filter(function)
