"""Spreadsheet-safe cells for every CSV and XLSX export (formula injection, CWE-1236).

A facility named ``=cmd|' /C calc'!A0`` must reach the reader as that text, never as a formula
that Excel, LibreOffice or Google Sheets runs. Following OWASP's CSV injection guidance and
ASVS 5 (V1.2.10), a text value whose first character is ``= + - @``, a tab, a carriage return,
a line feed or NUL, or whose first character after leading blanks is ``= + - @`` (spreadsheets
skip the blanks), is written with a leading apostrophe. XLSX cells hold the same text as string
cells (``data_type 's'``), so they can never be stored as formulas.

Numbers and dates the kit computed itself are written as they are (a count of -1 stays a
number); everything that came from a person or an integrator is text and goes through
:func:`cell_text`.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable

#: First characters that make a spreadsheet read a cell as a formula (or split it, for the
#: control characters).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

#: Types written as they are: values the kit computed, never a formula.
PLAIN_TYPES = (bool, int, float, decimal.Decimal, dt.date, dt.datetime, dt.time)


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take this text for a formula."""
    return text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS


def cell_text(value) -> str:
    """Any value as text that a spreadsheet shows as text (``None`` is an empty cell)."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


def cell_value(value):
    """A value for a CSV or XLSX cell: computed numbers and dates as they are, text made safe."""
    if value is None:
        return ""
    if isinstance(value, PLAIN_TYPES):
        return value
    return cell_text(value)


def csv_row(values: Iterable) -> list:
    """One CSV row of safe cells."""
    return [cell_value(v) for v in values]


def xlsx_cell(sheet, value):
    """An openpyxl write-only cell: text is always a string cell, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    value = cell_value(value)
    cell = WriteOnlyCell(sheet, value=None if value == "" else value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell
