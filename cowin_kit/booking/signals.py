"""Signals of the booking domain: a cancelled appointment's dose came free.

``changes.cancel`` books nothing itself; the standby list and the lottery (which book through
``operations`` and ``allotted``) subscribe from ``booking.setup``, so the writes they build on
never import them. Both are sent inside the cancelling transaction (sender: None); a
receiver's exception undoes the cancel.

- ``dose_freed(session=, dose_kind=, now=)``: offer the freed dose down the standby list; a
  receiver returns a true value when the dose is held for an offer (it then stays booked).
- ``dose_released(session_id=, allocation=, now=)``: the dose went back to the session's
  capacity (nobody holds it); a lottery session offers it to the next in its draw.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

dose_freed = _signals.signal("dose-freed")
dose_released = _signals.signal("dose-released")
