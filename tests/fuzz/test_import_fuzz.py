"""Fuzz: any file given to the importer is imported with per-row rejections or refused as a whole with
ImportFailed; a refused file changes nothing, and the error report never carries a live formula."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import text

from crm_store.db import Database, open_database
from crm_store.errors import ImportFailed
from crm_store.importer import import_file, run
from crm_store.importer.run import write_error_report
from crm_store.migrate import upgrade
from crm_store.spreadsheet import FORMULA_STARTS

from .budget import budget
from .test_agi_fuzz import run_in_own_loop

TABLES = ("customers", "phones", "accounts", "audit_log")
KNOWN_GOOD = """ФИО;Лицевой счёт;Телефон;Адрес;Сумма долга
Иванов Иван Иванович;1000000001;8 (495) 123-45-67;г. Москва, ул. Ленина, д. 1;1 234,50
Петрова Анна Сергеевна;1000000002;+7 916 1234567, 9031234567;г. Казань, ул. Мира, д. 2;0
"""
HEADERS = ["ФИО", "Лицевой счёт", "Телефон", "Адрес", "Сумма долга", "Дата долга", "Баланс", "ИНН", "email", "Тип"]
FORMULAS = ["=cmd|' /C calc'!A0", "+79001234567", "-1", "@SUM(A1)", '=HYPERLINK("x")', "\t=1", "＝1+1", "\r=2"]
garbage = st.one_of(
    st.sampled_from(FORMULAS),
    st.text(max_size=30),
    st.integers(2001, 200_000).map(lambda n: "Я" * n),  # over the cell limit, up to past csv's own 128 KiB
)
# Per column: what such a column usually holds, or garbage.
COLUMNS = {
    "ФИО": st.sampled_from(["Иванов Иван", "ООО «Ромашка»", "Петрова Анна Сергеевна"]),
    "Лицевой счёт": st.sampled_from(["1000000001", "1000000002", "1000000077", "12", "abc"]),
    "Телефон": st.sampled_from(["8 (495) 123-45-67", "+7 916 1234567, 9031234567", "9161112233", "123"]),
    "Адрес": st.sampled_from(["г. Москва, ул. Ленина, д. 1", ""]),
    "Сумма долга": st.sampled_from(["1 234,50", "0", "-5", "1e9", "12.345.67"]),
    "Дата долга": st.sampled_from(["2026-11-01", "01.11.2026", "31.02.2026", "вчера"]),
    "Баланс": st.sampled_from(["-1 234,50", "100", "x"]),
    "ИНН": st.sampled_from(["7707083893", "12"]),
    "email": st.sampled_from(["a@b.ru", "not-an-email"]),
    "Тип": st.sampled_from(["физ", "юр", "organisation", "марсианин"]),
}
HEADERS = list(COLUMNS)


@st.composite
def table(draw: st.DrawFn, shaped: bool = False) -> tuple[list[str], list[list[str]]]:
    if shaped or draw(st.booleans()):  # the right columns (for either kind) and more, some cells wrong
        head = ["ФИО", "Лицевой счёт", "Телефон", "Сумма долга"]
        head = head + draw(
            st.lists(st.sampled_from(HEADERS), max_size=4, unique=True).map(lambda h: [x for x in h if x not in head])
        )
    else:
        head = draw(
            st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=12), st.sampled_from(FORMULAS)), max_size=6)
        )
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        # a cell is wrong one time in five
        row = [draw(COLUMNS[h] if h in COLUMNS and draw(st.integers(0, 4)) < 4 else garbage) for h in head]
        if draw(st.integers(0, 5)) == 0:  # a row short of cells or with extra ones
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(garbage, max_size=2))
        rows.append(row)
    return head, rows


def _csv(rows: list[list[str]], delimiter: str, quoting: Any) -> str:
    out = io.StringIO()
    try:
        csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    except csv.Error:  # unquoted cells holding the delimiter: written as a careless tool would
        return "".join(delimiter.join(row) + "\r\n" for row in rows)
    return out.getvalue()


@st.composite
def shaped_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """What people really upload: the right header, a common delimiter and encoding, or an .xlsx."""
    head, rows = draw(table(shaped=True))
    if draw(st.booleans()):
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in [head, *rows]:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c[:32_767]) for c in row])
        out = io.BytesIO()
        book.save(out)
        return "file.xlsx", out.getvalue()
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "cp1251", "utf-16"]))
    return "file.csv", _csv([head, *rows], delimiter, csv.QUOTE_MINIMAL).encode(encoding, errors="replace")


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    head, rows = draw(table())
    delimiter = draw(st.sampled_from([";", ",", "\t", "|", " ", ":"]))
    text_ = _csv([head, *rows], delimiter, draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE])))
    if draw(st.booleans()):  # broken rows: an unclosed quote, a stray NUL, a line cut short
        at = draw(st.integers(0, len(text_)))
        text_ = text_[:at] + draw(st.sampled_from(['"', "\x00", "\r", "\n", ";;;", '"a""'])) + text_[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "koi8_r", "cp866", "utf-16"]))
    return text_.encode(encoding, errors="replace")


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    head, rows = draw(table())
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [head, *rows]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c[:32_767]) for c in row])  # what Excel itself can hold
    out = io.BytesIO()
    try:
        book.save(out)
    except Exception:  # openpyxl refuses some control characters: such a workbook cannot exist
        return b"PK\x03\x04broken"
    data = out.getvalue()
    how = draw(st.sampled_from(["whole", "whole", "truncated", "flipped"]))
    if how == "truncated":
        return data[: draw(st.integers(0, len(data)))]
    if how == "flipped":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    return data


@st.composite
def xlsx_with_broken_sheet(draw: st.DrawFn) -> bytes:
    """A valid zip whose sheet XML is damaged: openpyxl only finds out while the rows are read."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["ФИО", "Лицевой счёт"], *[[f"Имя {n}", str(1000000100 + n)] for n in range(draw(st.integers(1, 30)))]]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                cut = draw(st.integers(len(data) // 2, len(data) - 1))
                data = data[:cut] + draw(st.sampled_from([b"", b"<c r=", b"\xff\xfe", b"<row><c t='s'><v>999</v>"]))
            dst.writestr(info, data)
    return damaged.getvalue()


