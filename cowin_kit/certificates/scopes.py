"""Certificates' places for staff permissions: a correction request is where the dose behind
its certificate was given (registered in ``cowin_kit.accounts.places`` by
``certificates.setup``)."""

from __future__ import annotations

from cowin_kit.accounts import places
from cowin_kit.accounts.staff_permissions import object_scope
from cowin_kit.certificates.models import CorrectionRequest
from cowin_kit.certificates.queries import correction_facility

#: Scope resolver of routes naming a correction request: the facility that gave the dose.
correction_scope = object_scope(CorrectionRequest, "request_id")


def register() -> None:
    places.register_place(CorrectionRequest, correction_facility)
