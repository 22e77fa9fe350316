"""Every ministry report by kind: the ones in ``reports`` and the due lists and equity report
built on its ``Report`` (they import ``reports``, so the catalog lives beside them, not in it)."""

from __future__ import annotations

from cowin_kit.reporting.due import BOOSTER_DUE, DOSE2_DUE
from cowin_kit.reporting.equity import equity_report
from cowin_kit.reporting.reports import AEFI, COVERAGE, NOSHOW, WASTAGE, Report
from cowin_kit.reporting.routine_due import ROUTINE_DUE
from cowin_kit.reporting.routine_reports import DROPOUT, FIC


def all_reports() -> dict[str, Report]:
    return {r.kind: r for r in (COVERAGE, DOSE2_DUE, BOOSTER_DUE, NOSHOW, WASTAGE, AEFI,
                                equity_report(), FIC, DROPOUT,
                                ROUTINE_DUE)}
