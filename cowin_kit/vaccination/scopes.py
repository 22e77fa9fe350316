"""Vaccination's places for staff permissions: a dose is where it was given, an AEFI report
where its dose was given (registered in ``cowin_kit.accounts.places`` by ``vaccination.setup``)."""

from __future__ import annotations

from cowin_kit.accounts import places
from cowin_kit.accounts.staff_permissions import object_scope
from cowin_kit.core.db import db
from cowin_kit.vaccination.models import AefiReport, DoseRecord

#: Scope resolvers of routes naming a dose or an AEFI report: the facility of the dose.
dose_scope = object_scope(DoseRecord, "dose_id")
aefi_scope = object_scope(AefiReport, "aefi_id")


def register() -> None:
    places.register_place(DoseRecord, lambda dose: dose.facility)
    places.register_place(AefiReport,
                          lambda report: db.session.get(DoseRecord, report.dose_record_id).facility)
