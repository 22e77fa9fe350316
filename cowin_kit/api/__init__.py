"""External API surfaces: the CoWIN-compatible v2 API (``cowin_v2``)."""
