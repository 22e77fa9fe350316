"""Booking's places for staff permissions: facilities, and the facility of a session or an
appointment (registered in ``cowin_kit.accounts.places`` by ``booking.setup``)."""

from __future__ import annotations

from cowin_kit.accounts import places
from cowin_kit.accounts.staff_permissions import object_scope
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession

#: Scope resolvers of routes naming a session or an appointment: the facility it is held at.
session_scope = object_scope(VaccinationSession, "session_id")
appointment_scope = object_scope(Appointment, "appointment_id")


def register() -> None:
    places.register_facility(Facility)
    places.register_place(VaccinationSession, lambda session: session.facility)
    places.register_place(Appointment, lambda appointment: appointment.session.facility)
