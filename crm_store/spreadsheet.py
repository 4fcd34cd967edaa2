"""Cells that ccdesk writes into CSV or Excel files: never a formula, never a megabyte.

A file ccdesk writes (an import's error report, a report, an export) is opened in Excel or LibreOffice.
A cell that starts with `=`, `+`, `-`, `@` (or a tab or CR, which the spreadsheet strips first) is run as
a formula there: `=cmd|' /C calc'!A0` starts a program, `=HYPERLINK(...)` leaks data. Such a cell is
written with a leading apostrophe, which both programs show as text and never evaluate. Every writer of
CSV or .xlsx files goes through `safe_cell` / `write_csv`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

# The full-width forms too: LibreOffice reads ＝ and ＋ as = and + in some locales.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
MAX_SHOWN = 200  # characters of an echoed value kept in a message or a report


def shorten(value: str, limit: int = MAX_SHOWN) -> str:
    """`value`, cut to `limit` characters with the length said: a rejected 800 MB cell stays out of reports."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value)} characters)"


def neutralise(value: str) -> str:
    """`value` as text a spreadsheet will not evaluate."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_cell(value: object) -> object:
    """A cell to write: numbers stay numbers; text is neutralised. (None → "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]], *, delimiter: str = ";") -> None:
    """A CSV that Excel opens correctly (UTF-8 with BOM, `;` as the Russian Excel expects) and safely."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(c) for c in row])
