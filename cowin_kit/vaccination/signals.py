"""Signals and hooks of the vaccination domain; certificates, reporting and stock use them.

``dose_recorded`` and ``dose_corrected`` are sent after the commit with ``dose=DoseRecord``
(sender: the Flask app). ``lot_checks`` and ``desk_lot_sources`` are how stock (a layer above)
refuses an expired or recalled lot at the desk and offers its lots to the offline desk pack,
without vaccination importing stock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from blinker import Namespace

_signals = Namespace()

dose_recorded = _signals.signal("dose-recorded")
dose_corrected = _signals.signal("dose-corrected")

#: ``check(vaccine, lot_number, on)`` raises a KitError to refuse a dose from that lot; each
#: registered check runs before a dose is recorded or corrected (stock: expired, recalled).
lot_checks: list[Callable[[str, str, dt.date], None]] = []

#: ``source(facility, day)`` returns the lots the facility can use on ``day`` for the offline
#: desk pack, as dicts (vaccine, lot, expiry, doses_per_vial, doses); stock registers one.
desk_lot_sources: list[Callable] = []


def register_lot_check(check: Callable[[str, str, dt.date], None]) -> None:
    if check not in lot_checks:  # setup runs once per app; several apps share the process
        lot_checks.append(check)


def register_desk_lot_source(source: Callable) -> None:
    if source not in desk_lot_sources:
        desk_lot_sources.append(source)
