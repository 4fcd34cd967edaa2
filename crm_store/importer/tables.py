"""Read a file into a header and rows of strings, whatever its encoding, delimiter or format."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from charset_normalizer import from_bytes

from ..errors import ImportFailed
from ..spreadsheet import shorten
from .rows import MAX_CELL_CHARS

DELIMITERS = ",;\t|"
# Limits that keep one file from taking the server's memory or time: a 1 MB .xlsx can unpack to gigabytes
# (one huge shared string took 3.8 GB); a CSV is streamed, never held whole, but its size bounds how long it
# takes. A million customers fit well within them.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 512 * 1024 * 1024  # the workbook's parts once unzipped, all together
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
MB = 1024 * 1024
READ_BYTES = MB  # the bytes are scanned a megabyte at a time
SNIFF_BYTES = 200_000  # what the encoding is guessed from, when the file is not UTF-8
HEAD_CHARS = 1_000_000  # the start of the text: the binary check and the delimiter's sniffing read it


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (1-based row number in the file, cells)
    description: str
    expected_rows: int | None = None  # an estimate for progress (line count; the sheet's dimension)


def _scan(path: Path) -> tuple[bool, int, bool]:
    """One pass over the file's bytes, a megabyte at a time: whether all of it is UTF-8 (a BOM allowed), how
    many lines it has (for progress), and whether it is blank (only whitespace)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines, blank, last = True, 0, True, b""
    with path.open("rb") as fh:
        while chunk := fh.read(READ_BYTES):
            lines += chunk.count(b"\n")
            blank = blank and not chunk.strip()
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            last = chunk
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return utf8, lines + (1 if last and not last.endswith(b"\n") else 0), blank


def _encoding(path: Path, utf8: bool) -> tuple[str, str, str]:
    """(codec, error handling, the name to show): UTF-8 when all of the file is; else the best guess from
    its first 200 KB, with undecodable bytes replaced."""
    if utf8:
        return "utf-8-sig", "strict", "utf-8"
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    best = from_bytes(sample, cp_isolation=["cp1251", "koi8_r", "cp866", "utf_16", "latin_1"]).best()
    if best is None:
        raise ImportFailed("the file is not text in any known encoding (CSV) nor an .xlsx workbook")
    return best.encoding, "replace", best.encoding


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    return "\x00" in sample or sum(ch < " " and ch not in "\r\n\t" for ch in sample) > len(sample) // 20


