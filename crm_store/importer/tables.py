"""Read a file into a header and rows of strings, whatever its encoding, delimiter or format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import ImportFailed

DELIMITERS = ",;\t|"


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (1-based row number in the file, cells)
    description: str


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding), "utf-8"
        except UnicodeDecodeError:
            pass
    best = from_bytes(data[:200_000], cp_isolation=["cp1251", "koi8_r", "cp866", "utf_16", "latin_1"]).best()
    if best is None:
        raise ImportFailed("the file is not text in any known encoding (CSV) nor an .xlsx workbook")
    return data.decode(best.encoding, errors="replace"), best.encoding


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    return "\x00" in sample or sum(ch < " " and ch not in "\r\n\t" for ch in sample) > len(sample) // 20


def read_csv(path: Path) -> Table:
    data = path.read_bytes()
    if not data.strip():
        raise ImportFailed(f"{path.name} is empty")
    text, encoding = _decode(data)
    if _looks_binary(text):
        raise ImportFailed(f"{path.name} is not a text table (binary content)")
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        dialect = csv.Sniffer().sniff(first_lines, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        counts = {d: first_lines.splitlines()[0].count(d) for d in DELIMITERS}
        delimiter = max(counts, key=counts.__getitem__)
        if counts[delimiter] == 0:
            raise ImportFailed(
                f"{path.name} is not a table: no column delimiter ({', '.join(repr(d) for d in DELIMITERS)}) found"
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(f"{path.name} has no header row") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(reader, start=2):
            if "".join(row).strip():  # some cell is not blank (as any(cell.strip() ...), a third of the cost)
                yield number, row

    return Table(header=header, rows=rows(), description=f"CSV, {encoding}, delimiter {delimiter!r}")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook  # imported here: only .xlsx imports pay its start-up cost

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise ImportFailed(f"{path.name} is not a readable .xlsx workbook: {exc}") from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header: list[str] | None = None
    header_row = 0
    for header_row, row in enumerate(values, start=1):  # noqa: B007 (read after the loop)
        if any(v not in (None, "") for v in row):
            header = [_cell(v) for v in row]
            break
    if header is None:
        workbook.close()
        raise ImportFailed(f"{path.name}: the first sheet is empty")

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(values, start=header_row + 1):
                cells = [_cell(v) for v in row]
                if any(c.strip() for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return Table(header=header, rows=rows(), description=f"Excel sheet {sheet.title!r}")


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return read_csv(path)
