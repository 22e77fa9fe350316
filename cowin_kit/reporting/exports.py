"""CSV and XLSX exports of a report, row by row: memory stays flat however large the report."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from typing import IO

from cowin_kit.core.spreadsheet import csv_row, xlsx_cell
from cowin_kit.reporting.reports import Params, Report

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def header(report: Report) -> list[str]:
    return [str(label) for _key, label in report.columns]


def csv_chunks(report: Report, params: Params, tick: Callable[[int], None] = lambda n: None,
               rows_per_chunk: int = 500) -> Iterator[str]:
    """Yield the CSV text in chunks (header first), for a streamed download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # spreadsheets open UTF-8 CSV correctly with a byte-order mark
    writer.writerow(csv_row(header(report)))
    for i, row in enumerate(report.rows(params, tick), 1):
        writer.writerow(csv_row(row))
        if i % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(report: Report, params: Params, target: IO[bytes],
               tick: Callable[[int], None] = lambda n: None) -> int:
    """Write the report as an XLSX workbook (openpyxl write-only mode); return the row count."""
    # Imported here: openpyxl (with numpy) adds half a second to every process start otherwise.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=report.kind[:31])
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, label) for label in header(report)])
    count = 0
    for row in report.rows(params, tick):
        # Every cell through the shared guard: names from people never become formulas.
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(target)
    return count


def xlsx_chunks(report: Report, params: Params, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """Build the workbook in a temporary file, then yield it in chunks (XLSX is a zip: its
    directory is written last, so the file cannot be sent before it is complete)."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(report, params, spool)
        spool.seek(0)
        while chunk := spool.read(chunk_size):
            yield chunk


def filename(report: Report, params: Params, fmt: str) -> str:
    where = params.area.code if params.area else "national"
    return f"{report.kind}-{where}-{params.date_from:%Y%m%d}-{params.date_to:%Y%m%d}.{fmt}"