def _bounded_rows(path: Path, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    for count, (number, row) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ImportFailed(f"{path.name} has more than {MAX_ROWS:,} data rows: split it into smaller files")
        if len(row) > MAX_COLUMNS and "".join(row[MAX_COLUMNS:]).strip():
            raise ImportFailed(f"{path.name}: row {number} has {len(row)} cells (at most {MAX_COLUMNS})")
        yield number, row


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFailed(
            f"{path.name} is {size / MB:.0f} MB; at most {MAX_FILE_BYTES // MB} MB can be imported at once: split it"
        )


def read_csv(path: Path) -> Table:
    """The file is read as a stream, never whole: it may be hundreds of megabytes inside a running server."""
    _check_size(path)
    utf8, lines, blank = _scan(path)
    if blank:
        raise ImportFailed(f"{path.name} is empty")
    codec, errors, encoding = _encoding(path, utf8)

    def open_text() -> TextIO:
        return path.open(encoding=codec, errors=errors, newline="")

    with open_text() as fh:
        head = fh.read(HEAD_CHARS)
        if not head.strip() and not any(block.strip() for block in iter(lambda: fh.read(HEAD_CHARS), "")):
            raise ImportFailed(f"{path.name} is empty")  # a byte-order mark and blank lines
    if _looks_binary(head):
        raise ImportFailed(f"{path.name} is not a text table (binary content)")
    first_lines = "\n".join(head.splitlines()[:20])
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
    with open_text() as fh:
        try:
            header = next(csv.reader(fh, delimiter=delimiter))
        except StopIteration:
            raise ImportFailed(f"{path.name} has no header row") from None
        except csv.Error as exc:
            raise ImportFailed(f"{path.name}: cannot read the header: {shorten(str(exc), 200)}") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        # The file is opened when the rows are first asked for and closed when they end (or are abandoned).
        number = 1
        with open_text() as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                next(reader)  # the header, read above
                for number, row in enumerate(reader, start=2):
                    if "".join(row).strip():  # some cell is not blank (as any(cell.strip() ...), a third of the cost)
                        yield number, row
            except csv.Error as exc:  # a cell over the csv module's 128 KiB, a NUL byte: not a table we can read
                raise ImportFailed(
                    f"{path.name}: row {number + 1} cannot be read: {shorten(str(exc), 200)} "
                    f"(a cell may hold at most {MAX_CELL_CHARS} characters); nothing was imported"
                ) from None

    if len(header) > MAX_COLUMNS and "".join(header[MAX_COLUMNS:]).strip():
        raise ImportFailed(f"{path.name}: the header has {len(header)} columns (at most {MAX_COLUMNS})")
    return Table(
        header=header,
        rows=_bounded_rows(path, rows()),
        description=f"CSV, {encoding}, delimiter {delimiter!r}",
        # Lines, not records (a quoted cell may hold a newline): an estimate, which is all progress needs.
        expected_rows=max(0, lines - 1),
    )


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


def _check_unpacked(path: Path) -> None:
    """Refuse a workbook whose parts unpack past the limit, before openpyxl reads any of them.

    The sizes are the ones the zip declares; zipfile never returns more than that from a part (it stops at
    the declared size and fails the CRC), so a lying archive cannot get past this either.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"{path.name} is not a readable .xlsx workbook: {shorten(str(exc), 200)}") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFailed(
            f"{path.name} unpacks to {unpacked / MB:.0f} MB (at most {MAX_XLSX_UNPACKED_BYTES // MB} MB): "
            "save it as CSV or split it"
        )


def read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook  # imported here: only .xlsx imports pay its start-up cost

    _check_size(path)
    _check_unpacked(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise ImportFailed(f"{path.name} is not a readable .xlsx workbook: {shorten(str(exc), 200)}") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header: list[str] | None = None
    header_row = 0
    try:
        for header_row, row in enumerate(values, start=1):  # noqa: B007 (read after the loop)
            if any(v not in (None, "") for v in row):
                header = [_cell(v) for v in row]
                break
    except Exception as exc:  # read-only openpyxl parses the sheet as it goes: a damaged one fails here
        workbook.close()
        raise ImportFailed(f"{path.name}: the first sheet cannot be read: {shorten(str(exc), 200)}") from None
    if header is None:
        workbook.close()
        raise ImportFailed(f"{path.name}: the first sheet is empty")

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = header_row
        try:
            for number, row in enumerate(values, start=header_row + 1):
                cells = [_cell(v) for v in row]
                if any(c.strip() for c in cells):
                    yield number, cells
        except Exception as exc:  # damaged sheet XML, found only when read (as the CSV reader's csv.Error)
            raise ImportFailed(
                f"{path.name}: row {number + 1} cannot be read: {shorten(str(exc), 200)}; nothing was imported"
            ) from None
        finally:
            workbook.close()

    if len(header) > MAX_COLUMNS and "".join(header[MAX_COLUMNS:]).strip():
        workbook.close()
        raise ImportFailed(f"{path.name}: the header has {len(header)} columns (at most {MAX_COLUMNS})")
    max_row = sheet.max_row  # from the sheet's <dimension>, when the writer put one there
    return Table(
        header=header,
        rows=_bounded_rows(path, rows()),
        description=f"Excel sheet {sheet.title!r}",
        expected_rows=max(0, max_row - header_row) if isinstance(max_row, int) else None,
    )


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return read_csv(path)
