"""A report's rows as a file to download: CSV (as Russian Excel opens it) or .xlsx (openpyxl, the project's one
spreadsheet library). Every text cell passes `spreadsheet.safe_cell`, so a caller number or a campaign name
that looks like a formula is written as text in both."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from .spreadsheet import safe_cell

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: Any) -> Any:
    """Local times as the wall clock shows them (Excel has no time zones)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM and `;` between cells, as `spreadsheet.write_csv` writes files."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    plain = _plain(value)
    if isinstance(plain, datetime):
        return plain.strftime("%Y-%m-%d %H:%M")
    return safe_cell(plain)


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook  # imported here: only an Excel download pays its start-up cost

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(safe_cell(title))[:31] or "report")
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    plain = _plain(value)
    return plain if isinstance(plain, datetime) else safe_cell(plain)