files = st.one_of(
    csv_files().map(lambda b: ("file.csv", b)),
    xlsx_files().map(lambda b: ("file.xlsx", b)),
    xlsx_with_broken_sheet().map(lambda b: ("file.xlsx", b)),
    st.binary(max_size=2000).map(lambda b: ("file.csv", b)),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated database with two customers already imported: imports may update as well as insert."""
    base = tmp_path_factory.mktemp("import-template")
    path = base / "template.db"

    async def build() -> None:
        url = f"sqlite:///{path}"
        await upgrade(url)
        db = open_database(url)
        try:
            good = base / "good.csv"
            good.write_text(KNOWN_GOOD, encoding="utf-8")
            await import_file(db, "customers", good)
        finally:
            await db.dispose()

    run_in_own_loop(build)
    yield path


async def snapshot(db: Database) -> dict[str, list[Any]]:
    async with db.read_session() as s:
        return {t: [tuple(r) for r in (await s.execute(text(f"SELECT * FROM {t} ORDER BY id"))).all()] for t in TABLES}


@budget(30)
@given(shaped_files(), st.sampled_from(["customers", "debts"]), st.sampled_from([10_000, 2]))
def test_a_table_is_imported_row_by_row_or_refused_whole(
    template: Path, tmp_path_factory: pytest.TempPathFactory, file: tuple[str, bytes], kind: str, chunk: int
) -> None:
    check_import(template, tmp_path_factory, file, kind, chunk)


@budget(30)
@given(files, st.sampled_from(["customers", "debts"]), st.sampled_from([10_000, 2]))
def test_any_file_is_imported_row_by_row_or_refused_whole(
    template: Path, tmp_path_factory: pytest.TempPathFactory, file: tuple[str, bytes], kind: str, chunk: int
) -> None:
    check_import(template, tmp_path_factory, file, kind, chunk)


def check_import(
    template: Path, tmp_path_factory: pytest.TempPathFactory, file: tuple[str, bytes], kind: str, chunk: int
) -> None:
    work = tmp_path_factory.mktemp("import")
    db_path = work / "ccdesk.db"
    shutil.copy(template, db_path)
    source = work / file[0]
    source.write_bytes(file[1])

    async def scenario() -> None:
        db = open_database(f"sqlite:///{db_path}")
        saved = run.CHUNK, run.YIELD_EVERY
        # Small chunks: a file refused late is refused after earlier chunks were written (and rolled back).
        run.CHUNK, run.YIELD_EVERY = chunk, min(chunk, run.YIELD_EVERY)
        try:
            before = await snapshot(db)
            try:
                summary = await import_file(db, kind, source)
            except ImportFailed as exc:
                assert str(exc).strip() and "Traceback" not in str(exc)
                assert len(str(exc)) < 2000, "the message echoes a shortened value, not the file"
                assert await snapshot(db) == before, "a refused file changed the store"
                return
            assert summary.rows == summary.inserted + summary.updated + summary.skipped + summary.rejected
            report = work / "errors.csv"
            write_error_report(summary, report)
            with report.open(encoding="utf-8-sig", newline="") as fh:
                cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
            assert not [c for c in cells if c.startswith(FORMULA_STARTS)], "a live formula in the report"
        finally:
            run.CHUNK, run.YIELD_EVERY = saved
            await db.dispose()

    run_in_own_loop(scenario)


# ------------------------------------------------------------------ what the fuzzing found, pinned


def test_a_byte_order_mark_and_a_blank_line_is_an_empty_file(template: Path, tmp_path: Path) -> None:
    """Was an IndexError: the sniffer's fallback looked at the first line of a text with none."""
    with pytest.raises(ImportFailed, match="is empty"):
        check_raises(template, tmp_path, ("bom.csv", b"\xef\xbb\xbf\r\n"))


def test_a_workbook_with_a_damaged_sheet_is_refused_whole(template: Path, tmp_path: Path) -> None:
    """Was an xml ParseError: read-only openpyxl parses the sheet only as its rows are read."""
    damaged = _damaged_workbook()
    with pytest.raises(ImportFailed, match="cannot be read"):
        check_raises(template, tmp_path, ("damaged.xlsx", damaged))


def _damaged_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ФИО", "Лицевой счёт"])
    for n in range(20):
        sheet.append([f"Имя {n}", str(1000000100 + n)])
    out = io.BytesIO()
    book.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3] + b"<c r="
            dst.writestr(info, data)
    return damaged.getvalue()


def check_raises(template: Path, tmp_path: Path, file: tuple[str, bytes]) -> None:
    """import_file on a copy of the template; whatever it raises is raised here, the store compared first."""
    db_path = tmp_path / "ccdesk.db"
    shutil.copy(template, db_path)
    source = tmp_path / file[0]
    source.write_bytes(file[1])

    async def scenario() -> None:
        db = open_database(f"sqlite:///{db_path}")
        try:
            before = await snapshot(db)
            try:
                await import_file(db, "customers", source)
            finally:
                assert await snapshot(db) == before
        finally:
            await db.dispose()

    run_in_own_loop(scenario)
