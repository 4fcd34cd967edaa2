"""A report's rows as CSV and .xlsx: numbers stay numbers, local times as the clock shows them, and a cell that
looks like a formula is written as text in both."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from crm_store.reports_export import csv_bytes, xlsx_bytes

HEADER = ["Интервал", "Очередь", "Поступило", "Номер"]
ROWS = [
    [datetime(2026, 12, 1, 10, 15, tzinfo=ZoneInfo("Europe/Moscow")), "Общие вопросы", 4, "+79160000001"],
    [datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("Europe/Moscow")), '=HYPERLINK("http://x")', 0, None],
]


def test_csv_opens_in_russian_excel_with_formulas_neutralised() -> None:
    body = csv_bytes(HEADER, ROWS)

    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        HEADER,
        ["2026-12-01 10:15", "Общие вопросы", "4", "'+79160000001"],
        ["2026-12-01 10:30", '\'=HYPERLINK("http://x")', "0", ""],
    ]


def test_xlsx_keeps_numbers_and_times_and_neutralises_formulas() -> None:
    body = xlsx_bytes("Очереди", HEADER, ROWS)

    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "Очереди"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert values[1] == [datetime(2026, 12, 1, 10, 15), "Общие вопросы", 4, "'+79160000001"]
    assert values[2][1] == '\'=HYPERLINK("http://x")'
    assert sheet.cell(row=3, column=2).data_type == "s"  # text, never a formula
