"""Signals of the vaccination domain; certificates and reporting subscribe to them.

``dose_recorded`` and ``dose_corrected`` are sent after the commit with ``dose=DoseRecord``
(sender: the Flask app).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

dose_recorded = _signals.signal("dose-recorded")
dose_corrected = _signals.signal("dose-corrected")
